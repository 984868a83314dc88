import { type PhotoLight, estimateLight } from "./light";
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
  planeSampler,
  poolPlane,
  resizePlane,
  shrinkRgb,
  smoothstep,
} from "./raster";

/** Detection runs small (the skyline is a coarse structure); edges are refined at ≤1024 then full size. */
const DETECT_SIDE = 480;
const REFINE_SIDE = 1024;
/** Below this the sky replacement is refused rather than returning a bad image. */
export const SKY_CONFIDENCE_THRESHOLD = 0.3;

export type SkyMatte = {
  width: number;
  height: number;
  /** Sky alpha at full resolution (1 = sky). */
  alpha: Float32Array;
  confidence: number;
  /** Fraction of the image that is sky. */
  coverage: number;
  /**
   * The ≤1024 px raster and its alpha, and the old sky's local mean colour (R, G, B planes pooled
   * small, read with `planeSampler`; NaN far from sure sky) for decontaminating edges.
   */
  refine: { rgb: Rgb; alpha: Float32Array; skyColour: Plane[] };
  /** Lowest row (full resolution) that still has sky, for placing the new sky. */
  skyBottom: number;
  reasons: string[];
  /** Things the user should know even though the sky was replaced (e.g. a sun glare that stays). */
  warnings: string[];
  /** The photo's light, read from its old sky and ground, to suggest skies of the same time of day. */
  light: PhotoLight;
};

type Floats = { R: Float32Array; G: Float32Array; B: Float32Array; L: Float32Array };
type Sampler = (x: number, y: number) => number;

function toFloats(rgb: Rgb): Floats {
  const n = rgb.width * rgb.height;
  const R = new Float32Array(n);
  const G = new Float32Array(n);
  const B = new Float32Array(n);
  const L = new Float32Array(n);
  for (let i = 0, j = 0; j < n; i += 3, j++) {
    R[j] = rgb.data[i]! / 255;
    G[j] = rgb.data[i + 1]! / 255;
    B[j] = rgb.data[i + 2]! / 255;
    L[j] = 0.299 * R[j]! + 0.587 * G[j]! + 0.114 * B[j]!;
  }
  return { R, G, B, L };
}

function sobel(L: Float32Array, w: number, h: number): Float32Array {
  const g = new Float32Array(w * h);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const gx = L[i - w + 1]! + 2 * L[i + 1]! + L[i + w + 1]! - (L[i - w - 1]! + 2 * L[i - 1]! + L[i + w - 1]!);
      const gy = L[i + w - 1]! + 2 * L[i + w]! + L[i + w + 1]! - (L[i - w - 1]! + 2 * L[i - w]! + L[i - w + 1]!);
      g[i] = Math.hypot(gx, gy);
    }
  }
  return g;
}

/** Packed moment sums: [n, r, g, b, rr, rg, rb, gg, gb, bb]. */
const MOMENT_SUMS = 10;

/** Running first/second moments of RGB samples → mean and covariance (xx xy xz yy yz zz). */
class Moments {
  n = 0;
  s = [0, 0, 0];
  ss = [0, 0, 0, 0, 0, 0];
  static fromSums(v: Float64Array): Moments {
    const m = new Moments();
    m.n = v[0]!;
    m.s = [v[1]!, v[2]!, v[3]!];
    m.ss = [v[4]!, v[5]!, v[6]!, v[7]!, v[8]!, v[9]!];
    return m;
  }
  add(r: number, g: number, b: number): void {
    this.n++;
    this.s[0]! += r;
    this.s[1]! += g;
    this.s[2]! += b;
    this.ss[0]! += r * r;
    this.ss[1]! += r * g;
    this.ss[2]! += r * b;
    this.ss[3]! += g * g;
    this.ss[4]! += g * b;
    this.ss[5]! += b * b;
  }
  mean(): [number, number, number] {
    const n = Math.max(1, this.n);
    return [this.s[0]! / n, this.s[1]! / n, this.s[2]! / n];
  }
  cov(): number[] {
    const n = Math.max(1, this.n);
    const [m0, m1, m2] = this.mean();
    return [
      this.ss[0]! / n - m0 * m0,
      this.ss[1]! / n - m0 * m1,
      this.ss[2]! / n - m0 * m2,
      this.ss[3]! / n - m1 * m1,
      this.ss[4]! / n - m1 * m2,
      this.ss[5]! / n - m2 * m2,
    ];
  }
}

function det3(c: number[]): number {
  const [a, b, cc, d, e, f] = c as [number, number, number, number, number, number];
  return a * (d * f - e * e) - b * (b * f - e * cc) + cc * (b * e - d * cc);
}

function maxEig3(c: number[]): number {
  const [a, b, cc, d, e, f] = c as [number, number, number, number, number, number];
  let v = [1, 1, 1];
  let l = 0;
  for (let k = 0; k < 20; k++) {
    const x = a * v[0]! + b * v[1]! + cc * v[2]!;
    const y = b * v[0]! + d * v[1]! + e * v[2]!;
    const z = cc * v[0]! + e * v[1]! + f * v[2]!;
    l = Math.hypot(x, y, z) || 1e-12;
    v = [x / l, y / l, z / l];
  }
  return l;
}

function inv3(c: number[]): number[] {
  const [a0, b, cc, d0, e, f0] = c as [number, number, number, number, number, number];
  const a = a0 + 1e-5;
  const d = d0 + 1e-5;
  const f = f0 + 1e-5;
  const det = a * (d * f - e * e) - b * (b * f - e * cc) + cc * (b * e - d * cc);
  return [
    (d * f - e * e) / det,
    (cc * e - b * f) / det,
    (b * e - cc * d) / det,
    (a * f - cc * cc) / det,
    (b * cc - a * e) / det,
    (a * d - b * b) / det,
  ];
}

/**
 * Shen & Wang (2013) skyline: for each gradient threshold t the border b(x) is the first row whose
 * gradient exceeds t; keep the t whose sky/ground split has the most compact colour distributions.
 */
function skyline(F: Floats, grad: Float32Array, w: number, h: number): { t: number; b: Int32Array } | undefined {
  let gmax = 0;
  for (let i = 0; i < grad.length; i++) if (grad[i]! > gmax) gmax = grad[i]!;
  // The colour statistics are sampled every 2nd row and column. Per sampled column, prefix sums of
  // the moments down the rows make any border's sky/ground split one lookup per column.
  const cols = Math.ceil(w / 2);
  const rows = Math.ceil(h / 2);
  const stride = (rows + 1) * MOMENT_SUMS;
  const prefix = new Float64Array(cols * stride);
  for (let cx = 0; cx < cols; cx++) {
    for (let ry = 0, o = cx * stride; ry < rows; ry++, o += MOMENT_SUMS) {
      const i = 2 * ry * w + 2 * cx;
      const r = F.R[i]!;
      const g = F.G[i]!;
      const b = F.B[i]!;
      const sample = [1, r, g, b, r * r, r * g, r * b, g * g, g * b, b * b];
      for (let k = 0; k < MOMENT_SUMS; k++) prefix[o + MOMENT_SUMS + k] = prefix[o + k]! + sample[k]!;
    }
  }
  const total = new Float64Array(MOMENT_SUMS);
  for (let cx = 0; cx < cols; cx++)
    for (let k = 0; k < MOMENT_SUMS; k++) total[k]! += prefix[cx * stride + rows * MOMENT_SUMS + k]!;
  let best: { J: number; t: number; b: Int32Array } | undefined;
  // b(x) only moves down as t grows: each column is walked once over all thresholds.
  const border = new Int32Array(w);
  const skySums = new Float64Array(MOMENT_SUMS);
  const groundSums = new Float64Array(MOMENT_SUMS);
  const nT = 36;
  for (let k = 1; k <= nT; k++) {
    const t = 0.02 + (k / nT) * Math.min(1.2, gmax) * 0.6;
    for (let x = 0; x < w; x++) {
      let y = border[x]!;
      while (y < h && grad[y * w + x]! <= t) y++;
      border[x] = y;
    }
    skySums.fill(0);
    for (let cx = 0; cx < cols; cx++) {
      const o = cx * stride + Math.ceil(border[2 * cx]! / 2) * MOMENT_SUMS;
      for (let j = 0; j < MOMENT_SUMS; j++) skySums[j]! += prefix[o + j]!;
    }
    for (let j = 0; j < MOMENT_SUMS; j++) groundSums[j] = total[j]! - skySums[j]!;
    const sky = Moments.fromSums(skySums);
    const ground = Moments.fromSums(groundSums);
    if (sky.n < 0.02 * ((w * h) / 4) || ground.n < 10) continue;
    const cs = sky.cov();
    const cg = ground.cov();
    const gamma = 2;
    const J = 1 / (gamma * Math.abs(det3(cs)) + Math.abs(det3(cg)) + gamma * maxEig3(cs) + maxEig3(cg) + 1e-12);
    if (!best || J > best.J) best = { J, t, b: border.slice() };
  }
  return best;
}

type Component = { mean: number[]; inv: number[] };

/** Index of the first element ≥ value in an ascending array. */
function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function isVegetation(r: number, g: number, b: number): boolean {
  return g > b + 0.03 && g > r - 0.01;
}

/** k-means (k ≤ 3) on smooth pixels above the skyline → Gaussian sky colour components. */
function skyColourModel(
  F: Floats,
  args: { grad: Float32Array; w: number; h: number; border: Int32Array; tLow: number },
): Component[] {
  const { grad, w, h, border, tLow } = args;
  const pts: number[] = [];
  for (let y = 0; y < h; y += 2) {
    for (let x = 0; x < w; x += 2) {
      const i = y * w + x;
      if (y < border[x]! && grad[i]! < tLow && !isVegetation(F.R[i]!, F.G[i]!, F.B[i]!))
        pts.push(F.R[i]!, F.G[i]!, F.B[i]!);
    }
  }
  const n = pts.length / 3;
  if (n < 50) return [];
  const K = Math.min(3, Math.max(1, Math.floor(n / 500)));
  // Seeds: the points at brightness quantiles (the earliest point among equal brightnesses, as a
  // stable sort of the points would give), found by sorting the brightnesses alone.
  const brightness = new Float64Array(n);
  for (let p = 0; p < n; p++) brightness[p] = pts[3 * p]! + pts[3 * p + 1]! + pts[3 * p + 2]!;
  const sorted = brightness.slice().sort();
  let centres: number[][] = [];
  for (let k = 0; k < K; k++) {
    const q = Math.floor(((k + 0.5) / K) * n);
    const value = sorted[q]!;
    let skip = q - lowerBound(sorted, value);
    let j = 0;
    while (brightness[j] !== value || skip-- > 0) j++;
    centres.push([pts[3 * j]!, pts[3 * j + 1]!, pts[3 * j + 2]!]);
  }
  const label = new Int32Array(n);
  for (let it = 0; it < 8; it++) {
    for (let p = 0; p < n; p++) {
      let bd = Infinity;
      let bk = 0;
      for (let k = 0; k < K; k++) {
        const c = centres[k]!;
        const d = (pts[3 * p]! - c[0]!) ** 2 + (pts[3 * p + 1]! - c[1]!) ** 2 + (pts[3 * p + 2]! - c[2]!) ** 2;
        if (d < bd) {
          bd = d;
          bk = k;
        }
      }
      label[p] = bk;
    }
    centres = centres.map((c, k) => {
      const s = [0, 0, 0];
      let m = 0;
      for (let p = 0; p < n; p++) {
        if (label[p] !== k) continue;
        s[0]! += pts[3 * p]!;
        s[1]! += pts[3 * p + 1]!;
        s[2]! += pts[3 * p + 2]!;
        m++;
      }
      return m ? s.map((v) => v / m) : c;
    });
  }
  const comps: Component[] = [];
  for (let k = 0; k < K; k++) {
    const m = new Moments();
    for (let p = 0; p < n; p++) if (label[p] === k) m.add(pts[3 * p]!, pts[3 * p + 1]!, pts[3 * p + 2]!);
    if (m.n < 10) continue;
    const c = m.cov();
    // Inflate so the sky's own gradient (haze near the horizon) stays inside the model.
    c[0]! += 0.0009;
    c[3]! += 0.0009;
    c[5]! += 0.0009;
    comps.push({ mean: m.mean(), inv: inv3(c) });
  }
  return comps;
}

/** Writes the 4-neighbours of pixel i into `out` (no allocation in flood fills); returns how many. */
function neighbours(i: number, w: number, n: number, out: Int32Array): number {
  const x = i % w;
  let c = 0;
  if (x > 0) out[c++] = i - 1;
  if (x < w - 1) out[c++] = i + 1;
  if (i >= w) out[c++] = i - w;
  if (i + w < n) out[c++] = i + w;
  return c;
}

/** Pixels (at the detection size) along which a region must continue the sky across a thin object. */
const BRIDGE_MIN_PIXELS = 12;
/** How far (detection pixels) across a thin object to look for the sky: the object plus the blurred texture on both sides. */
const BRIDGE_REACH = 24;

/**
 * How many pixels of a sky-like region see, 2–12 pixels away across a thin object (a cable, a mast, a
 * branch: pixels that are neither this region nor sky), a sky pixel of nearly the same colour. Sky
 * cut off by a cable scores along the whole cable; sea under a horizon scores nothing, as it touches
 * the sky directly and differs in colour.
 */
function bridgedToSky(args: {
  F: Floats;
  S: Uint8Array;
  lab: Int32Array;
  id: number;
  comp: number[];
  w: number;
  h: number;
}): number {
  const { F, S, lab, id, comp, w, h } = args;
  const steps = [1, -1, w, -w];
  let bridged = 0;
  for (const i of comp) {
    const x = i % w;
    const y = (i - x) / w;
    for (const step of steps) {
      for (let k = 1; k <= BRIDGE_REACH; k++) {
        const xx = step === 1 ? x + k : step === -1 ? x - k : x;
        const yy = step === w ? y + k : step === -w ? y - k : y;
        if (xx < 0 || xx >= w || yy < 0 || yy >= h) break;
        const j = i + k * step;
        if (lab[j] === id) break;
        if (!S[j]) continue;
        const similar =
          Math.abs(F.R[i]! - F.R[j]!) < 0.05 &&
          Math.abs(F.G[i]! - F.G[j]!) < 0.05 &&
          Math.abs(F.B[i]! - F.B[j]!) < 0.05;
        if (k >= 2 && similar) bridged++;
        break;
      }
    }
  }
  return bridged;
}

/**
 * The row of a sea horizon inside the sky mask, or -1. Sea is sky-coloured and smooth, so region
 * growing takes it; but it lies under a straight step across the whole frame below which every
 * column is darker, and it is the lowest band of the "sky" (a thin strip above the land).
 */
function seaHorizon(F: Floats, S: Uint8Array, w: number, h: number): number {
  const rowSky = new Int32Array(h);
  for (let y = 0; y < h; y++) for (let x = 0, i = y * w; x < w; x++, i++) rowSky[y] = rowSky[y]! + S[i]!;
  let skyRows = 0;
  let lowest = -1;
  for (let y = 0; y < h; y++) {
    if (rowSky[y]! > 0.5 * w) {
      skyRows++;
      lowest = y;
    }
  }
  let best = -1;
  let bestScore = 0;
  // The horizon line itself may have been left out of the sky (its edge stopped the region growing):
  // compare rows a little further apart too.
  for (const gap of [3, 6, 10]) {
    for (let y = gap; y < lowest - gap; y++) {
      // The band below must be the sky's lowest part and thin.
      if (lowest - y > 0.35 * skyRows || lowest - y < 3) continue;
      let darker = 0;
      let both = 0;
      for (let x = 0; x < w; x++) {
        const a = (y - gap) * w + x;
        const b = (y + gap) * w + x;
        if (!S[a] || !S[b]) continue;
        both++;
        if (F.L[b]! < F.L[a]! - 0.03) darker++;
      }
      // Seen across at least half the frame (grass or posts may hide the rest).
      if (both < 0.5 * w) continue;
      const score = darker / both;
      if (score > bestScore) {
        bestScore = score;
        best = y;
      }
    }
  }
  return bestScore >= 0.85 ? best : -1;
}

type Detection = { mask: Float32Array; w: number; h: number; confidence: number; reasons: string[] };

/** Classical sky detection on a ≤480 px raster. Returns a binary mask and a confidence in [0,1]. */
export function detectSky(rgb: Rgb, opts: { hints?: Float32Array } = {}): Detection {
  const { width: w, height: h } = rgb;
  const n = w * h;
  const F = toFloats(rgb);
  const nb = new Int32Array(4);
  const grad = sobel(boxBlur(F.L, w, h, 1), w, h);
  const reasons: string[] = [];
  const hints = opts.hints;
  const sl = skyline(F, grad, w, h);
  const S = new Uint8Array(n);
  let skyMean = [0, 0, 0];
  if (sl) {
    const tLow = Math.max(0.03, sl.t * 0.5);
    const comps = skyColourModel(F, { grad, w, h, border: sl.b, tLow });
    const gradS = boxBlur(grad, w, h, 2);
    const sorted = Array.from(sl.b).sort((a, b) => a - b);
    const maxBorder = Math.min(h - 1, sorted[Math.floor(0.9 * (w - 1))]! + Math.round(0.03 * h));
    const skyG: number[] = [];
    for (let y = 0; y < h; y += 2) for (let x = 0; x < w; x += 2) if (y < sl.b[x]!) skyG.push(gradS[y * w + x]!);
    skyG.sort((a, b) => a - b);
    const tau = Math.max(0.02, skyG.length ? skyG[Math.floor(0.8 * (skyG.length - 1))]! * 2 : sl.t);
    const skyLum = comps.length
      ? Math.min(...comps.map((c) => 0.299 * c.mean[0]! + 0.587 * c.mean[1]! + 0.114 * c.mean[2]!))
      : 0.5;
    const P = new Float32Array(n);
    const cloudLike = new Uint8Array(n);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        // Likelihood of the nearest component (Mahalanobis): one exp for the smallest distance.
        let nearest = Infinity;
        for (const c of comps) {
          const dr = F.R[i]! - c.mean[0]!;
          const dg = F.G[i]! - c.mean[1]!;
          const db = F.B[i]! - c.mean[2]!;
          const v = c.inv;
          const m2 =
            dr * (v[0]! * dr + v[1]! * dg + v[2]! * db) +
            dg * (v[1]! * dr + v[3]! * dg + v[4]! * db) +
            db * (v[2]! * dr + v[4]! * dg + v[5]! * db);
          if (m2 < nearest) nearest = m2;
        }
        const best = comps.length ? Math.exp((-0.5 * nearest) / 4) : 0;
        const mx = Math.max(F.R[i]!, F.G[i]!, F.B[i]!);
        const mn = Math.min(F.R[i]!, F.G[i]!, F.B[i]!);
        // Generic cloud prior: bright, unsaturated, not yellow/green-dominant.
        const cloud = mx - mn < 0.15 && F.L[i]! > Math.max(0.5, skyLum - 0.1) && F.B[i]! >= F.R[i]! - 0.03;
        cloudLike[i] = cloud ? 1 : 0;
        const tex = Math.exp(-((gradS[i]! / tau) ** 2));
        const pos = y <= maxBorder ? 1 : Math.max(0.1, 1 - (y - maxBorder) / (0.25 * h));
        // Skies are never green-dominant: without this, a skyline found deep in a meadow taught the
        // colour model "grass is sky" (synthetic cumulus-over-meadow set).
        const veg = isVegetation(F.R[i]!, F.G[i]!, F.B[i]!) ? 0.05 : 1;
        P[i] = Math.max(best, cloud ? 0.8 : 0) * tex * pos * veg;
      }
    }
    // Hysteresis region growing from the top rows; strong edges stop it.
    const stack: number[] = [];
    const hi = 0.5;
    const lo = 0.15;
    const gradStop = Math.max(sl.t, 2 * tau);
    for (let y = 0; y < Math.min(h, 3); y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (P[i]! > hi && !S[i]) {
          S[i] = 1;
          stack.push(i);
        }
      }
    }
    while (stack.length) {
      const i = stack.pop()!;
      for (let q4 = 0, c4 = neighbours(i, w, n, nb); q4 < c4; q4++) {
        const j = nb[q4]!;
        if (S[j]) continue;
        const y = (j / w) | 0;
        const x = j % w;
        // Clouds join only above the skyline of their column: growing them further ate hazy mountains.
        const ok = (P[j]! > lo && grad[j]! < gradStop) || (cloudLike[j] && gradS[j]! < 4 * tau && y < sl.b[x]!);
        if (ok) {
          S[j] = 1;
          stack.push(j);
        }
      }
    }
    // Detached sky (behind cables or branches): large smooth sky-like blobs, or small ones above the skyline.
    const lab = new Int32Array(n).fill(-1);
    let nl = 0;
    for (let s0 = 0; s0 < n; s0++) {
      if (S[s0] || lab[s0]! >= 0 || P[s0]! <= 0.6) continue;
      const comp = [s0];
      lab[s0] = nl;
      let above = 0;
      let sumP = 0;
      let sumT = 0;
      let sumY = 0;
      let warm = 0;
      let atBottom = false;
      for (let q = 0; q < comp.length; q++) {
        const i = comp[q]!;
        const x = i % w;
        const y = (i / w) | 0;
        if (y < sl.b[x]!) above++;
        if (F.R[i]! > F.B[i]! + 0.02) warm++;
        if (y === h - 1) atBottom = true;
        sumP += P[i]!;
        sumT += gradS[i]!;
        sumY += y;
        for (let q4 = 0, c4 = neighbours(i, w, n, nb); q4 < c4; q4++) {
          const j = nb[q4]!;
          if (!S[j] && lab[j]! < 0 && P[j]! > 0.35) {
            lab[j] = nl;
            comp.push(j);
          }
        }
      }
      const len = comp.length;
      const smooth = sumT / len < tau && sumP / len > 0.7;
      const keep =
        (len > 0.015 * n && sumY / len < maxBorder && smooth) ||
        (above > 0.9 * len && len > 0.0005 * n) ||
        // Sky cut off by a cable keeps the sky's colour but less of its probability (its skyline is
        // the cable). Blue or neutral only (warm white wall panels between window frames bridge too),
        // and not reaching the bottom edge (a grey road under a guard rail bridges to an overcast sky).
        (sumT / len < tau &&
          sumP / len > 0.5 &&
          warm < 0.5 * len &&
          !atBottom &&
          len > 0.002 * n &&
          bridgedToSky({ F, S, lab, id: nl, comp, w, h }) >= BRIDGE_MIN_PIXELS);
      if (keep) for (const i of comp) S[i] = 1;
      nl++;
    }
    // Holes inside the sky (small clouds, birds): non-sky blobs touching no left/right/bottom border.
    const seen = new Uint8Array(n);
    for (let s0 = 0; s0 < n; s0++) {
      if (S[s0] || seen[s0]) continue;
      const comp = [s0];
      seen[s0] = 1;
      let border = false;
      for (let q = 0; q < comp.length; q++) {
        const i = comp[q]!;
        const x = i % w;
        const y = (i / w) | 0;
        if (x === 0 || x === w - 1 || y === h - 1) border = true;
        for (let q4 = 0, c4 = neighbours(i, w, n, nb); q4 < c4; q4++) {
          const j = nb[q4]!;
          if (!S[j] && !seen[j]) {
            seen[j] = 1;
            comp.push(j);
          }
        }
      }
      if (!border && comp.length < 0.05 * n) for (const i of comp) S[i] = 1;
    }
    // A sea the region growing took for sky ends at its horizon.
    const horizon = seaHorizon(F, S, w, h);
    if (horizon >= 0) S.fill(0, (horizon + 1) * w);
  } else reasons.push("no skyline found");

  const Sf = new Float32Array(n);
  for (let i = 0; i < n; i++) Sf[i] = S[i]!;
  const maj = boxBlur(Sf, w, h, 2);
  for (let i = 0; i < n; i++) Sf[i] = maj[i]! > 0.5 ? 1 : 0;

  // Confidence from what a real sky looks like: enough area, touching the top, sky-coloured,
  // smoother and (by day) brighter than the ground.
  let count = 0;
  let topSky = 0;
  const topRows = Math.max(1, Math.round(0.03 * h));
  const sky = new Moments();
  let gSky = 0;
  let gGround = 0;
  let lGround = 0;
  for (let i = 0; i < n; i++) {
    if (Sf[i]) {
      count++;
      sky.add(F.R[i]!, F.G[i]!, F.B[i]!);
      gSky += grad[i]!;
      if (i < topRows * w) topSky++;
    } else {
      gGround += grad[i]!;
      lGround += F.L[i]!;
    }
  }
  const frac = count / n;
  const ground = n - count;
  skyMean = sky.mean();
  const [r, g, b] = skyMean as [number, number, number];
  const lum = 0.299 * r + 0.587 * g + 0.114 * b;
  const sat = Math.max(r, g, b) - Math.min(r, g, b);
  let plausibility: number;
  let night = false;
  if (lum < 0.22 && b >= r - 0.02) {
    plausibility = 0.7;
    night = true;
  } else if (b >= r && b >= g - 0.04) plausibility = 1;
  // Overcast skies are neutral to bluish; a warm grey is far more often a studio wall or paper.
  else if (sat < 0.12 && lum > 0.5 && r - b <= 0.03) plausibility = 0.9;
  else if (sat < 0.12 && lum > 0.5) plausibility = 0.25;
  else if (lum > 0.45 && r > b && sat > 0.15 && g > 0.35)
    plausibility = 0.55; // sunset/golden hour
  else plausibility = 0.1;
  const fArea = smoothstep(0.02, 0.08, frac);
  const fTop = smoothstep(0.15, 0.55, topSky / (topRows * w));
  const texRatio = count && ground ? gSky / count / (gGround / ground + 1e-6) : 1;
  const fTex = smoothstep(0.9, 0.35, texRatio);
  const fBright = night ? 1 : smoothstep(-0.2, 0.05, lum - (ground ? lGround / ground : 0));
  let confidence = fArea * fTop * plausibility * (0.4 + 0.6 * fTex) * (0.5 + 0.5 * fBright);
  if (fArea < 0.5) reasons.push(`little sky (${(frac * 100).toFixed(1)} %)`);
  if (fTop < 0.5) reasons.push("sky does not reach the top edge");
  if (plausibility < 0.5) reasons.push("region is not sky-coloured");
  if (fTex < 0.5) reasons.push("region is textured");
  if (fBright < 0.5) reasons.push("region darker than the ground");

  if (hints) {
    // User hints win: white = sky, black = not sky, mid-grey = keep the detector's opinion.
    let forced = 0;
    for (let i = 0; i < n; i++) {
      const v = hints[i]!;
      if (v > 0.8) {
        Sf[i] = 1;
        forced++;
      } else if (v < 0.2) Sf[i] = 0;
    }
    if (forced > 0.01 * n) confidence = Math.max(confidence, 0.9);
  }
  return { mask: Sf, w, h, confidence: clamp01(confidence), reasons };
}

/**
 * Edge alpha on the ≤1024 raster: inside a band around the coarse boundary, alpha is the position of
 * the pixel on the line between the local sure-sky and sure-ground colours ("colour-line" alpha).
 * A plain guided filter on the coarse mask left a visible halo band in the prototype.
 */
function colourLineAlpha(rgb: Rgb, coarse: Float32Array): { alpha: Float32Array; skyColour: Plane[] } {
  const { width: W, height: H, data } = rgb;
  const n = W * H;
  const d = Math.max(3, Math.round(Math.max(W, H) / 90));
  const r2 = Math.max(4, Math.round(Math.max(W, H) / 40));
  const hard = new Float32Array(n);
  for (let i = 0; i < n; i++) hard[i] = coarse[i]! > 0.5 ? 1 : 0;
  const u = boxBlur(hard, W, H, d);
  const sure = new Float32Array(n);
  const fg = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    sure[i] = u[i]! > 0.999 ? 1 : 0;
    fg[i] = u[i]! < 0.001 ? 1 : 0;
  }
  const skyColour = localMeanColour({ rgb, weight: sure, r: r2 });
  const [sR, sG, sB] = skyColour.map((p) => planeSampler(p, W, H)) as [Sampler, Sampler, Sampler];
  const [fR, fG, fB] = localMeanColour({ rgb, weight: fg, r: r2 }).map((p) => planeSampler(p, W, H)) as [
    Sampler,
    Sampler,
    Sampler,
  ];
  const alpha = new Float32Array(n);
  for (let y = 0, i = 0; y < H; y++) {
    for (let x = 0; x < W; x++, i++) {
      if (sure[i]) {
        alpha[i] = 1;
        continue;
      }
      if (fg[i]) continue;
      const s0 = sR(x, y);
      const f0 = fR(x, y);
      if (Number.isNaN(s0) || Number.isNaN(f0)) {
        alpha[i] = hard[i]!;
        continue;
      }
      const s1 = sG(x, y);
      const s2 = sB(x, y);
      const f1 = fG(x, y);
      const f2 = fB(x, y);
      const dx = s0 - f0;
      const dy = s1 - f1;
      const dz = s2 - f2;
      const dd = dx * dx + dy * dy + dz * dz;
      if (dd < 0.004) alpha[i] = u[i]!;
      else
        alpha[i] = clamp01(
          ((data[3 * i]! / 255 - f0) * dx + (data[3 * i + 1]! / 255 - f1) * dy + (data[3 * i + 2]! / 255 - f2) * dz) /
            dd,
        );
    }
  }
  return { alpha: guidedFilter(luminance(rgb), alpha, W, H, { r: 1, eps: 1e-4 }), skyColour };
}

/**
 * Sky matte at the photo's full resolution with a confidence score. Throws `no_sky_detected` when
 * confidence is below the threshold (unless `allowLowConfidence`).
 */
export async function computeSkyMatte(
  full: Rgb,
  opts: { hints?: Rgb; allowLowConfidence?: boolean } = {},
): Promise<SkyMatte> {
  const detect = await shrinkRgb(full, DETECT_SIDE);
  let hintPlane: Float32Array | undefined;
  if (opts.hints) {
    const hl = luminance(opts.hints);
    hintPlane = resizePlane(
      { width: opts.hints.width, height: opts.hints.height, data: hl },
      detect.width,
      detect.height,
    ).data;
  }
  const det = detectSky(detect, { hints: hintPlane });
  if (!opts.allowLowConfidence && det.confidence < SKY_CONFIDENCE_THRESHOLD) {
    throw new AppError(
      "no_sky_detected",
      "No clear sky was found in this photo. Paint the sky with the hint brush or try another photo.",
      {
        details: { confidence: Number(det.confidence.toFixed(3)), reasons: det.reasons },
      },
    );
  }
  const refineRgb = await shrinkRgb(full, REFINE_SIDE);
  const coarse = resizePlane({ width: det.w, height: det.h, data: det.mask }, refineRgb.width, refineRgb.height);
  const { alpha: refineAlpha, skyColour } = colourLineAlpha(refineRgb, coarse.data);
  let alpha: Float32Array;
  if (refineRgb.width === full.width && refineRgb.height === full.height) alpha = refineAlpha;
  else {
    const low: Plane = { width: refineRgb.width, height: refineRgb.height, data: refineAlpha };
    alpha = guidedUpsample({ low, lowGuide: luminance(refineRgb), full, r: 2, eps: 1e-4 }).alpha;
  }
  // A blown-out sun next to the sky mask stays in the photo (it is excluded as "not smooth").
  const warnings: string[] = [];
  {
    const { width: rw, height: rh, data: rd } = refineRgb;
    const skyMask = new Float32Array(refineAlpha.length);
    let skyPx = 0;
    for (let i = 0; i < skyMask.length; i++) {
      if (refineAlpha[i]! > 0.5) {
        skyMask[i] = 1;
        skyPx++;
      }
    }
    // "Next to the sky" is a coarse notion: measured on a 4× pooled grid.
    const pooled = poolPlane({ width: rw, height: rh, data: skyMask }, 4);
    const near = planeSampler(
      { ...pooled, data: boxBlur(pooled.data, pooled.width, pooled.height, Math.max(1, Math.round(rw / 240))) },
      rw,
      rh,
    );
    let glare = 0;
    for (let i = 0; i < skyMask.length; i++) {
      if (skyMask[i] || rd[3 * i]! <= 248 || rd[3 * i + 1]! <= 238 || rd[3 * i + 2]! <= 190) continue;
      const x = i % rw;
      if (near(x, (i - x) / rw) > 0.15) glare++;
    }
    if (skyPx > 0 && glare > 0.004 * skyPx) warnings.push("sun-or-glare-kept");
  }
  let sum = 0;
  let skyBottom = 0;
  for (let y = 0, i = 0; y < full.height; y++) {
    let rowHas = false;
    for (let x = 0; x < full.width; x++, i++) {
      sum += alpha[i]!;
      if (alpha[i]! > 0.5) rowHas = true;
    }
    if (rowHas) skyBottom = y;
  }
  return {
    width: full.width,
    height: full.height,
    alpha,
    confidence: det.confidence,
    coverage: sum / alpha.length,
    refine: { rgb: refineRgb, alpha: refineAlpha, skyColour },
    skyBottom,
    reasons: det.reasons,
    light: estimateLight(refineRgb, refineAlpha),
    warnings,
  };
}
