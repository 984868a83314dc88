import { type Rgb, boxBlur, clamp01, planeSampler } from "./raster";
import { type WaterReflection, applyWaterReflection, detectWaterReflection } from "./reflection";
import type { SkyMatte } from "./sky-mask";

export type SkyComposite = { out: Uint8Array; water?: WaterReflection };

const lum = (c: readonly number[]) => 0.299 * c[0]! + 0.587 * c[1]! + 0.114 * c[2]!;

/**
 * How the foreground's light follows the new sky: a luminance-neutral tint of at most ±7 % per
 * channel, and an exposure change within 0.55–1.12 (a storm or dusk sky dims the land; a bright sky
 * barely lifts it). Both scale with `harmonize` (0–1). Bounded so the photo never takes a cast.
 */
export function skyLightGains(
  oldSky: readonly number[],
  newSky: readonly number[],
  harmonize: number,
): [number, number, number] {
  const h = clamp01(harmonize);
  if (h === 0) return [1, 1, 1];
  const lo = lum(oldSky);
  const ln = lum(newSky);
  const ratio = newSky.map((v, k) => (v / (ln + 0.02) + 0.05) / (oldSky[k]! / (lo + 0.02) + 0.05));
  let tint = ratio.map((r) => Math.min(1.07, Math.max(0.93, Math.pow(r, 0.5 * h))));
  const tl = lum(tint);
  tint = tint.map((t) => t / tl);
  const exposure = Math.min(1.12, Math.max(0.55, Math.pow((ln + 0.03) / (lo + 0.03), 0.5 * h)));
  return [tint[0]! * exposure, tint[1]! * exposure, tint[2]! * exposure];
}

/**
 * Puts a new sky behind the photo's foreground: `sky` is the new sky at the photo's width, its rows
 * ending at the new horizon (rows below it repeat the last one). Edge pixels lose the old sky's share
 * before the new one is mixed in, the foreground takes the new sky's light (`harmonize`, 0–1) with a
 * little of the new sky's colour wrapped around the skyline (no cut-out seam), and water that mirrored
 * the old sky mirrors the new one when `reflection` is on.
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
  const d = photo.data;
  const skyRow = (y: number) => Math.min(horizon - 1, y) * W;
  // Old sky colour near edges, for decontaminating the foreground (the old sky must not bleed through).
  const [oldR, oldG, oldB] = matte.refine.skyColour.map((p) => planeSampler(p, W, H)) as [
    (x: number, y: number) => number,
    (x: number, y: number) => number,
    (x: number, y: number) => number,
  ];

  // Mean old and new sky colour under the mask (subsampled), for the light.
  const oldM = [0, 0, 0];
  const newM = [0, 0, 0];
  let so = 0;
  for (let i = 0; i < W * H; i += 7) {
    if (alpha[i]! <= 0.5) continue;
    const y = Math.floor(i / W);
    const s = 3 * (skyRow(y) + i - y * W);
    for (let k = 0; k < 3; k++) {
      oldM[k]! += d[3 * i + k]! / 255;
      newM[k]! += sky[s + k]! / 255;
    }
    so++;
  }
  const h = clamp01(args.harmonize ?? 0);
  const [g0, g1, g2] =
    so > 0
      ? skyLightGains(
          oldM.map((v) => v / so),
          newM.map((v) => v / so),
          h,
        )
      : [1, 1, 1];
  // Pure ground pixels only need the harmonised colour: one table per channel.
  const [l0, l1, l2] = [g0, g1, g2].map((g) =>
    Uint8Array.from({ length: 256 }, (_, v) => Math.round(Math.min(1, (v / 255) * g) * 255)),
  ) as [Uint8Array, Uint8Array, Uint8Array];

  // Light wrap: how close each ground pixel is to the sky, on the ≤1024 raster (nearest cell).
  const { width: rw, height: rh } = matte.refine.rgb;
  const ra = matte.refine.alpha;
  const wrapR = Math.max(1, Math.round(Math.max(rw, rh) / 200));
  const wrap = h > 0 ? boxBlur(ra, rw, rh, wrapR) : undefined;
  const wrapMax = 0.22 * h;
  const colOf = Int32Array.from({ length: W }, (_, x) => Math.min(rw - 1, Math.floor((x * rw) / W)));

  const out = new Uint8Array(W * H * 3);
  for (let y = 0, i = 0; y < H; y++) {
    const row = skyRow(y);
    const wrapRow = Math.min(rh - 1, Math.floor((y * rh) / H)) * rw;
    for (let x = 0; x < W; x++, i++) {
      const a = alpha[i]!;
      const o = 3 * i;
      const s = 3 * (row + x);
      if (a >= 0.98) {
        out[o] = sky[s]!;
        out[o + 1] = sky[s + 1]!;
        out[o + 2] = sky[s + 2]!;
        continue;
      }
      const wv = wrap ? wrap[wrapRow + colOf[x]!]! : 0;
      if (a <= 0 && wv < 0.01) {
        out[o] = l0[d[o]!]!;
        out[o + 1] = l1[d[o + 1]!]!;
        out[o + 2] = l2[d[o + 2]!]!;
        continue;
      }
      let r = d[o]! / 255;
      let g = d[o + 1]! / 255;
      let b = d[o + 2]! / 255;
      if (a > 0.02) {
        // F = (I − α·S_old)/(1−α): remove the old sky's share of an edge pixel before mixing the new one.
        const sr = oldR(x, y);
        if (!Number.isNaN(sr)) {
          r = clamp01((r - a * sr) / (1 - a));
          g = clamp01((g - a * oldG(x, y)) / (1 - a));
          b = clamp01((b - a * oldB(x, y)) / (1 - a));
        }
      }
      r = Math.min(1, r * g0);
      g = Math.min(1, g * g1);
      b = Math.min(1, b * g2);
      // Near the skyline the ground takes a little of the new sky's colour, as real light would.
      const k = wrapMax * Math.min(1, 2 * wv) * (1 - a);
      if (k > 0) {
        r += k * (sky[s]! / 255 - r);
        g += k * (sky[s + 1]! / 255 - g);
        b += k * (sky[s + 2]! / 255 - b);
      }
      const ia = 1 - a;
      out[o] = Math.round(r * 255 * ia + sky[s]! * a);
      out[o + 1] = Math.round(g * 255 * ia + sky[s + 1]! * a);
      out[o + 2] = Math.round(b * 255 * ia + sky[s + 2]! * a);
    }
  }
  // Water mirroring the old sky mirrors the new one (unless the caller turned it off).
  const found = args.reflection ? detectWaterReflection(matte.refine.rgb, matte.refine.alpha) : undefined;
  const water = found && found.coverage > 0 ? found : undefined;
  if (water) applyWaterReflection({ out, orig: d, width: W, height: H, sky, skyRows: horizon, reflection: water });
  return { out, water };
}
