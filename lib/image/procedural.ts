import sharp from "sharp";
import { type Rgb, smoothstep } from "./raster";

/** Colours are 0..255 sRGB triples. */
export type Colour = readonly [number, number, number];

export type SkySpec = {
  kind: "sky";
  seed: number;
  top: Colour;
  horizon: Colour;
  /** 0 = clear, 1 = overcast. */
  clouds: number;
  cloudLit: Colour;
  cloudShade: Colour;
  /** Horizontal stretch of clouds (>1 = streaky). */
  stretch?: number;
  sun?: { x: number; y: number; radius: number; colour: Colour; glow: number };
  moon?: { x: number; y: number; radius: number };
  /** Star density 0..1 (night skies). */
  stars?: number;
};

export type BackgroundStyle =
  "solid" | "gradient" | "radial" | "sweep" | "marble" | "wood" | "concrete" | "linen" | "bokeh";

export type BackgroundSpec = {
  kind: "background";
  seed: number;
  style: BackgroundStyle;
  /** Base colour first; styles use up to three. */
  colours: readonly Colour[];
};

export type SceneSpec = SkySpec | BackgroundSpec;

/** Deterministic PRNG (mulberry32): same seed → same scene bytes on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash2(x: number, y: number, seed: number): number {
  let h = (Math.imul(x, 374761393) + Math.imul(y, 668265263) + Math.imul(seed, 1442695041)) | 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

function valueNoise(x: number, y: number, seed: number): number {
  const xi = Math.floor(x);
  const yi = Math.floor(y);
  const fx = x - xi;
  const fy = y - yi;
  const u = fx * fx * (3 - 2 * fx);
  const v = fy * fy * (3 - 2 * fy);
  const a = hash2(xi, yi, seed);
  const b = hash2(xi + 1, yi, seed);
  const c = hash2(xi, yi + 1, seed);
  const d = hash2(xi + 1, yi + 1, seed);
  return a + (b - a) * u + (c - a) * v + (a - b - c + d) * u * v;
}

/** Fractal value noise in [0,1]. */
function fbm(x: number, y: number, opts: { seed: number; octaves: number }): number {
  let sum = 0;
  let amp = 0.5;
  let norm = 0;
  let f = 1;
  for (let o = 0; o < opts.octaves; o++) {
    sum += amp * valueNoise(x * f, y * f, opts.seed + o * 101);
    norm += amp;
    amp *= 0.5;
    f *= 2.03;
  }
  return sum / norm;
}

const mix = (a: number, b: number, t: number): number => a + (b - a) * t;

/** Procedural detail is rendered at most this large and upscaled: skies and materials are smooth. */
const BASE_SIDE = 900;

function baseSize(width: number, height: number): { w: number; h: number } {
  const s = Math.min(1, BASE_SIDE / Math.max(width, height));
  return { w: Math.max(8, Math.round(width * s)), h: Math.max(8, Math.round(height * s)) };
}

function renderSkyBase(spec: SkySpec, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  const aspect = w / h;
  const stretch = spec.stretch ?? 2.2;
  const cover = spec.clouds;
  for (let y = 0; y < h; y++) {
    const v = y / (h - 1 || 1);
    // Perspective: clouds get flatter and denser towards the horizon.
    const persp = 1 / (0.35 + v);
    const gy = Math.pow(v, 1.6);
    for (let x = 0; x < w; x++) {
      const u = x / (w - 1 || 1);
      // Real skies are not a vertical gradient: brighter towards the sun's side, with soft haze
      // bands near the horizon and slow colour drifts (what makes a flat gradient look drawn).
      const side = spec.sun ? Math.exp(-Math.abs(u - spec.sun.x) * 1.8) : 0.5 + 0.5 * u;
      const drift = fbm(u * aspect * 0.9, v * 0.9, { seed: spec.seed + 31, octaves: 3 }) - 0.5;
      const haze = (fbm(u * aspect * 1.5, v * 14, { seed: spec.seed + 47, octaves: 2 }) - 0.5) * gy;
      const gv = Math.min(1, Math.max(0, gy + 0.1 * (side - 0.5) * (1 - gy) + 0.12 * drift + 0.15 * haze));
      let r = mix(spec.top[0], spec.horizon[0], gv);
      let g = mix(spec.top[1], spec.horizon[1], gv);
      let b = mix(spec.top[2], spec.horizon[2], gv);
      const lift = 1 + 0.05 * (side - 0.5);
      r *= lift;
      g *= lift;
      b *= lift;
      if (cover > 0.05 && cover < 0.9) {
        // A thin high-cloud layer (cirrus): long streaks, faint, above the cumulus.
        const ci = fbm((u * aspect * 1.2) / (stretch * 2.5), v * 5 * persp, { seed: spec.seed + 59, octaves: 4 });
        const ca = 0.22 * smoothstep(0.58, 0.8, ci) * (1 - gy * 0.6);
        r = mix(r, spec.cloudLit[0], ca);
        g = mix(g, spec.cloudLit[1], ca);
        b = mix(b, spec.cloudLit[2], ca);
      }
      if (spec.sun) {
        const dx = (u - spec.sun.x) * aspect;
        const dy = v - spec.sun.y;
        const d = Math.sqrt(dx * dx + dy * dy);
        const glow =
          spec.sun.glow * Math.exp(-d / (spec.sun.radius * 6)) + smoothstep(spec.sun.radius, spec.sun.radius * 0.8, d);
        r = mix(r, spec.sun.colour[0], Math.min(1, glow));
        g = mix(g, spec.sun.colour[1], Math.min(1, glow));
        b = mix(b, spec.sun.colour[2], Math.min(1, glow));
      }
      if (cover > 0) {
        const nx = (u * aspect * 3) / stretch;
        const ny = v * 3 * persp;
        const n = fbm(nx, ny, { seed: spec.seed, octaves: 6 });
        const density = smoothstep(1 - cover - 0.05, 1 - cover + 0.35, n);
        if (density > 0) {
          // Lit tops / shaded bellies: compare with noise sampled slightly lower.
          const below = fbm(nx, ny + 0.08, { seed: spec.seed, octaves: 4 });
          const shade = smoothstep(-0.1, 0.15, below - n) * 0.8 + v * 0.2;
          const cr = mix(spec.cloudLit[0], spec.cloudShade[0], shade);
          const cg = mix(spec.cloudLit[1], spec.cloudShade[1], shade);
          const cb = mix(spec.cloudLit[2], spec.cloudShade[2], shade);
          const a = Math.min(1, density * (0.75 + 0.25 * cover));
          r = mix(r, cr, a);
          g = mix(g, cg, a);
          b = mix(b, cb, a);
        }
      }
      const o = 3 * (y * w + x);
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
    }
  }
  if (spec.moon) {
    const { x: mx, y: my, radius } = spec.moon;
    const cx = mx * w;
    const cy = my * h;
    const rad = radius * h;
    for (let y = Math.max(0, Math.floor(cy - rad * 4)); y < Math.min(h, cy + rad * 4); y++) {
      for (let x = Math.max(0, Math.floor(cx - rad * 4)); x < Math.min(w, cx + rad * 4); x++) {
        const d = Math.hypot(x - cx, y - cy) / rad;
        const disc = smoothstep(1.05, 0.95, d);
        const glow = 0.25 * Math.exp(-(d - 1) * 1.5) * (d > 1 ? 1 : 0);
        const o = 3 * (y * w + x);
        const tex = 0.9 + 0.1 * fbm((x / rad) * 2, (y / rad) * 2, { seed: spec.seed + 7, octaves: 3 });
        for (let k = 0; k < 3; k++) out[o + k] = Math.min(255, mix(out[o + k]!, 235 * tex, disc) + glow * 200);
      }
    }
  }
  return out;
}

function renderBackgroundBase(spec: BackgroundSpec, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  const c0 = spec.colours[0] ?? [255, 255, 255];
  const c1 = spec.colours[1] ?? c0;
  const c2 = spec.colours[2] ?? c1;
  const rand = mulberry32(spec.seed);
  const aspect = w / h;
  const bokeh: { x: number; y: number; r: number; c: Colour; a: number }[] = [];
  if (spec.style === "bokeh") {
    for (let k = 0; k < 70; k++) {
      const pick = rand();
      bokeh.push({
        x: rand(),
        y: rand(),
        r: 0.02 + 0.07 * rand() * rand(),
        c: pick < 0.5 ? c1 : c2,
        a: 0.25 + 0.5 * rand(),
      });
    }
  }
  for (let y = 0; y < h; y++) {
    const v = y / (h - 1 || 1);
    for (let x = 0; x < w; x++) {
      const u = x / (w - 1 || 1);
      let t = 0;
      const base: Colour = c0;
      let other: Colour = c1;
      switch (spec.style) {
        case "solid":
          t = 0;
          break;
        case "gradient":
          t = v;
          break;
        case "radial": {
          const d = Math.hypot((u - 0.5) * aspect, v - 0.45) / Math.hypot(0.5 * aspect, 0.55);
          t = smoothstep(0, 1, d);
          break;
        }
        case "sweep": {
          // Seamless paper: wall fades into the floor around 62 % height, lit centre, soft vignette.
          const floor = smoothstep(0.5, 0.8, v);
          const light = Math.exp(-(((u - 0.5) * aspect) ** 2) / 0.5 - (v - 0.45) ** 2 / 0.4);
          t = Math.min(1, 0.25 * floor + 0.55 * (1 - light));
          break;
        }
        case "marble": {
          const n = fbm(u * aspect * 3, v * 3, { seed: spec.seed, octaves: 6 });
          const veins = Math.pow(1 - Math.abs(Math.sin((u * aspect + v * 0.6) * 9 + n * 9)), 18);
          const fine = Math.pow(1 - Math.abs(Math.sin((u * aspect * 0.4 - v) * 23 + n * 14)), 40);
          t = Math.min(1, 0.7 * veins + 0.35 * fine + 0.12 * (n - 0.5));
          other = c1;
          break;
        }
        case "wood": {
          const n = fbm(u * aspect * 2, v * 14, { seed: spec.seed, octaves: 5 });
          const plank = Math.floor(v * 5);
          const ring = (u * aspect * 6 + n * 5 + plank * 1.7) % 1;
          const grain = fbm(u * aspect * 40, v * 300, { seed: spec.seed + 3, octaves: 2 });
          const seam = smoothstep(0.012, 0, Math.abs(v * 5 - Math.round(v * 5)));
          t = Math.min(1, 0.45 * smoothstep(0.3, 0.9, ring) + 0.35 * grain + 0.6 * seam);
          break;
        }
        case "concrete": {
          const n = fbm(u * aspect * 6, v * 6, { seed: spec.seed, octaves: 7 });
          const pit = hash2(Math.floor(u * w), Math.floor(v * h), spec.seed) > 0.996 ? 0.6 : 0;
          t = Math.min(1, Math.max(0, (n - 0.35) * 1.6 + pit));
          break;
        }
        case "linen": {
          const weave = 0.5 + 0.25 * Math.sin(u * w * 1.3) + 0.25 * Math.sin(v * h * 1.3);
          const slub = fbm(u * aspect * 4, v * 60, { seed: spec.seed, octaves: 3 });
          t = Math.min(1, 0.35 * weave + 0.5 * slub);
          break;
        }
        case "bokeh":
          t = v;
          break;
      }
      const o = 3 * (y * w + x);
      out[o] = mix(base[0], other[0], t);
      out[o + 1] = mix(base[1], other[1], t);
      out[o + 2] = mix(base[2], other[2], t);
    }
  }
  if (spec.style === "bokeh") {
    const s = Math.min(w, h);
    for (const disc of bokeh) {
      const cx = disc.x * w;
      const cy = disc.y * h;
      const rad = disc.r * s;
      for (let y = Math.max(0, Math.floor(cy - rad - 2)); y < Math.min(h, cy + rad + 2); y++) {
        for (let x = Math.max(0, Math.floor(cx - rad - 2)); x < Math.min(w, cx + rad + 2); x++) {
          const d = Math.hypot(x - cx, y - cy) / rad;
          const a = disc.a * smoothstep(1, 0.85, d) * (0.8 + 0.2 * d);
          if (a <= 0) continue;
          const o = 3 * (y * w + x);
          // Screen blend: overlapping lights add up without clipping to flat white.
          for (let k = 0; k < 3; k++) out[o + k] = 255 - ((255 - out[o + k]!) * (255 - disc.c[k]! * a)) / 255;
        }
      }
    }
  }
  return out;
}

function addStars(rgb: Rgb, opts: { density: number; seed: number }): void {
  const rand = mulberry32(opts.seed ^ 0x5bd1e995);
  const { width: w, height: h, data } = rgb;
  const count = Math.round(w * h * 0.0012 * opts.density);
  const px = Math.max(1, Math.round(Math.max(w, h) / 1600));
  for (let k = 0; k < count; k++) {
    const x = Math.floor(rand() * w);
    const y = Math.floor(Math.pow(rand(), 1.4) * h);
    const bright = Math.pow(rand(), 3) * (1 - y / h) * 255;
    for (let dy = 0; dy < px; dy++) {
      for (let dx = 0; dx < px; dx++) {
        const xx = Math.min(w - 1, x + dx);
        const yy = Math.min(h - 1, y + dy);
        const o = 3 * (yy * w + xx);
        for (let c = 0; c < 3; c++) data[o + c] = Math.min(255, data[o + c]! + bright);
      }
    }
  }
}

/**
 * Sensor-like grain (±2 levels, deterministic): a noiseless gradient next to a photo's noise is what
 * gives a drawn sky away at 100 %.
 */
function addGrain(rgb: Rgb, seed: number): void {
  const rand = mulberry32(seed ^ 0x5bd1e995);
  const { data } = rgb;
  for (let i = 0; i < data.length; i += 3) {
    const n = (rand() + rand() - 1) * 2.5;
    for (let c = 0; c < 3; c++) data[i + c] = Math.max(0, Math.min(255, Math.round(data[i + c]! + n)));
  }
}

/** Renders a scene at exactly width×height; deterministic for a given spec. */
export async function renderScene(spec: SceneSpec, size: { width: number; height: number }): Promise<Rgb> {
  const width = Math.max(1, Math.round(size.width));
  const height = Math.max(1, Math.round(size.height));
  const { w, h } = baseSize(width, height);
  const base = spec.kind === "sky" ? renderSkyBase(spec, w, h) : renderBackgroundBase(spec, w, h);
  let data: Uint8Array = base;
  if (w !== width || h !== height) {
    const buf = await sharp(base, { raw: { width: w, height: h, channels: 3 } })
      .resize(width, height, { fit: "fill", kernel: "cubic" })
      .raw()
      .toBuffer();
    data = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  }
  const rgb: Rgb = { width, height, data };
  if (spec.kind === "sky" && spec.stars) addStars(rgb, { density: spec.stars, seed: spec.seed });
  if (spec.kind === "sky") addGrain(rgb, spec.seed);
  return rgb;
}
