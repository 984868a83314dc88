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
  resizePlane,
  shrinkRgb,
  smoothstep,
} from "./raster";
import { SKY_INPUT_SIDE, predictSky } from "./sky-model";

/** Edges are refined at ≤1024 px, then carried to full size by a guided upsample. */
const REFINE_SIDE = 1024;

/**
 * When a sky replacement is refused rather than shipped. Calibrated on the tuning half of the
 * real-photo sky set (scripts/eval-sky.ts), never on the held-out half.
 * - `minHasSky`: the model's probability that the photo shows sky at all;
 * - `minCoverage`: the smallest sky worth replacing, as a fraction of the photo;
 * - `maxUncertain`: the share of the sky whose pixels the model is unsure about (probability
 *   0.25–0.75); above it the mask would be a guess.
 */
const SKY_DECISION = { minHasSky: 0.5, minCoverage: 0.01, maxUncertain: 0.35 };

export type SkyMatte = {
  width: number;
  height: number;
  /** Sky alpha at full resolution (1 = sky). */
  alpha: Float32Array;
  /** hasSky × (1 − uncertain), 0–1: reported, not used for the decision on its own. */
  confidence: number;
  /** The model's probability that the photo shows sky, and the unsure share of its sky. */
  hasSky: number;
  uncertain: number;
  /** Fraction of the image that is sky. */
  coverage: number;
  /**
   * The ≤1024 px raster and its alpha, and the old sky's local mean colour (R, G, B planes pooled
   * small, read with `planeSampler`; NaN far from sure sky) for decontaminating edges.
   */
  refine: { rgb: Rgb; alpha: Float32Array; skyColour: Plane[] };
  /** Lowest row (full resolution) that still has sky, for placing the new sky. */
  skyBottom: number;
  /** Things the user should know even though the sky was replaced (sun in frame, small sky, …). */
  warnings: string[];
  /** The photo's light, read from its old sky and ground, to suggest skies of the same time of day. */
  light: PhotoLight;
};

type Blob = { size: number; minX: number; maxX: number; minY: number; maxY: number };

/** 4-connected components of the pixels above one half: a label per pixel (−1: none) and each blob. */
function blobs(p: Plane): { label: Int32Array; comps: Blob[] } {
  const { width: w, height: h, data } = p;
  const n = w * h;
  const label = new Int32Array(n).fill(-1);
  const comps: Blob[] = [];
  const stack: number[] = [];
  for (let s = 0; s < n; s++) {
    if (label[s] !== -1 || data[s]! <= 0.5) continue;
    const id = comps.length;
    const c = { size: 0, minX: w, maxX: 0, minY: h, maxY: 0 };
    comps.push(c);
    label[s] = id;
    stack.push(s);
    while (stack.length) {
      const i = stack.pop()!;
      const y = (i / w) | 0;
      const x = i - y * w;
      c.size++;
      if (x < c.minX) c.minX = x;
      if (x > c.maxX) c.maxX = x;
      if (y < c.minY) c.minY = y;
      if (y > c.maxY) c.maxY = y;
      const next = [x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, y > 0 ? i - w : -1, y < h - 1 ? i + w : -1];
      for (const j of next) {
        if (j >= 0 && label[j] === -1 && data[j]! > 0.5) {
          label[j] = id;
          stack.push(j);
        }
      }
    }
  }
  return { label, comps };
}

function largestBlob(p: Plane): Blob | undefined {
  const { comps } = blobs(p);
  return comps.reduce<Blob | undefined>((best, c) => (!best || c.size > best.size ? c : best), undefined);
}

/**
 * Removes sky the model found where a sky cannot be: a patch detached from the main sky that
 * reaches the bottom edge or lies wholly in the lowest quarter (a reflection, a bright floor, a
 * gap in a fence). Gaps between branches high in the frame stay: they are detached but high.
 */
export function dropImplausibleSky(prob: Plane): Float32Array {
  const { width: w, height: h, data } = prob;
  const n = w * h;
  const { label, comps: found } = blobs(prob);
  const comps = found.map((c) => ({ size: c.size, top: c.minY, bottom: c.maxY }));
  const out = new Float32Array(data);
  if (comps.length === 0) return out;
  const main = comps.reduce((best, c, i) => (c.size > comps[best]!.size ? i : best), 0);
  const drop = comps.map(
    (c, i) =>
      i !== main && (c.bottom >= h - 2 || c.top > 0.75 * h || (c.top > comps[main]!.bottom && c.size < 0.01 * n)),
  );
  // A dropped patch takes its soft rim with it: pixels next to it fade to ground.
  for (let i = 0; i < n; i++) {
    const l = label[i]!;
    if (l >= 0 && drop[l]) out[i] = 0;
  }
  return out;
}

export type SkyVerdict = { ship: true } | { ship: false; code: "no_sky_detected" | "sky_uncertain"; message: string };

/** The ship/refuse decision for a photo's sky (thresholds in SKY_DECISION). */
export function decideSky(m: { hasSky: number; coverage: number; uncertain: number }): SkyVerdict {
  if (m.hasSky < SKY_DECISION.minHasSky || m.coverage < SKY_DECISION.minCoverage) {
    return {
      ship: false,
      code: "no_sky_detected",
      message: "No sky was found in this photo. Paint the sky with the hint brush, or try another photo.",
    };
  }
  if (m.uncertain > SKY_DECISION.maxUncertain) {
    return {
      ship: false,
      code: "sky_uncertain",
      message:
        "The sky's outline in this photo is too uncertain to replace it cleanly. Paint the sky with the hint brush, or try another photo.",
    };
  }
  return { ship: true };
}

type Sampler = (x: number, y: number) => number;

/**
 * Edge alpha on the ≤1024 raster. The model's probability (upsampled, smooth) decides where the
 * sky is; inside the band where it is neither 0 nor 1, and in a thin band around its boundary,
 * alpha is the pixel's position on the line between the local sure-sky and sure-ground colours
 * ("colour-line" alpha), so gaps in branches and lattices take the sky and the skyline is pixel
 * sharp. Where the two colours are close (haze, fog), the model's own soft value is kept.
 */
function refineAlpha(rgb: Rgb, prob: Float32Array): { alpha: Float32Array; skyColour: Plane[] } {
  const { width: W, height: H, data } = rgb;
  const n = W * H;
  const d = Math.max(2, Math.round(Math.max(W, H) / 160));
  const r2 = Math.max(4, Math.round(Math.max(W, H) / 40));
  const hard = new Float32Array(n);
  for (let i = 0; i < n; i++) hard[i] = prob[i]! > 0.5 ? 1 : 0;
  const u = boxBlur(hard, W, H, d);
  const sure = new Float32Array(n);
  const fg = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    sure[i] = u[i]! > 0.999 && prob[i]! > 0.9 ? 1 : 0;
    fg[i] = u[i]! < 0.001 && prob[i]! < 0.1 ? 1 : 0;
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
      // The model's probability, sharpened: a matte must not be a half-transparent guess.
      const p = smoothstep(0.3, 0.7, prob[i]!);
      const s0 = sR(x, y);
      const f0 = fR(x, y);
      if (Number.isNaN(s0) || Number.isNaN(f0)) {
        alpha[i] = p;
        continue;
      }
      const dx = s0 - f0;
      const dy = sG(x, y) - fG(x, y);
      const dz = sB(x, y) - fB(x, y);
      const dd = dx * dx + dy * dy + dz * dz;
      const line = clamp01(
        ((data[3 * i]! / 255 - f0) * dx +
          (data[3 * i + 1]! / 255 - fG(x, y)) * dy +
          (data[3 * i + 2]! / 255 - fB(x, y)) * dz) /
          Math.max(dd, 1e-6),
      );
      // Trust the colour line as far as the two colours are apart; it may only move alpha so far
      // from the model where the model is sure.
      const trust = clamp01((dd - 0.004) / 0.03);
      const sureness = Math.abs(2 * prob[i]! - 1);
      const limit = 1 - 0.7 * sureness;
      const mixed = p + trust * (line - p);
      alpha[i] = Math.min(p + limit, Math.max(p - limit, mixed));
    }
  }
  return { alpha: guidedFilter(luminance(rgb), alpha, W, H, { r: 1, eps: 1e-4 }), skyColour };
}

/** What a user should know about a shipped sky replacement. */
function skyWarnings(rgb: Rgb, alpha: Float32Array, coverage: number): string[] {
  const { width: w, height: h, data } = rgb;
  const warnings: string[] = [];
  // The sun in frame: a compact blown-out disc (every channel clipped) in or next to the sky, the
  // largest such blob round and small. White clouds clip too, but in wide ragged patches. The new
  // sky has no sun where the photo's light comes from, so the user should know.
  const near = boxBlur(alpha, w, h, Math.max(2, Math.round(w / 60)));
  const blown = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) {
    if (near[i]! >= 0.3 && data[3 * i]! >= 250 && data[3 * i + 1]! >= 250 && data[3 * i + 2]! >= 245) blown[i] = 1;
  }
  const disc = largestBlob({ width: w, height: h, data: blown });
  if (disc && disc.size > 0.0003 * w * h && disc.size < 0.03 * w * h) {
    const bw = disc.maxX - disc.minX + 1;
    const bh = disc.maxY - disc.minY + 1;
    if (Math.max(bw, bh) / Math.min(bw, bh) < 1.8 && disc.size / (bw * bh) > 0.45) warnings.push("sun-in-frame");
  }
  if (coverage < 0.08) warnings.push("small-sky");
  // Fine detail against the sky (branches, cables, lattices): boundary pixels per column.
  let edges = 0;
  for (let y = 1, i = w; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      if (alpha[i]! > 0.5 !== alpha[i - w]! > 0.5 || (x > 0 && alpha[i]! > 0.5 !== alpha[i - 1]! > 0.5)) edges++;
    }
  }
  if (edges / w > 6) warnings.push("fine-detail-against-sky");
  return warnings;
}

/**
 * Sky matte at the photo's full resolution. Refuses (throws `no_sky_detected` or `sky_uncertain`,
 * never charged) unless called with `refuse: false` — the evaluation reads refused mattes too. User hints
 * (a greyscale image: white = sky, black = not sky, mid-grey = the model's call) win over the model,
 * and a photo whose sky the user painted is not refused.
 */
export async function computeSkyMatte(full: Rgb, opts: { hints?: Rgb; refuse?: boolean } = {}): Promise<SkyMatte> {
  const refineRgb = await shrinkRgb(full, REFINE_SIDE);
  const { width: rw, height: rh } = refineRgb;
  const predicted = await predictSky(refineRgb);
  let prob = dropImplausibleSky(predicted.prob);
  let painted = 0;
  if (opts.hints) {
    const S = SKY_INPUT_SIDE;
    const hint = resizePlane(
      { width: opts.hints.width, height: opts.hints.height, data: luminance(opts.hints) },
      S,
      S,
    ).data;
    prob = new Float32Array(prob);
    for (let i = 0; i < prob.length; i++) {
      if (hint[i]! > 0.8) {
        prob[i] = 1;
        painted++;
      } else if (hint[i]! < 0.2) prob[i] = 0;
    }
  }
  // Decision statistics at the model's resolution.
  let sky = 0;
  let unsure = 0;
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i]!;
    if (p > 0.5) sky++;
    if (p > 0.25 && p < 0.75) unsure++;
  }
  const hasSky = painted > 0.01 * prob.length ? Math.max(predicted.hasSky, 0.99) : predicted.hasSky;
  const coverage0 = sky / prob.length;
  const uncertain = painted > 0.01 * prob.length ? 0 : Math.min(1, unsure / Math.max(1, sky));
  if (opts.refuse !== false) {
    const verdict = decideSky({ hasSky, coverage: coverage0, uncertain });
    if (!verdict.ship) {
      throw new AppError(verdict.code, verdict.message, {
        details: {
          hasSky: Number(hasSky.toFixed(3)),
          coverage: Number(coverage0.toFixed(4)),
          uncertain: Number(uncertain.toFixed(3)),
        },
      });
    }
  }
  const coarse = resizePlane({ width: SKY_INPUT_SIDE, height: SKY_INPUT_SIDE, data: prob }, rw, rh).data;
  const { alpha: refineAlphaPlane, skyColour } = refineAlpha(refineRgb, coarse);
  let alpha: Float32Array;
  if (rw === full.width && rh === full.height) alpha = refineAlphaPlane;
  else {
    const low: Plane = { width: rw, height: rh, data: refineAlphaPlane };
    alpha = guidedUpsample({ low, lowGuide: luminance(refineRgb), full, r: 2, eps: 1e-4 }).alpha;
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
  const coverage = sum / alpha.length;
  return {
    width: full.width,
    height: full.height,
    alpha,
    confidence: hasSky * (1 - Math.min(1, uncertain)),
    hasSky,
    uncertain,
    coverage,
    refine: { rgb: refineRgb, alpha: refineAlphaPlane, skyColour },
    skyBottom,
    light: estimateLight(refineRgb, refineAlphaPlane),
    warnings: skyWarnings(refineRgb, refineAlphaPlane, coverage),
  };
}
