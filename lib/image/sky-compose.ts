import { type Rgb, clamp01, planeSampler } from "./raster";
import { type WaterReflection, applyWaterReflection, detectWaterReflection } from "./reflection";
import type { SkyMatte } from "./sky-mask";

export type SkyComposite = { out: Uint8Array; water?: WaterReflection };

/**
 * Puts a new sky behind the photo's foreground: `sky` is the new sky at the photo's width, its rows
 * ending at the new horizon (rows below it repeat the last one). Edge pixels lose the old sky's share
 * before the new one is mixed in, the foreground takes the new sky's light (`harmonize`, 0–1), and
 * water that mirrored the old sky mirrors the new one when `reflection` is on.
 */
export function composeSky(args: {
  photo: Rgb;
  matte: SkyMatte;
  sky: Rgb;
  harmonize?: number;
  reflection: boolean;
}): SkyComposite {
  const { photo, matte } = args;
  const { width: W, height: H, alpha } = matte;
  const horizon = args.sky.height;
  const sky = args.sky.data;
  const skyRow = (y: number) => Math.min(horizon - 1, y) * W;
  // Old sky colour near edges, for decontaminating the foreground (the old sky must not bleed through).
  const [oldR, oldG, oldB] = matte.refine.skyColour.map((p) => planeSampler(p, W, H)) as [
    (x: number, y: number) => number,
    (x: number, y: number) => number,
    (x: number, y: number) => number,
  ];

  // Harmonisation statistics (subsampled): old sky, new sky under the mask, foreground.
  const oldM = [0, 0, 0];
  const newM = [0, 0, 0];
  let so = 0;
  const d = photo.data;
  for (let i = 0; i < W * H; i += 7) {
    const a = alpha[i]!;
    if (a <= 0.5) continue;
    const y = Math.floor(i / W);
    const x = i - y * W;
    const s = 3 * (skyRow(y) + x);
    for (let k = 0; k < 3; k++) {
      oldM[k]! += d[3 * i + k]! / 255;
      newM[k]! += sky[s + k]! / 255;
    }
    so++;
  }
  const h = clamp01(args.harmonize ?? 0);
  let gain = [1, 1, 1];
  let bright = 1;
  if (so > 0 && h > 0) {
    const o = oldM.map((v) => v / so);
    const nw = newM.map((v) => v / so);
    // Colour cast: per-channel gain towards the new sky's illuminant, luminance-neutral.
    gain = nw.map((v, k) => Math.pow((v + 0.03) / (o[k]! + 0.03), 0.35 * h));
    const gl = 0.299 * gain[0]! + 0.587 * gain[1]! + 0.114 * gain[2]!;
    gain = gain.map((g) => g / gl);
    // Brightness: darker skies (dusk, night, storm) dim the land, damped and bounded.
    const lo = 0.299 * o[0]! + 0.587 * o[1]! + 0.114 * o[2]!;
    const ln = 0.299 * nw[0]! + 0.587 * nw[1]! + 0.114 * nw[2]!;
    bright = Math.max(0.35, Math.min(1.2, Math.pow((ln + 0.02) / (lo + 0.02), 0.6 * h)));
  }
  const g0 = gain[0]! * bright;
  const g1 = gain[1]! * bright;
  const g2 = gain[2]! * bright;
  // Pure ground pixels only need the harmonised colour: one table per channel.
  const lut = [g0, g1, g2].map((g) =>
    Uint8Array.from({ length: 256 }, (_, v) => Math.round(Math.min(1, (v / 255) * g) * 255)),
  );
  const [l0, l1, l2] = lut as [Uint8Array, Uint8Array, Uint8Array];
  const out = new Uint8Array(W * H * 3);
  for (let y = 0, i = 0; y < H; y++) {
    const row = skyRow(y);
    for (let x = 0; x < W; x++, i++) {
      const a = alpha[i]!;
      const o = 3 * i;
      if (a <= 0) {
        out[o] = l0[d[o]!]!;
        out[o + 1] = l1[d[o + 1]!]!;
        out[o + 2] = l2[d[o + 2]!]!;
        continue;
      }
      const s = 3 * (row + x);
      if (a >= 0.98) {
        out[o] = sky[s]!;
        out[o + 1] = sky[s + 1]!;
        out[o + 2] = sky[s + 2]!;
        continue;
      }
      let r = d[o]! / 255;
      let g = d[o + 1]! / 255;
      let b = d[o + 2]! / 255;
      if (a > 0.02) {
        // F = (I − α·S_old)/(1−α): remove the old sky's share of an edge pixel before mixing the new one.
        const sr = oldR(x, y);
        if (!Number.isNaN(sr)) {
          const sg = oldG(x, y);
          const sb = oldB(x, y);
          r = clamp01((r - a * sr) / (1 - a));
          g = clamp01((g - a * sg) / (1 - a));
          b = clamp01((b - a * sb) / (1 - a));
        }
      }
      const ia = 1 - a;
      out[o] = Math.round(Math.min(1, r * g0) * 255 * ia + sky[s]! * a);
      out[o + 1] = Math.round(Math.min(1, g * g1) * 255 * ia + sky[s + 1]! * a);
      out[o + 2] = Math.round(Math.min(1, b * g2) * 255 * ia + sky[s + 2]! * a);
    }
  }
  // Water mirroring the old sky mirrors the new one (unless the caller turned it off).
  const water = args.reflection ? detectWaterReflection(matte.refine.rgb, matte.refine.alpha) : undefined;
  if (water) applyWaterReflection({ out, orig: d, width: W, height: H, sky, skyRows: horizon, reflection: water });
  return { out, water };
}
