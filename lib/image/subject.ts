import sharp from "sharp";
import { AppError } from "../errors";
import {
  type Plane,
  type Rgb,
  clamp01,
  guidedUpsample,
  localMeanColour,
  luminance,
  resizePlane,
  planeSampler,
  shrinkRgb,
} from "./raster";
import { subjectProbability } from "./subject-model";

/** Working resolution for mask clean-up and background-colour estimates. */
export const WORK_SIDE = 1024;

export type SubjectMatte = {
  width: number;
  height: number;
  /** Alpha in [0,1] at the input's full resolution. */
  alpha: Float32Array;
  /** Fraction of the image covered by the subject. */
  coverage: number;
  /** Pixels where alpha may be soft (see `UpsampledMask.band`); every other one is 0 or 1. */
  band: Int32Array;
  /** Bounding box of alpha > 0.5, full-resolution pixels. */
  bbox: { x: number; y: number; width: number; height: number };
};

/**
 * Keeps connected components (alpha > 0.5, 4-connected) of at least `minFraction` of the largest
 * one. Works on each row's runs of such pixels, joined with a union-find: a mask has few runs per
 * row, so this costs one threshold pass over the pixels.
 */
function dropSmallComponents(p: Plane, minFraction: number): { largest: number } {
  const { width: w, height: h, data } = p;
  const starts: number[] = [];
  const ends: number[] = [];
  const rowStart = new Int32Array(h + 1);
  const parent: number[] = [];
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  for (let y = 0; y < h; y++) {
    rowStart[y] = starts.length;
    const o = y * w;
    for (let x = 0; x < w; x++) {
      if (data[o + x]! <= 0.5) continue;
      const x0 = x;
      while (x < w && data[o + x]! > 0.5) x++;
      const id = starts.length;
      starts.push(x0);
      ends.push(x);
      parent.push(id);
      // Join the runs of the row above that overlap this one.
      for (let k = y > 0 ? rowStart[y - 1]! : 0; k < rowStart[y]! && starts[k]! < x; k++) {
        if (ends[k]! <= x0) continue;
        const a = find(k);
        const b = find(id);
        if (a !== b) parent[b] = a;
      }
    }
  }
  rowStart[h] = starts.length;
  const size = new Float64Array(starts.length);
  for (let k = 0; k < starts.length; k++) {
    const root = find(k);
    size[root] = size[root]! + ends[k]! - starts[k]!;
  }
  const largest = size.reduce((m, v) => Math.max(m, v), 0);
  // Soft pixels (≤ 0.5) next to a dropped blob stay; they fade to nothing after refinement.
  for (let y = 0; y < h; y++) {
    for (let k = rowStart[y]!; k < rowStart[y + 1]!; k++) {
      if (size[find(k)]! < minFraction * largest) data.fill(0, y * w + starts[k]!, y * w + ends[k]!);
    }
  }
  return { largest };
}

/**
 * Subject alpha at full resolution: ISNet at its inference side (768² by default), cleaned there
 * (contrast stretch, small blobs removed) and upsampled with a guided filter fitted on the image the
 * model saw, so edges follow the photo, not the model's grid.
 */
export async function computeSubjectMatte(full: Rgb, opts: { work?: Rgb } = {}): Promise<SubjectMatte> {
  const { prob: low, square } = await subjectProbability(opts.work ?? (await shrinkRgb(full, WORK_SIDE)));
  // ISNet's sigmoid is nearly binary with a weak fringe: stretch so the fringe does not ghost.
  for (let i = 0; i < low.data.length; i++) low.data[i] = clamp01((low.data[i]! - 0.1) / 0.8);
  const { largest } = dropSmallComponents(low, 0.01);
  if (largest < 0.002 * low.data.length) {
    throw new AppError("no_subject_detected", "No clear subject was found in this photo.");
  }
  const r = Math.max(2, Math.round(low.width / 400));
  const { alpha, band, outside } = guidedUpsample({ low, lowGuide: luminance(square), full, r, eps: 2e-4 });
  // Outside the band the mask is exactly 0 or 1 and so are its neighbours, so the two steps below
  // leave it as it is: they only run on the band.
  const { width: W, height: H } = full;
  const next = new Float32Array(band.length);
  for (let k = 0; k < band.length; k++) {
    const i = band[k]!;
    const x = i % W;
    const y = (i - x) / W;
    // ISNet's edge tends to sit ~1 px outside the true edge, so boundary pixels come out opaque yet
    // carry the old background (a light fringe). Pull pixels next to transparent ones (3×3 mean
    // below 1) into the soft band, where decontamination can clean them.
    let near = 0;
    for (let dy = -1; dy <= 1; dy++) {
      const ro = (y + dy < 0 ? 0 : y + dy >= H ? H - 1 : y + dy) * W;
      for (let xx = x - 1; xx <= x + 1; xx++) near += alpha[ro + (xx < 0 ? 0 : xx >= W ? W - 1 : xx)]!;
    }
    // Re-harden slightly: the guided filter leaves a faint veil far from real edges.
    next[k] = clamp01((alpha[i]! - (1 - near / 9) * 0.6 - 0.04) / 0.92);
  }
  let { sum, minX, minY, maxX, maxY } = outside;
  for (let k = 0; k < band.length; k++) {
    const i = band[k]!;
    const a = next[k]!;
    alpha[i] = a;
    sum += a;
    if (a > 0.5) {
      const x = i % W;
      const y = (i - x) / W;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  if (maxX < 0) throw new AppError("no_subject_detected", "No clear subject was found in this photo.");
  return {
    width: full.width,
    height: full.height,
    alpha,
    band,
    coverage: sum / alpha.length,
    bbox: { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 },
  };
}

/**
 * Foreground colours without the old background: F = (I − (1−α)·B)/α in the soft band, where B
 * is the local mean of sure-background pixels (estimated small, sampled bilinearly). Returns RGBA.
 */
export async function decontaminatedCutout(
  full: Rgb,
  matte: SubjectMatte,
  opts: { work?: Rgb } = {},
): Promise<Uint8Array> {
  const work = opts.work ?? (await shrinkRgb(full, WORK_SIDE));
  const { width: W, height: H, alpha, band } = matte;
  const lowAlpha =
    work.width === W && work.height === H
      ? alpha
      : resizePlane({ width: W, height: H, data: alpha }, work.width, work.height).data;
  const weight = new Float32Array(lowAlpha.length);
  for (let i = 0; i < weight.length; i++) weight[i] = lowAlpha[i]! < 0.05 ? 1 : 0;
  const bg = localMeanColour({
    rgb: work,
    weight,
    r: Math.max(3, Math.round(Math.max(work.width, work.height) / 50)),
  }).map((p) => planeSampler(p, W, H));
  // Soft pixels only lie in the band; everywhere else the photo's colours are kept as they are.
  const rgb = full.data.slice();
  for (const i of band) {
    const a = alpha[i]!;
    if (a <= 0.02 || a >= 0.98) continue;
    const x = i % W;
    const y = (i - x) / W;
    for (let k = 0; k < 3; k++) {
      const b = bg[k]!(x, y);
      if (Number.isNaN(b)) continue;
      rgb[3 * i + k] = Math.round(clamp01((rgb[3 * i + k]! / 255 - (1 - a) * b) / a) * 255);
    }
  }
  const a8 = new Uint8Array(W * H);
  // alpha is in [0, 1]: the typed store truncates, so + 0.5 rounds.
  for (let i = 0; i < a8.length; i++) a8[i] = alpha[i]! * 255 + 0.5;
  const rgba = await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
    .joinChannel(Buffer.from(a8.buffer), { raw: { width: W, height: H, channels: 1 } })
    .raw()
    .toBuffer();
  return new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.length);
}
