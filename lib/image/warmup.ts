import sharp from "sharp";
import { isAppError } from "../errors";
import type { ImageInput } from "./types";
import { changeBackground, removeBackground, replaceSky } from "./engine";
import { paintRgb } from "./raster";
import { getSubjectSession } from "./subject-model";

/**
 * A small synthetic photo with a sky, hills and an object standing on them: enough for every edit
 * to run all its stages.
 */
async function warmupPhoto(): Promise<ImageInput> {
  const W = 512;
  const H = 384;
  const photo = paintRgb(W, H, (x, y) => {
    const dx = x - W / 2;
    const dy = y - 0.62 * H;
    if (dx * dx + dy * dy < 70 * 70) return [200, 40 + (y % 7), 35];
    if (y > 0.55 * H + 12 * Math.sin(x / 40)) return [70 + ((x * 7 + y * 13) % 23), 90 + ((x * 5 + y * 3) % 19), 50];
    return [80 + (y * 90) / H, 140 + (y * 70) / H, 235];
  });
  const bytes = await sharp(photo.data, { raw: { width: W, height: H, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
  return { bytes, mime: "image/jpeg", width: W, height: H };
}

/**
 * Loads the subject model and runs each edit `rounds` times on a small synthetic photo, so that
 * V8 has optimised the engine's pixel loops before the first real job (a cold sky replacement at
 * 1024 px took about twice as long as a warm one on the 2-core Xeon). Returns the edits the photo
 * was refused by (no sky or no subject found): those still ran their first stages only.
 */
export async function warmEngine(rounds = 3): Promise<{ refused: string[] }> {
  await getSubjectSession();
  const image = await warmupPhoto();
  const edits: Record<string, () => Promise<unknown>> = {
    removeBackground: () => removeBackground({ image, format: "png", output: "cutout" }),
    changeBackground: () =>
      changeBackground({
        image,
        background: { kind: "preset", presetId: "studio-white" },
        shadow: true,
        canvas: "original",
        format: "jpeg",
      }),
    replaceSky: () =>
      replaceSky({
        image,
        sky: { kind: "preset", presetId: "cumulus-afternoon" },
        harmonize: 0.5,
        horizonShift: 0,
        format: "jpeg",
      }),
  };
  const refused = new Set<string>();
  for (let r = 0; r < rounds; r++) {
    for (const [name, edit] of Object.entries(edits)) {
      try {
        await edit();
      } catch (error) {
        if (!isAppError(error)) throw error;
        refused.add(name);
      }
    }
  }
  return { refused: [...refused] };
}
