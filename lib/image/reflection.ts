import { type Plane, type Rgb, boxBlur, clamp01, smoothstep } from "./raster";

/**
 * Water that mirrors the sky (lakes, calm sea, rivers), found on the ≤1024 px refine raster of the
 * sky matte, and the compositing of the new sky's mirror image into it. No learned model: water is
 * a smooth, horizontally extended region below the skyline whose colour is the old sky seen at the
 * row mirrored about the waterline, somewhat darker (and often bluer). Conservative by design: a
 * false reflection on a road or a snowfield is worse than a missed lake.
 */
export type WaterReflection = {
  /**
   * Soft weight (0..1) of "this pixel is a reflection of the sky", on the detection grid: the refine
   * raster pooled by a power of two to about GRID_SIDE (256) px (same aspect; read it bilinearly).
   */
  weight: Plane;
  /** Luminance (0..1) of the photo on the weight's grid (pooled means, so ripples do not alias). */
  luma: Float32Array;
  /** Waterline row at the refine resolution (the mirror axis); −1 when no water was found. */
  waterline: number;
  /** Height of the refine raster (the waterline's scale). */
  rows: number;
  /** Fraction of the image covered by the weight (0 = no water found). */
  coverage: number;
  confidence: number;
  /** Observed brightness of the old reflection relative to the old sky (used for the new one). */
  reflectance: number;
};

const NONE = (w: number, h: number, rows: number): WaterReflection => ({
  weight: { width: w, height: h, data: new Float32Array(w * h) },
  luma: new Float32Array(0),
  waterline: -1,
  rows,
  coverage: 0,
  confidence: 0,
  reflectance: 0,
});

/**
 * Distance between two chromaticities (differences dr, dg, db). Water reflections are bluer than their
 * sky (less red, more blue): up to 0.06 of shift along that direction is forgiven.
 */
function chromaDistance(dr: number, dg: number, db: number): number {
  const along = (db - dr) * Math.SQRT1_2;
  const excess = along > 0.06 ? along - 0.06 : along < 0 ? along : 0;
  const pr = dr + along * Math.SQRT1_2;
  const pb = db - along * Math.SQRT1_2;
  return Math.sqrt(pr * pr + dg * dg + pb * pb + excess * excess);
}

/**
 * Brightness-tolerant colour match of a pixel (r,g,b) to a sky colour (sr,sg,sb), all 0..1: chromaticities
 * must agree (a shift towards blue is tolerated) and the pixel must be darker than the sky, but not much.
 */
function reflectionMatch(r: number, g: number, b: number, sr: number, sg: number, sb: number): number {
  const sc = r + g + b + 0.05;
  const ss = sr + sg + sb + 0.05;
  const k = sc / ss;
  if (k < 0.2 || k > 1.1) return 0;
  const d = chromaDistance(r / sc - sr / ss, g / sc - sg / ss, b / sc - sb / ss);
  const c = Math.max(0, d - 0.015) / 0.035;
  return Math.exp(-c * c) * smoothstep(0.2, 0.35, k) * (1 - smoothstep(0.95, 1.1, k));
}

/** Minimum size and horizontal extent of a water body (fractions of the image). */
const MIN_AREA = 0.01;
const MIN_SPAN = 0.35;
/** Texture ceiling (mean |∂L/∂x| + ½|∂L/∂y| on the ≈256 px grid): calm to rippled water, not grass. */
const TEX = 0.03;
/** Below this the reflection is ignored. */
const MIN_CONFIDENCE = 0.35;
/** Detection runs on a grid pooled to about this side (the weight is smooth anyway). */
const GRID_SIDE = 256;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))]!;
}

type Grid = { w: number; h: number; R: Float32Array; G: Float32Array; B: Float32Array; A: Float32Array };

/** Halves a float grid (2×2 means; an odd last row/column is paired with itself). */
function halveGrid(g: Grid): Grid {
  const w = Math.ceil(g.w / 2);
  const h = Math.ceil(g.h / 2);
  const out: Grid = {
    w,
    h,
    R: new Float32Array(w * h),
    G: new Float32Array(w * h),
    B: new Float32Array(w * h),
    A: new Float32Array(w * h),
  };
  for (const [src, dst] of [
    [g.R, out.R],
    [g.G, out.G],
    [g.B, out.B],
    [g.A, out.A],
  ] as const) {
    for (let cy = 0, j = 0; cy < h; cy++) {
      const r0 = 2 * cy * g.w;
      const r1 = Math.min(2 * cy + 1, g.h - 1) * g.w;
      for (let cx = 0; cx < w; cx++, j++) {
        const x0 = 2 * cx;
        const x1 = Math.min(x0 + 1, g.w - 1);
        dst[j] = (src[r0 + x0]! + src[r0 + x1]! + src[r1 + x0]! + src[r1 + x1]!) * 0.25;
      }
    }
  }
  return out;
}

/**
 * Mean colour (0..1) and sky alpha on the refine raster pooled by 2^levels (2×2 means, repeated;
 * an odd last row/column is paired with itself).
 */
function poolGrid(rgb: Rgb, alpha: Float32Array, levels: number): Grid {
  const { width: W0, height: H0, data: d } = rgb;
  if (levels === 0) {
    const n = W0 * H0;
    const g: Grid = {
      w: W0,
      h: H0,
      R: new Float32Array(n),
      G: new Float32Array(n),
      B: new Float32Array(n),
      A: alpha.slice(),
    };
    for (let i = 0; i < n; i++) {
      g.R[i] = d[3 * i]! / 255;
      g.G[i] = d[3 * i + 1]! / 255;
      g.B[i] = d[3 * i + 2]! / 255;
    }
    return g;
  }
  const w = Math.ceil(W0 / 2);
  const h = Math.ceil(H0 / 2);
  const n = w * h;
  const R = new Float32Array(n);
  const G = new Float32Array(n);
  const B = new Float32Array(n);
  const A = new Float32Array(n);
  for (let cy = 0, j = 0; cy < h; cy++) {
    const i0 = 2 * cy * W0;
    const i1 = Math.min(2 * cy + 1, H0 - 1) * W0;
    for (let cx = 0; cx < w; cx++, j++) {
      const x0 = 2 * cx;
      const x1 = Math.min(x0 + 1, W0 - 1);
      const a = 3 * (i0 + x0);
      const b = 3 * (i0 + x1);
      const c = 3 * (i1 + x0);
      const e = 3 * (i1 + x1);
      R[j] = (d[a]! + d[b]! + d[c]! + d[e]!) * (1 / 1020);
      G[j] = (d[a + 1]! + d[b + 1]! + d[c + 1]! + d[e + 1]!) * (1 / 1020);
      B[j] = (d[a + 2]! + d[b + 2]! + d[c + 2]! + d[e + 2]!) * (1 / 1020);
      A[j] = (alpha[i0 + x0]! + alpha[i0 + x1]! + alpha[i1 + x0]! + alpha[i1 + x1]!) * 0.25;
    }
  }
  let g: Grid = { w, h, R, G, B, A };
  for (let k = 1; k < levels; k++) g = halveGrid(g);
  return g;
}

/** The old sky's local colour: normalised box blur (radius rb) of the sky cells, blended into row means far from sky. */
function localSkyColour(args: {
  R: Float32Array;
  G: Float32Array;
  B: Float32Array;
  A: Float32Array;
  w: number;
  rows: number;
  rb: number;
  rowR: Float32Array;
  rowG: Float32Array;
  rowB: Float32Array;
  skyTop: number;
  skyBot: number;
}): { refR: Float32Array; refG: Float32Array; refB: Float32Array } {
  const { R, G, B, A, w, rows, rb, rowR, rowG, rowB, skyTop, skyBot } = args;
  const nr = rows * w;
  const refR = new Float32Array(nr);
  const refG = new Float32Array(nr);
  const refB = new Float32Array(nr);
  const sw = new Float32Array(nr);
  for (let i = 0; i < nr; i++) {
    if (A[i]! <= 0.5) continue;
    sw[i] = 1;
    refR[i] = R[i]!;
    refG[i] = G[i]!;
    refB[i] = B[i]!;
  }
  const bw = boxBlur(sw, w, rows, rb);
  const br = boxBlur(refR, w, rows, rb);
  const bg = boxBlur(refG, w, rows, rb);
  const bb = boxBlur(refB, w, rows, rb);
  for (let y = 0, i = 0; y < rows; y++) {
    const yr = Math.max(skyTop, Math.min(skyBot, y));
    for (let x = 0; x < w; x++, i++) {
      const k = bw[i]!;
      const t = smoothstep(0.02, 0.2, k);
      refR[i] = k > 0.02 ? t * (br[i]! / k) + (1 - t) * rowR[yr]! : rowR[yr]!;
      refG[i] = k > 0.02 ? t * (bg[i]! / k) + (1 - t) * rowG[yr]! : rowG[yr]!;
      refB[i] = k > 0.02 ? t * (bb[i]! / k) + (1 - t) * rowB[yr]! : rowB[yr]!;
    }
  }
  return { refR, refG, refB };
}

/**
 * Detects water reflecting the sky on the refine raster. `alpha` is the sky matte at that resolution.
 * Returns coverage 0 (and an all-zero weight) when no convincing reflection is found.
 */
export function detectWaterReflection(rgb: Rgb, alpha: Float32Array): WaterReflection {
  const { width: W0, height: H0 } = rgb;
  // Pool to ≤GRID_SIDE px (by a power of two): colour means and the sky alpha.
  const levels = Math.max(0, Math.round(Math.log2(Math.max(W0, H0) / GRID_SIDE)));
  const { w, h, R, G, B, A } = poolGrid(rgb, alpha, levels);
  const n = w * h;
  const none = (): WaterReflection => NONE(w, h, H0);
  // Sky rows: per-row sky colour, the lowest substantial sky row, and per column the lowest sky cell.
  const rowR = new Float32Array(h);
  const rowG = new Float32Array(h);
  const rowB = new Float32Array(h);
  const rowN = new Int32Array(h);
  const skyLow = new Int32Array(w).fill(-1);
  let skyN = 0;
  for (let y = 0, i = 0; y < h; y++) {
    let sr = 0;
    let sg = 0;
    let sb = 0;
    let c = 0;
    for (let x = 0; x < w; x++, i++) {
      if (A[i]! <= 0.5) continue;
      skyLow[x] = y;
      sr += R[i]!;
      sg += G[i]!;
      sb += B[i]!;
      c++;
    }
    rowN[y] = c;
    skyN += c;
    if (c) {
      rowR[y] = sr / c;
      rowG[y] = sg / c;
      rowB[y] = sb / c;
    }
  }
  if (skyN < 0.03 * n) return none();
  const enough = Math.max(1, 0.02 * w);
  let skyBot = -1;
  let skyTop = -1;
  for (let y = 0; y < h; y++) {
    if (rowN[y]! < enough) continue;
    skyBot = y;
    if (skyTop < 0) skyTop = y;
  }
  if (skyBot < 0 || skyBot > 0.92 * h) return none();
  // Rows with little sky borrow the nearest row that has enough (for the mirror lookup).
  for (let y = 0, last = skyTop; y <= skyBot; y++) {
    if (rowN[y]! >= enough) last = y;
    else {
      rowR[y] = rowR[last]!;
      rowG[y] = rowG[last]!;
      rowB[y] = rowB[last]!;
    }
  }
  // How colourful the old sky is: a grey sky matches any grey surface, so it needs stronger proof.
  let skySat = 0;
  for (let y = skyTop; y <= skyBot; y++)
    skySat += Math.max(rowR[y]!, rowG[y]!, rowB[y]!) - Math.min(rowR[y]!, rowG[y]!, rowB[y]!);
  skySat /= skyBot - skyTop + 1;

  const y0 = skyBot + 1;
  const rows = h - y0;
  const m = rows * w;
  // Texture below the skyline. Ripples are horizontal streaks, so vertical changes count half.
  const L = new Float32Array(m);
  for (let j = 0, i = y0 * w; j < m; j++, i++) L[j] = 0.299 * R[i]! + 0.587 * G[i]! + 0.114 * B[i]!;
  const grad = new Float32Array(m);
  for (let y = 0, j = 0; y < rows; y++) {
    for (let x = 0; x < w; x++, j++) {
      const gx = x > 0 && x < w - 1 ? L[j + 1]! - L[j - 1]! : 0;
      const gy = y > 0 && y < rows - 1 ? L[j + w]! - L[j - w]! : 0;
      grad[j] = Math.abs(gx) + 0.5 * Math.abs(gy);
    }
  }
  const tex = boxBlur(grad, w, rows, 1);
  // Candidates: smooth, not sky, and matching some row of the old sky in chromaticity, darker than it
  // (the mirror check comes later). A cheap threshold form of reflectionMatch(...) > 0.5.
  const nS = Math.min(12, skyBot - skyTop + 1);
  const sC: number[] = [];
  for (let k = 0; k < nS; k++) {
    const y = skyTop + Math.round((k * (skyBot - skyTop)) / Math.max(1, nS - 1));
    const ss = rowR[y]! + rowG[y]! + rowB[y]! + 0.05;
    sC.push(rowR[y]! / ss, rowG[y]! / ss, rowB[y]! / ss, ss);
  }
  const cand = new Uint8Array(m);
  for (let j = 0, i = y0 * w; j < m; j++, i++) {
    if (A[i]! > 0.5 || tex[j]! > TEX) continue;
    const sc = R[i]! + G[i]! + B[i]! + 0.05;
    const r = R[i]! / sc;
    const g = G[i]! / sc;
    const b = B[i]! / sc;
    for (let k = 0; k < sC.length; k += 4) {
      const kk = sc / sC[k + 3]!;
      if (kk < 0.28 || kk > 1.0) continue;
      if (chromaDistance(r - sC[k]!, g - sC[k + 1]!, b - sC[k + 2]!) < 0.044) {
        cand[j] = 1;
        break;
      }
    }
  }
  // The water body: the largest horizontally extended connected candidate region.
  const lab = new Int32Array(m).fill(-1);
  const stack = new Int32Array(m);
  const colSeen = new Int32Array(w).fill(-1);
  const sizes: number[] = [];
  let main = -1;
  let mainSize = 0;
  for (let s = 0, id = 0; s < m; s++) {
    if (!cand[s] || lab[s]! >= 0) continue;
    let sp = 0;
    stack[sp++] = s;
    lab[s] = id;
    let size = 0;
    let span = 0;
    while (sp) {
      const i = stack[--sp]!;
      size++;
      const x = i % w;
      if (colSeen[x] !== id) {
        colSeen[x] = id;
        span++;
      }
      if (x > 0 && cand[i - 1] && lab[i - 1]! < 0) {
        lab[i - 1] = id;
        stack[sp++] = i - 1;
      }
      if (x < w - 1 && cand[i + 1] && lab[i + 1]! < 0) {
        lab[i + 1] = id;
        stack[sp++] = i + 1;
      }
      if (i >= w && cand[i - w] && lab[i - w]! < 0) {
        lab[i - w] = id;
        stack[sp++] = i - w;
      }
      if (i + w < m && cand[i + w] && lab[i + w]! < 0) {
        lab[i + w] = id;
        stack[sp++] = i + w;
      }
    }
    sizes.push(size);
    if (size >= MIN_AREA * n && span >= MIN_SPAN * w && size > mainSize) {
      main = id;
      mainSize = size;
    }
    id++;
  }
  if (main < 0) return none();
  // The mirror axis is horizontal. The body's top is where the reflection starts: at the shore
  // (then the top is flat), or lower when the far shore (trees, hills) is mirrored too (then the top
  // mirrors the skyline, and halfway between the two is flat). A body whose top is neither (the lit
  // flank of a mountain, a slope of snow) is not a reflection.
  const colTop = new Int32Array(w).fill(-1);
  for (let j = 0; j < m; j++) {
    if (lab[j] !== main) continue;
    const x = j % w;
    if (colTop[x]! < 0) colTop[x] = y0 + ((j / w) | 0);
  }
  const tops: number[] = [];
  const mids: number[] = [];
  for (let x = 0; x < w; x++) {
    if (colTop[x]! < 0) continue;
    tops.push(colTop[x]!);
    if (skyLow[x]! >= 0) mids.push((colTop[x]! + skyLow[x]!) / 2);
  }
  tops.sort((a, b) => a - b);
  mids.sort((a, b) => a - b);
  const flatTop = quantile(tops, 0.8) - quantile(tops, 0.2) <= 0.04 * h;
  const flatMid = mids.length >= 0.5 * tops.length && quantile(mids, 0.8) - quantile(mids, 0.2) <= 0.05 * h;
  if (!flatTop && !flatMid) return none();
  const top = quantile(tops, 0.2);
  const midEstimate = flatMid ? Math.round(quantile(mids, 0.5)) : top;
  // The old sky's local colour (normalised box blur of the sky cells), the reference a reflection is
  // compared with: skies change across the frame too (a sun glow, a darker corner). Row means fill in
  // far from any sky.
  // Mirrored cells never lie below the body's top: only those rows (plus the blur's reach) are needed.
  const rb = Math.max(2, Math.round(w / 64));
  const hr = Math.min(h, Math.max(top, midEstimate) + rb + 1);
  const { refR, refG, refB } = localSkyColour({ R, G, B, A, w, rows: hr, rb, rowR, rowG, rowB, skyTop, skyBot });
  // Axis candidates between the skyline and the body's top, scored on a sparse grid: the body must
  // match the old sky mirrored about them in colour, and its brightness must follow the mirrored sky's
  // (correlation; needs some variation in the sky). Near-ties go to the geometric estimate.
  const step = Math.max(1, Math.round(w / 160));
  const skyL = (i: number) => 0.299 * refR[i]! + 0.587 * refG[i]! + 0.114 * refB[i]!;
  const axisScore = (c: number): { score: number; match: number; corr: number; sd: number } => {
    let sm = 0;
    let cnt = 0;
    let k = 0;
    let sa = 0;
    let sb = 0;
    let saa = 0;
    let sbb = 0;
    let sab = 0;
    for (let y = Math.max(y0, c); y < h; y += step) {
      const ym0 = 2 * c - y;
      const ym = Math.max(0, ym0);
      for (let x = (y * 7) % step, j = (y - y0) * w + x; x < w; x += step, j += step) {
        if (lab[j] !== main) continue;
        cnt++;
        const im = ym * w + x;
        if (ym0 >= 0 && A[im]! <= 0.5) continue;
        const i = y * w + x;
        sm += reflectionMatch(R[i]!, G[i]!, B[i]!, refR[im]!, refG[im]!, refB[im]!);
        const a = L[j]!;
        const b = skyL(im);
        sa += a;
        sb += b;
        saa += a * a;
        sbb += b * b;
        sab += a * b;
        k++;
      }
    }
    if (!cnt || k < 10) return { score: 0, match: 0, corr: 0, sd: 0 };
    const va = saa / k - (sa / k) ** 2;
    const vb = sbb / k - (sb / k) ** 2;
    const corr = (sab / k - (sa / k) * (sb / k)) / Math.sqrt(Math.max(1e-12, va * vb));
    const sd = Math.sqrt(Math.max(0, vb));
    const match = sm / cnt;
    return { score: match * (sd > 0.015 ? Math.max(0, corr) : 0.5), match, corr, sd };
  };
  let wl = midEstimate;
  let best = axisScore(midEstimate);
  const nAxes = 20;
  for (let k = 0; k <= nAxes; k++) {
    const c = Math.round(skyBot + ((top - skyBot) * k) / nAxes);
    const sc = axisScore(c);
    if (sc.score > best.score * 1.05 + 0.01) {
      best = sc;
      wl = c;
    }
  }
  // Per cell: the colour must match the old sky mirrored about the waterline, and the mirrored cell
  // must be sky (the far shore's reflection stays untouched). The body is grown by two cells first:
  // the texture gate drops the cells along mirrored edges (a ridge, a bird), which would leave a seam
  // of the old sky.
  // Pieces of the same water cut off by a mirrored tower or a boat join the main body.
  const keep = Uint8Array.from(sizes, (z, id) => (id === main || z >= 0.003 * n ? 1 : 0));
  const body = new Float32Array(m);
  for (let j = 0; j < m; j++) body[j] = lab[j]! >= 0 && keep[lab[j]!] ? 1 : 0;
  const grown = boxBlur(body, w, rows, 2);
  const weight = new Float32Array(n);
  let sumW = 0;
  let sumK = 0;
  const yStart = Math.max(y0, wl);
  for (let y = yStart, j = (yStart - y0) * w; y < h; y++) {
    const ym0 = 2 * wl - y;
    const ym = Math.max(0, ym0);
    for (let x = 0; x < w; x++, j++) {
      if (grown[j]! <= 0.01) continue;
      const im = ym * w + x;
      // Above the image top counts as sky: the reflection of the zenith.
      const am = ym0 < 0 ? 1 : smoothstep(0.1, 0.6, A[im]!);
      if (am <= 0) continue;
      const i = y * w + x;
      const mt = reflectionMatch(R[i]!, G[i]!, B[i]!, refR[im]!, refG[im]!, refB[im]!);
      if (mt <= 0.05) continue;
      const v = mt * am;
      weight[i] = v;
      sumW += v;
      sumK += v * (L[j]! / Math.max(0.02, skyL(im)));
    }
  }
  if (sumW < 0.005 * n) return none();
  const meanMatch = best.match;
  const reflectance = sumK / sumW;
  // Mirror evidence: the water's brightness follows the mirrored sky's. A sky without variation gives
  // none; then only a colourful sky counts (weakly): a grey sky matches any grey surface.
  const mirror = best.sd > 0.015 ? smoothstep(0.15, 0.6, best.corr) : skySat > 0.12 ? 0.5 : 0.25;
  const area = sumW / n;
  const confidence =
    clamp01(meanMatch * 1.3) * mirror * smoothstep(0.005, 0.03, area) * (1 - smoothstep(0.9, 1.05, reflectance));
  if (confidence < MIN_CONFIDENCE) return none();
  // Soft edges. The weight stays on the detection grid: it is smooth and read through a bilinear sampler.
  const soft = boxBlur(weight, w, h, 1);
  let cov = 0;
  for (let i = 0; i < n; i++) {
    const v = clamp01(soft[i]! * confidence * 1.4);
    soft[i] = v;
    cov += v;
  }
  const axis = Math.round((wl + 0.5) * (H0 / h) - 0.5);
  const luma = new Float32Array(n);
  for (let i = 0; i < n; i++) luma[i] = 0.299 * R[i]! + 0.587 * G[i]! + 0.114 * B[i]!;
  return {
    weight: { width: w, height: h, data: soft },
    luma,
    waterline: axis,
    rows: H0,
    coverage: cov / n,
    confidence,
    reflectance: clamp01(reflectance),
  };
}

/**
 * Mixes the new sky, mirrored about the waterline, into `out` where the reflection weight is > 0.
 * `sky` is the rendered new sky (W × skyRows); `orig` the original photo (W × H, RGB). The mirrored
 * sky is softened (a vertical 3-tap blur), dimmed by the old water's reflectance, keeps the ripples of
 * the original water (its luminance relative to the local mean) and a touch of the water's own colour.
 */
export function applyWaterReflection(args: {
  out: Uint8Array;
  orig: Uint8Array;
  width: number;
  height: number;
  sky: Uint8Array;
  skyRows: number;
  reflection: WaterReflection;
}): void {
  const { out, orig, width: W, height: H, sky, skyRows, reflection } = args;
  if (reflection.coverage <= 0) return;
  const { weight } = reflection;
  const { width: w, height: h } = weight;
  // Local mean luminance of the original water (on the weight's grid), for the ripple texture.
  const lum = new Float32Array(w * h);
  const rr = Math.max(2, Math.round(w / 128));
  for (let j = 0; j < w * h; j++) if (weight.data[j]! > 0) lum[j] = reflection.luma[j]!;
  const present = new Float32Array(w * h);
  for (let j = 0; j < w * h; j++) present[j] = weight.data[j]! > 0 ? 1 : 0;
  const ls = boxBlur(lum, w, h, rr);
  const ps = boxBlur(present, w, h, rr);
  for (let j = 0; j < w * h; j++) ls[j] = ps[j]! > 1e-3 ? ls[j]! / ps[j]! : 0;
  const WL = ((reflection.waterline + 0.5) * H) / reflection.rows - 0.5;
  const k = Math.max(0.55, Math.min(0.9, reflection.reflectance));
  const tap = Math.max(1, Math.round(H / 300));
  const last = skyRows - 1;
  const KEEP = 0.15;
  const row = (y: number) => (y < 0 ? 0 : y > last ? last : y) * W;
  // Bilinear upsampling, one row at a time: column taps once, rows interpolated per output row.
  const kx = w / W;
  const cx0 = new Int32Array(W);
  const cx1 = new Int32Array(W);
  const cfx = new Float32Array(W);
  for (let x = 0; x < W; x++) {
    const sx = Math.max(0, Math.min(w - 1, (x + 0.5) * kx - 0.5));
    cx0[x] = sx | 0;
    cx1[x] = Math.min(w - 1, cx0[x]! + 1);
    cfx[x] = sx - cx0[x]!;
  }
  const wd = weight.data;
  const wRow = new Float32Array(w);
  const mRow = new Float32Array(w);
  // Only rows below the waterline can hold a reflection.
  for (let y = Math.max(0, Math.floor(WL)); y < H; y++) {
    const sy = Math.max(0, Math.min(h - 1, ((y + 0.5) * h) / H - 0.5));
    const y0 = sy | 0;
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = sy - y0;
    let any = false;
    for (let x = 0, a0 = y0 * w, a1 = y1 * w; x < w; x++) {
      const v = wd[a0 + x]! + (wd[a1 + x]! - wd[a0 + x]!) * fy;
      wRow[x] = v;
      if (v > 0) any = true;
      mRow[x] = ls[a0 + x]! + (ls[a1 + x]! - ls[a0 + x]!) * fy;
    }
    if (!any) continue;
    const ym = Math.round(2 * WL - y);
    const r0 = row(ym - tap);
    const r1 = row(ym);
    const r2 = row(ym + tap);
    for (let x = 0; x < W; x++) {
      const c0 = cx0[x]!;
      const c1 = cx1[x]!;
      const fx = cfx[x]!;
      const a = wRow[c0]! + (wRow[c1]! - wRow[c0]!) * fx;
      if (a <= 0.004) continue;
      const o = 3 * (y * W + x);
      const lo = (0.299 * orig[o]! + 0.587 * orig[o + 1]! + 0.114 * orig[o + 2]!) / 255;
      const mean = mRow[c0]! + (mRow[c1]! - mRow[c0]!) * fx;
      const ripple = mean > 0.02 ? Math.max(0.6, Math.min(1.5, lo / mean)) : 1;
      const f = (k * ripple) / 3;
      const t = a * (1 - KEEP);
      const u = 1 - t;
      const s0 = 3 * (r0 + x);
      const s1 = 3 * (r1 + x);
      const s2 = 3 * (r2 + x);
      out[o] = Math.min(255, out[o]! * u + (sky[s0]! + sky[s1]! + sky[s2]!) * f * t + 0.5);
      out[o + 1] = Math.min(255, out[o + 1]! * u + (sky[s0 + 1]! + sky[s1 + 1]! + sky[s2 + 1]!) * f * t + 0.5);
      out[o + 2] = Math.min(255, out[o + 2]! * u + (sky[s0 + 2]! + sky[s1 + 2]! + sky[s2 + 2]!) * f * t + 0.5);
    }
  }
}
