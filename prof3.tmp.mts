import fs from "node:fs";
import sharp from "sharp";
import { decodeRgb, shrinkRgb } from "./lib/image/raster";
import { detectSky, computeSkyMatte } from "./lib/image/sky-mask";
import { replaceSky } from "./lib/image/engine";
const file = "/work/main/.cache/debroot/lomiri-wallpapers-16.04/usr/share/backgrounds/picosdeeuropa_by_Aitzol_Berasategi.jpg";
const bytes = await sharp(file).resize(1024, 1024, { fit: "inside" }).jpeg().toBuffer();
for (let i = 0; i < 3; i++) {
  let t = performance.now();
  const lap = (n: string) => { const x = performance.now(); console.log(n, Math.round(x - t)); t = x; };
  const full = await decodeRgb(bytes); lap("decode");
  const small = await shrinkRgb(full, 480); lap("shrink");
  detectSky(small); lap("detect");
  await computeSkyMatte(full); lap("matte(total incl detect)");
  await replaceSky({ image: { bytes, mime: "image/jpeg", width: 0, height: 0 }, sky: { kind: "preset", presetId: "cumulus-afternoon" }, harmonize: 0.5, horizonShift: 0, format: "jpeg" }); lap("replaceSky");
  const { renderSkyPreset } = await import("./lib/image/presets");
  await renderSkyPreset("cumulus-afternoon", { width: 1024, height: 500 }); lap("render sky");
}
