import sharp from "sharp";
import { clamp01, resizePlane } from "./raster";

/**
 * How the product sits on its new background: a contact shadow where the object touches the
 * ground (from the matte's base, never around its outline) and, optionally, the shadow it casts
 * on the ground behind it, thrown to the side the user chooses.
 */
export type ShadowStyle = {
  /** Darkness 0–1 (1 = as dark as a real contact point gets). */
  strength: number;
  /** Blur 0–1: 0 a crisp studio shadow, 1 an overcast one. */
  softness: number;
  /** Also cast the silhouette on the ground behind the object. */
  cast: boolean;
  /** Where the cast shadow falls, degrees from straight back: −60 (to the left) … 60 (to the right). */
  direction: number;
};

export const DEFAULT_SHADOW: ShadowStyle = { strength: 0.6, softness: 0.5, cast: false, direction: 35 };

/** Shadows are smooth: computed at most this large and enlarged. */
const SHADOW_SIDE = 512;

/** Separable blur with different radii across and down (ground shadows are flatter than wide). */
function blur2(src: Float32Array, w: number, h: number, rx: number, ry: number): Float32Array {
  let out = src;
  for (let pass = 0; pass < 3; pass++) {
    if (rx > 0) out = blurAxis(out, w, h, rx, true);
    if (ry > 0) out = blurAxis(out, w, h, ry, false);
  }
  return out;
}

/** One box pass along one axis (edges clamped). */
function blurAxis(src: Float32Array, w: number, h: number, r: number, horizontal: boolean): Float32Array {
  const out = new Float32Array(src.length);
  const n = horizontal ? w : h;
  const lines = horizontal ? h : w;
  const stride = horizontal ? 1 : w;
  const inv = 1 / (2 * r + 1);
  for (let l = 0; l < lines; l++) {
    const o = horizontal ? l * w : l;
    let acc = 0;
    for (let k = -r; k <= r; k++) acc += src[o + Math.min(n - 1, Math.max(0, k)) * stride]!;
    for (let i = 0; i < n; i++) {
      out[o + i * stride] = acc * inv;
      const add = Math.min(n - 1, i + r + 1);
      const drop = Math.max(0, i - r);
      acc += src[o + add * stride]! - src[o + drop * stride]!;
    }
  }
  return out;
}

/**
 * The shadow (0–255) on a canvas of width×height from the placed subject's alpha (same size).
 *
 * Contact: for every column, the lowest subject pixel; columns whose lowest pixel lies near the
 * object's base line touch the ground. Under those points a dark core and a wider, flatter
 * penumbra, blurred far more across than down: the object stands, it does not float, and nothing
 * rims its top or sides. Cast: each subject pixel at height h above the base lands on the ground at
 * h·0.32 behind it, sheared by `direction`, fading and softening with the distance.
 */
export async function shadowPlane(
  alpha: Float32Array,
  args: { width: number; height: number; style: ShadowStyle },
): Promise<Uint8Array> {
  const { width: W, height: H, style } = args;
  const scale = Math.min(1, SHADOW_SIDE / Math.max(W, H));
  const w = Math.max(8, Math.round(W * scale));
  const h = Math.max(8, Math.round(H * scale));
  const a = w === W && h === H ? alpha : resizePlane({ width: W, height: H, data: alpha }, w, h).data;

  // Lowest subject row per column, the base line and the subject's top.
  const bottom = new Int32Array(w).fill(-1);
  let base = -1;
  let top = h;
  for (let x = 0; x < w; x++) {
    for (let y = h - 1; y >= 0; y--) {
      if (a[y * w + x]! > 0.5) {
        bottom[x] = y;
        break;
      }
    }
    if (bottom[x]! > base) base = bottom[x]!;
  }
  if (base < 0) return new Uint8Array(W * H);
  for (let i = 0; i < a.length; i++) if (a[i]! > 0.5) top = Math.min(top, Math.floor(i / w));
  const subjectH = Math.max(4, base - top + 1);
  const touch = Math.max(1, Math.round(0.03 * subjectH));
  const soft = 0.4 + 1.2 * clamp01(style.softness);

  // Core: right under the contact points; penumbra: a wider ellipse under the whole footprint.
  const core = new Float32Array(w * h);
  const pen = new Float32Array(w * h);
  let minX = w;
  let maxX = -1;
  for (let x = 0; x < w; x++) {
    const b = bottom[x]!;
    if (b < 0 || b < base - touch) continue;
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    // Closer to the ground = darker; the core sits just under the edge (hidden behind the object above it).
    const closeness = 1 - (base - b) / (touch + 1);
    for (let y = b - 1; y <= Math.min(h - 1, b + Math.max(1, Math.round(0.006 * subjectH))); y++) {
      if (y >= 0) core[y * w + x] = Math.max(core[y * w + x]!, closeness);
    }
  }
  if (maxX >= minX) {
    const cx = (minX + maxX) / 2;
    const rx = Math.max(2, (maxX - minX) / 2 + 0.04 * subjectH);
    const ry = Math.max(1.5, 0.05 * subjectH * soft);
    for (let y = Math.max(0, Math.floor(base - ry)); y < Math.min(h, Math.ceil(base + 2 * ry)); y++) {
      for (let x = Math.max(0, Math.floor(cx - rx)); x < Math.min(w, Math.ceil(cx + rx)); x++) {
        const dx = (x - cx) / rx;
        const dy = (y - base - 0.2 * ry) / ry;
        const d = dx * dx + dy * dy;
        if (d < 1) pen[y * w + x] = (1 - d) * (1 - d);
      }
    }
  }
  const coreR = Math.max(1, Math.round(0.008 * subjectH * soft));
  const coreB = blur2(core, w, h, coreR * 3, coreR);
  const penB = blur2(
    pen,
    w,
    h,
    Math.max(1, Math.round(0.03 * subjectH * soft)),
    Math.max(1, Math.round(0.012 * subjectH * soft)),
  );

  let castB: Float32Array | undefined;
  if (style.cast) {
    // Forward-project every subject pixel onto the ground behind the object, then blur: nearer the
    // base the shadow is sharp and dark, further away softer and lighter.
    const near = new Float32Array(w * h);
    const far = new Float32Array(w * h);
    const shear = Math.tan((Math.max(-60, Math.min(60, style.direction)) * Math.PI) / 180);
    const squash = 0.32;
    for (let y = top; y <= base; y++) {
      const height = base - y;
      const gy = Math.round(base - height * squash);
      if (gy < 0 || gy >= h) continue;
      const t = height / subjectH;
      const fade = 1 - 0.75 * t;
      const dxShift = height * squash * shear * 2.2;
      for (let x = 0; x < w; x++) {
        const v = a[y * w + x]!;
        if (v <= 0.02) continue;
        const gx = Math.round(x + dxShift);
        if (gx < 0 || gx >= w) continue;
        const o = gy * w + gx;
        const nv = v * fade * (1 - t);
        const fv = v * fade * t;
        if (nv > near[o]!) near[o] = nv;
        if (fv > far[o]!) far[o] = fv;
      }
    }
    const r1 = Math.max(1, Math.round(0.01 * subjectH * soft));
    const r2 = Math.max(1, Math.round(0.04 * subjectH * soft));
    const n1 = blur2(near, w, h, r1, r1);
    const f1 = blur2(far, w, h, r2, r2);
    castB = new Float32Array(w * h);
    for (let i = 0; i < castB.length; i++) castB[i] = n1[i]! + f1[i]!;
  }

  const k = clamp01(style.strength);
  const shadow = new Uint8Array(w * h);
  for (let i = 0; i < shadow.length; i++) {
    // Shadows combine like light being blocked: 1 − Π(1 − s).
    const c = clamp01(0.85 * coreB[i]!);
    const p = clamp01(0.75 * penB[i]!);
    const s = castB ? clamp01(0.5 * castB[i]!) : 0;
    shadow[i] = clamp01(k * (1 - (1 - c) * (1 - p) * (1 - s))) * 255 + 0.5;
  }
  if (w === W && h === H) return shadow;
  const big = await sharp(shadow, { raw: { width: w, height: h, channels: 1 } })
    .resize(W, H, { fit: "fill", kernel: "linear" })
    .extractChannel(0) // sharp widens one-channel raw input to sRGB
    .raw()
    .toBuffer();
  return new Uint8Array(big.buffer, big.byteOffset, big.length);
}
