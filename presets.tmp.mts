import sharp from "sharp";
import { listBackgroundPresets, listSkyPresets, renderPresetThumbnail } from "./lib/image/presets";
const tiles: { input: Buffer; left: number; top: number }[] = [];
const all = [...listSkyPresets().map((p) => ["sky", p.id] as const), ...listBackgroundPresets().map((p) => ["background", p.id] as const)];
for (const [i, [k, id]] of all.entries()) tiles.push({ input: await renderPresetThumbnail(k, id), left: (i % 8) * 324, top: Math.floor(i / 8) * 204 });
await sharp({ create: { width: 8 * 324, height: Math.ceil(all.length / 8) * 204, channels: 3, background: "#000" } }).composite(tiles).png().toFile("/tmp/eo/presets.png");
