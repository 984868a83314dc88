import { AppError } from "../errors";
import {
  type Plane,
  type Rgb,
  boxBlur,
  clamp01,
  guidedFilter,
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
  /** Bounding box of alpha > 0.5, full-resolution pixels. */
  bbox: { x: number; y: number; width: number; height: number };
};

/** Keeps connected components (alpha > 0.5) of at least `minFraction` of the largest one. */
function dropSmallComponents(p: Plane, minFraction: number): { largest: number } {
  const { width: w, height: h, data } = p;
  const n = w * h;
  const label = new Int32Array(n).fill(-1);
  const sizes: number[] = [];
  const stack: number[] = [];
  for (let s = 0; s < n; s++) {
    if (data[s]! <= 0.5 || label[s]! >= 0) continue;
    const id = sizes.length;
    let size = 0;
    label[s] = id;
    stack.push(s);
    while (stack.length) {
      const i = stack.pop()!;
      size++;
      const x = i % w;
      if (x > 0 && label[i - 1]! < 0 && data[i - 1]! > 0.5) {
        label[i - 1] = id;
        stack.push(i - 1);
      }
      if (x < w - 1 && label[i + 1]! < 0 && data[i + 1]! > 0.5) {
        label[i + 1] = id;
        stack.push(i + 1);
      }
      if (i >= w && label[i - w]! < 0 && data[i - w]! > 0.5) {
        label[i - w] = id;
        stack.push(i - w);
      }
      if (i + w < n && label[i + w]! < 0 && data[i + w]! > 0.5) {
        label[i + w] = id;
        stack.push(i + w);
      }
    }
    sizes.push(size);
  }
  const largest = sizes.reduce((m, v) => Math.max(m, v), 0);
  const keep = sizes.map((v) => v >= minFraction * largest);
  // Soft pixels (≤ 0.5) next to a dropped blob stay; they fade to nothing after refinement.
  for (let i = 0; i < n; i++) {
    const l = label[i]!;
    if (l >= 0 && !keep[l]) data[i] = 0;
  }
  return { largest };
}

/**
 * Subject alpha at full resolution: ISNet at its inference side (768² by default), cleaned at
 * ≤1024 px (contrast stretch, small blobs removed) and upsampled with a guided filter so edges
 * follow the photo, not the model's grid.
 */
export async function computeSubjectMatte(full: Rgb, opts: { work?: Rgb } = {}): Promise<SubjectMatte> {
  const work = opts.work ?? (await shrinkRgb(full, WORK_SIDE));
  const prob = await subjectProbability(work);
  const low = resizePlane(prob, work.width, work.height);
  // ISNet's sigmoid is nearly binary with a weak fringe: stretch so the fringe does not ghost.
  for (let i = 0; i < low.data.length; i++) low.data[i] = clamp01((low.data[i]! - 0.1) / 0.8);
  const { largest } = dropSmallComponents(low, 0.01);
  const nWork = work.width * work.height;
  if (largest < 0.002 * nWork) {
    throw new AppError("no_subject_detected", "No clear subject was found in this photo.");
  }
  const lowGuide = luminance(work);
  const r = Math.max(2, Math.round(Math.max(work.width, work.height) / 400));
  let alpha: Float32Array;
  if (work.width === full.width && work.height === full.height) {
    alpha = guidedFilter(lowGuide, low.data, work.width, work.height, { r, eps: 2e-4 });
  } else {
    alpha = guidedUpsample({ low, lowGuide, fullGuide: luminance(full), width: full.width, height: full.height, r, eps: 2e-4 });
  }
  // ISNet's edge tends to sit ~1 px outside the true edge, so boundary pixels come out opaque yet
  // carry the old background (a light fringe). Pull pixels next to transparent ones into the soft
  // band, where decontamination can clean them.
  const near = boxBlur(alpha, full.width, full.height, 1);
  for (let i = 0; i < alpha.length; i++) alpha[i] = alpha[i]! - (1 - near[i]!) * 0.6;
  // Re-harden slightly: the guided filter leaves a faint veil far from real edges.
  let minX = full.width;
  let minY = full.height;
  let maxX = -1;
  let maxY = -1;
  let sum = 0;
  for (let y = 0, i = 0; y < full.height; y++) {
    for (let x = 0; x < full.width; x++, i++) {
      const a = clamp01((alpha[i]! - 0.04) / 0.92);
      alpha[i] = a;
      sum += a;
      if (a > 0.5) {
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
  }
  if (maxX < 0) throw new AppError("no_subject_detected", "No clear subject was found in this photo.");
  return {
    width: full.width,
    height: full.height,
    alpha,
    coverage: sum / alpha.length,
    bbox: { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 },
  };
}

/**
 * Foreground colours without the old background: F = (I − (1−α)·B)/α in the soft band, where B
 * is the local mean of sure-background pixels (estimated small, sampled bilinearly). Returns RGBA.
 */
export async function decontaminatedCutout(full: Rgb, matte: SubjectMatte, opts: { work?: Rgb } = {}): Promise<Uint8Array> {
  const work = opts.work ?? (await shrinkRgb(full, WORK_SIDE));
  const { width: W, height: H, alpha } = matte;
  const lowAlpha = resizePlane({ width: W, height: H, data: alpha }, work.width, work.height);
  const weight = new Float32Array(lowAlpha.data.length);
  for (let i = 0; i < weight.length; i++) weight[i] = lowAlpha.data[i]! < 0.05 ? 1 : 0;
  const bg = localMeanColour({ rgb: work, weight, r: Math.max(3, Math.round(Math.max(work.width, work.height) / 50)) }).map((p) => planeSampler(p, W, H));
  const out = new Uint8Array(W * H * 4);
  const d = full.data;
  for (let y = 0, i = 0; y < H; y++) {
    for (let x = 0; x < W; x++, i++) {
      const a = alpha[i]!;
      const o = 4 * i;
      const s = 3 * i;
      out[o + 3] = Math.round(a * 255);
      if (a > 0.02 && a < 0.98) {
        for (let k = 0; k < 3; k++) {
          const b = bg[k]!(x, y);
          const I = d[s + k]! / 255;
          const f = Number.isNaN(b) ? I : clamp01((I - (1 - a) * b) / a);
          out[o + k] = Math.round(f * 255);
        }
      } else {
        out[o] = d[s]!;
        out[o + 1] = d[s + 1]!;
        out[o + 2] = d[s + 2]!;
      }
    }
  }
  return out;
}
