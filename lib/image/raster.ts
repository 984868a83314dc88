import sharp from "sharp";
import { AppError, isAppError } from "../errors";
import { MAX_INPUT_PIXELS } from "./options";

/** Interleaved 8-bit sRGB pixels. */
export type Rgb = { width: number; height: number; data: Uint8Array };
/** One float channel, row-major. */
export type Plane = { width: number; height: number; data: Float32Array };

sharp.cache(false);

export function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** Hermite step from 0 at e0 to 1 at e1 (e1 < e0 gives the falling step). */
export function smoothstep(e0: number, e1: number, x: number): number {
  const t = clamp01((x - e0) / (e1 - e0));
  return t * t * (3 - 2 * t);
}

/**
 * Decodes any accepted image to sRGB (converted from an embedded ICC profile such as Display P3),
 * honouring EXIF orientation (`rotate()`), at full resolution unless `maxSide` asks for less
 * (photos beyond MAX_INPUT_PIXELS are shrunk to it). Transparent inputs are flattened on white so
 * cut-outs stay readable.
 */
export async function decodeRgb(bytes: Buffer | Uint8Array, opts: { maxSide?: number } = {}): Promise<Rgb> {
  try {
    let img = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS * 4, failOn: "error" })
      .rotate()
      .flatten({ background: "#ffffff" })
      .toColourspace("srgb");
    const meta = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS * 4 }).metadata();
    const swap = (meta.orientation ?? 1) >= 5;
    const w0 = (swap ? meta.height : meta.width) ?? 0;
    const h0 = (swap ? meta.width : meta.height) ?? 0;
    const pixelScale = Math.min(1, Math.sqrt(MAX_INPUT_PIXELS / Math.max(1, w0 * h0)));
    const limit = Math.min(opts.maxSide ?? Infinity, Math.floor(Math.max(w0, h0) * pixelScale));
    if (Math.max(w0, h0) > limit) img = img.resize(limit, limit, { fit: "inside" });
    const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (error) {
    if (isAppError(error)) throw error;
    throw new AppError("image_corrupt", "The image could not be decoded.", { cause: error });
  }
}

/** Resizes an RGB raster with sharp (fit "fill"). */
export async function resizeRgb(rgb: Rgb, width: number, height: number): Promise<Rgb> {
  if (rgb.width === width && rgb.height === height) return rgb;
  const data = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .resize(width, height, { fit: "fill", kernel: width < rgb.width ? "lanczos3" : "cubic" })
    .raw()
    .toBuffer();
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Long side of `rgb` brought to at most `maxSide` (never enlarged). */
export async function shrinkRgb(rgb: Rgb, maxSide: number): Promise<Rgb> {
  const scale = Math.min(1, maxSide / Math.max(rgb.width, rgb.height));
  if (scale >= 1) return rgb;
  return resizeRgb(rgb, Math.max(1, Math.round(rgb.width * scale)), Math.max(1, Math.round(rgb.height * scale)));
}

/** An image painted pixel by pixel: `colourAt(x, y)` gives R, G, B (clamped to 0–255, rounded). */
export function paintRgb(width: number, height: number, colourAt: (x: number, y: number) => readonly number[]): Rgb {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i += 3) {
      const c = colourAt(x, y);
      for (let k = 0; k < 3; k++) data[i + k] = Math.min(255, Math.max(0, Math.round(c[k]!)));
    }
  }
  return { width, height, data };
}

export function luminance(rgb: Rgb): Float32Array {
  const n = rgb.width * rgb.height;
  const out = new Float32Array(n);
  const d = rgb.data;
  for (let i = 0, j = 0; j < n; i += 3, j++) out[j] = (0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!) / 255;
  return out;
}

/**
 * Separable box blur with running sums (radius r, clamp-to-edge), O(n) whatever r. The vertical pass
 * walks rows with one accumulator per column: column-wise walks were cache-bound on 4000 px images.
 */
export function boxBlur(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const out = new Float32Array(w * h);
  if (r < 1) {
    out.set(src);
    return out;
  }
  const tmp = new Float32Array(w * h);
  const inv = 1 / (2 * r + 1);
  const wl = w - 1;
  for (let y = 0; y < h; y++) {
    const o = y * w;
    let s = 0;
    for (let k = -r; k <= r; k++) s += src[o + (k < 0 ? 0 : k > wl ? wl : k)]!;
    for (let x = 0; x < w; x++) {
      tmp[o + x] = s * inv;
      const a = x + r + 1;
      const b = x - r;
      s += src[o + (a > wl ? wl : a)]! - src[o + (b < 0 ? 0 : b)]!;
    }
  }
  const acc = new Float64Array(w);
  const hl = h - 1;
  for (let k = -r; k <= r; k++) {
    const ro = (k < 0 ? 0 : k > hl ? hl : k) * w;
    for (let x = 0; x < w; x++) acc[x]! += tmp[ro + x]!;
  }
  for (let y = 0; y < h; y++) {
    const o = y * w;
    const a = y + r + 1;
    const b = y - r;
    const ao = (a > hl ? hl : a) * w;
    const bo = (b < 0 ? 0 : b) * w;
    for (let x = 0; x < w; x++) {
      const v = acc[x]!;
      out[o + x] = v * inv;
      acc[x] = v + tmp[ao + x]! - tmp[bo + x]!;
    }
  }
  return out;
}

/** Direct window reads per image pixel above which the sparse guided filter stops paying (measured). */
const SPARSE_READS_PER_PIXEL = 2;

/**
 * Indices of the pixels within Chebyshev distance r of the listed ones (each once), or undefined
 * once more than `limit` are found.
 */
function dilateList(list: Int32Array, w: number, h: number, r: number, limit: number): Int32Array | undefined {
  const seen = new Uint8Array(w * h);
  const out = new Int32Array(limit);
  let count = 0;
  for (const i of list) {
    const x = i % w;
    const y = (i - x) / w;
    for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) {
      for (let xx = Math.max(0, x - r), j = yy * w + xx; xx <= Math.min(w - 1, x + r); xx++, j++) {
        if (seen[j]) continue;
        if (count === limit) return undefined;
        seen[j] = 1;
        out[count++] = j;
      }
    }
  }
  return out.subarray(0, count);
}

/**
 * Windows of radius r that may hold more than one value of p: both ends of every differing
 * neighbour pair, dilated by r (a superset). Undefined when they are too many for the sparse path.
 */
function varyingWindows(p: Float32Array, w: number, h: number, r: number): Int32Array | undefined {
  const n = w * h;
  const limit = Math.floor((SPARSE_READS_PER_PIXEL * n) / (2 * r + 1) ** 2);
  const edges = new Int32Array(limit);
  let count = 0;
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      const v = p[i]!;
      const differs =
        (x + 1 < w && p[i + 1] !== v) ||
        (y + 1 < h && p[i + w] !== v) ||
        (x > 0 && p[i - 1] !== v) ||
        (y > 0 && p[i - w] !== v);
      if (!differs) continue;
      if (count === limit) return undefined;
      edges[count++] = i;
    }
  }
  return dilateList(edges.subarray(0, count), w, h, r, limit);
}

/**
 * Guided filter coefficients where p is constant almost everywhere (a mask that is 0 or 1 except
 * along its edges): a window of constant p has a = 0 and b = p, so only the windows that vary, and
 * the pixels next to them, are computed, by direct sums (clamp-to-edge, like `boxBlur`).
 */
function sparseGuidedCoefficients(
  guide: Float32Array,
  p: Float32Array,
  w: number,
  h: number,
  opts: { r: number; eps: number; windows: Int32Array },
) {
  const { r, eps, windows } = opts;
  const n = w * h;
  const inv = 1 / (2 * r + 1) ** 2;
  const a = new Float32Array(n);
  const b = p.slice();
  for (const i of windows) {
    const x = i % w;
    const y = (i - x) / w;
    let sI = 0;
    let sp = 0;
    let sIp = 0;
    let sII = 0;
    for (let yy = y - r; yy <= y + r; yy++) {
      const ro = (yy < 0 ? 0 : yy >= h ? h - 1 : yy) * w;
      for (let xx = x - r; xx <= x + r; xx++) {
        const j = ro + (xx < 0 ? 0 : xx >= w ? w - 1 : xx);
        const I = guide[j]!;
        const v = p[j]!;
        sI += I;
        sp += v;
        sIp += I * v;
        sII += I * I;
      }
    }
    const mI = sI * inv;
    const mp = sp * inv;
    const ai = (sIp * inv - mI * mp) / (sII * inv - mI * mI + eps);
    a[i] = ai;
    b[i] = mp - ai * mI;
  }
  const as = new Float32Array(n);
  const bs = p.slice();
  for (const i of dilateList(windows, w, h, r, n)!) {
    const x = i % w;
    const y = (i - x) / w;
    let sa = 0;
    let sb = 0;
    for (let yy = y - r; yy <= y + r; yy++) {
      const ro = (yy < 0 ? 0 : yy >= h ? h - 1 : yy) * w;
      for (let xx = x - r; xx <= x + r; xx++) {
        const j = ro + (xx < 0 ? 0 : xx >= w ? w - 1 : xx);
        sa += a[j]!;
        sb += b[j]!;
      }
    }
    as[i] = sa * inv;
    bs[i] = sb * inv;
  }
  return { a: as, b: bs };
}

/** Guided filter coefficients (He et al.): q = a·I + b, smoothed. */
export function guidedCoefficients(
  guide: Float32Array,
  p: Float32Array,
  w: number,
  h: number,
  opts: { r: number; eps: number },
): { a: Float32Array; b: Float32Array } {
  const windows = varyingWindows(p, w, h, opts.r);
  if (windows) return sparseGuidedCoefficients(guide, p, w, h, { ...opts, windows });
  const n = w * h;
  const ip = new Float32Array(n);
  const ii = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    ip[i] = guide[i]! * p[i]!;
    ii[i] = guide[i]! * guide[i]!;
  }
  const mI = boxBlur(guide, w, h, opts.r);
  const mp = boxBlur(p, w, h, opts.r);
  const mIp = boxBlur(ip, w, h, opts.r);
  const mII = boxBlur(ii, w, h, opts.r);
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const cov = mIp[i]! - mI[i]! * mp[i]!;
    const v = mII[i]! - mI[i]! * mI[i]!;
    a[i] = cov / (v + opts.eps);
    b[i] = mp[i]! - a[i]! * mI[i]!;
  }
  return { a: boxBlur(a, w, h, opts.r), b: boxBlur(b, w, h, opts.r) };
}

export function guidedFilter(
  guide: Float32Array,
  p: Float32Array,
  w: number,
  h: number,
  opts: { r: number; eps: number },
): Float32Array {
  const { a, b } = guidedCoefficients(guide, p, w, h, opts);
  const q = new Float32Array(w * h);
  for (let i = 0; i < q.length; i++) q[i] = clamp01(a[i]! * guide[i]! + b[i]!);
  return q;
}

/** A mask upsampled by `guidedUpsample`, with where it can be soft. */
export type UpsampledMask = {
  alpha: Float32Array;
  /**
   * Full-resolution pixels of the coarse cells where the mask varies, and of the cells next to
   * them. Every other pixel is exactly 0 or 1, like its neighbours.
   */
  band: Int32Array;
  /** Sum of alpha outside the band, and the bounding box of its pixels above 0.5 (maxX < 0: none). */
  outside: { sum: number; minX: number; minY: number; maxX: number; maxY: number };
};

/** Source position of each full-resolution pixel on a coarse axis: cell index and fraction. */
function cellAxis(full: number, coarse: number): { cell: Int32Array; frac: Float32Array; start: Int32Array } {
  const cells = Math.max(1, coarse - 1);
  const cell = new Int32Array(full);
  const frac = new Float32Array(full);
  const start = new Int32Array(cells + 1).fill(full);
  for (let x = full - 1; x >= 0; x--) {
    const s = Math.min(coarse - 1, Math.max(0, ((x + 0.5) * coarse) / full - 0.5));
    const c = coarse === 1 ? 0 : Math.min(coarse - 2, Math.floor(s));
    cell[x] = c;
    frac[x] = coarse === 1 ? 0 : s - c;
    start[c] = x;
  }
  // Cells no pixel falls in start where the next one does.
  for (let c = cells - 1; c >= 0; c--) start[c] = Math.min(start[c]!, start[c + 1]!);
  return { cell, frac, start };
}

/**
 * Edge-aware upsampling ("fast guided filter", He & Sun 2015): the linear model a·I + b is fitted
 * on the small mask, its coefficients are interpolated bilinearly and applied to the full-resolution
 * guide (luminance of `full`), so mask edges snap to the real image edges instead of being blurred
 * by a plain resize. Where a coarse cell's four coefficients say "constantly 0" or "constantly 1"
 * (a = 0, b = 0 or 1), its pixels are filled without reading the photo: on a 16 MP photo most of a
 * mask is such cells.
 */
export function guidedUpsample(args: {
  low: Plane;
  lowGuide: Float32Array;
  full: Rgb;
  r: number;
  eps: number;
}): UpsampledMask {
  const { low, full } = args;
  const { width: W, height: H, data: rgb } = full;
  const { a, b } = guidedCoefficients(args.lowGuide, low.data, low.width, low.height, { r: args.r, eps: args.eps });
  const w = low.width;
  const h = low.height;
  const X = cellAxis(W, w);
  const Y = cellAxis(H, h);
  const cw = Math.max(1, w - 1);
  const ch = Math.max(1, h - 1);
  const x1of = (c: number) => (w === 1 ? c : c + 1);
  const y1of = (c: number) => (h === 1 ? c : c + 1);
  // Each coefficient pair's constant value: 1 where a = 0 and b = 0, 2 where a = 0 and b = 1, else 0.
  const tol = 1e-5;
  const code = new Uint8Array(w * h);
  for (let k = 0; k < code.length; k++) {
    if (Math.abs(a[k]!) >= tol) continue;
    const bk = b[k]!;
    code[k] = Math.abs(bk) < tol ? 1 : Math.abs(bk - 1) < tol ? 2 : 0;
  }
  // Value of each cell whose four corners are constantly 0 or 1, NaN where the mask varies (or is
  // constantly in between).
  const flat = new Float32Array(cw * ch);
  for (let cy = 0; cy < ch; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      const c0 = code[cy * w + cx]!;
      const same =
        c0 !== 0 &&
        code[cy * w + x1of(cx)] === c0 &&
        code[y1of(cy) * w + cx] === c0 &&
        code[y1of(cy) * w + x1of(cx)] === c0;
      flat[cy * cw + cx] = same ? c0 - 1 : Number.NaN;
    }
  }
  const alpha = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const cy = Y.cell[y]!;
    const fy = Y.frac[y]!;
    const r0 = cy * w;
    const r1 = y1of(cy) * w;
    const o = y * W;
    const flatRow = cy * cw;
    for (let cx = 0; cx < cw;) {
      const v = flat[flatRow + cx]!;
      if (!Number.isNaN(v)) {
        let end = cx + 1;
        while (end < cw && flat[flatRow + end] === v) end++;
        alpha.fill(v, o + X.start[cx]!, o + X.start[end]!);
        cx = end;
        continue;
      }
      const x0 = cx;
      const x1 = x1of(cx);
      for (let x = X.start[cx]!, stop = X.start[cx + 1]!; x < stop; x++) {
        const fx = X.frac[x]!;
        const A0 = a[r0 + x0]! + (a[r0 + x1]! - a[r0 + x0]!) * fx;
        const A1 = a[r1 + x0]! + (a[r1 + x1]! - a[r1 + x0]!) * fx;
        const B0 = b[r0 + x0]! + (b[r0 + x1]! - b[r0 + x0]!) * fx;
        const B1 = b[r1 + x0]! + (b[r1 + x1]! - b[r1 + x0]!) * fx;
        const k = 3 * (o + x);
        const lum = (0.299 * rgb[k]! + 0.587 * rgb[k + 1]! + 0.114 * rgb[k + 2]!) / 255;
        alpha[o + x] = clamp01((A0 + (A1 - A0) * fy) * lum + B0 + (B1 - B0) * fy);
      }
      cx++;
    }
  }
  // Band: varying cells and their 8 neighbours; everything else is summarised per cell.
  const inBand = new Uint8Array(cw * ch);
  let bandSize = 0;
  for (let cy = 0; cy < ch; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      if (!Number.isNaN(flat[cy * cw + cx]!)) continue;
      for (let dy = Math.max(0, cy - 1); dy <= Math.min(ch - 1, cy + 1); dy++) {
        for (let dx = Math.max(0, cx - 1); dx <= Math.min(cw - 1, cx + 1); dx++) inBand[dy * cw + dx] = 1;
      }
    }
  }
  const outside = { sum: 0, minX: W, minY: H, maxX: -1, maxY: -1 };
  for (let cy = 0; cy < ch; cy++) {
    const ys = Y.start[cy]!;
    const ye = Y.start[cy + 1]!;
    for (let cx = 0; cx < cw; cx++) {
      const xs = X.start[cx]!;
      const xe = X.start[cx + 1]!;
      const area = (xe - xs) * (ye - ys);
      if (inBand[cy * cw + cx]) {
        bandSize += area;
        continue;
      }
      const v = flat[cy * cw + cx]!;
      outside.sum += v * area;
      if (v > 0.5 && area > 0) {
        outside.minX = Math.min(outside.minX, xs);
        outside.minY = Math.min(outside.minY, ys);
        outside.maxX = Math.max(outside.maxX, xe - 1);
        outside.maxY = Math.max(outside.maxY, ye - 1);
      }
    }
  }
  const band = new Int32Array(bandSize);
  let k = 0;
  for (let cy = 0; cy < ch; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      if (!inBand[cy * cw + cx]) continue;
      for (let y = Y.start[cy]!; y < Y.start[cy + 1]!; y++)
        for (let x = X.start[cx]!; x < X.start[cx + 1]!; x++) band[k++] = y * W + x;
    }
  }
  return { alpha, band, outside };
}

/** Bilinear resize of a float plane (pixel centres aligned). */
export function resizePlane(src: Plane, W: number, H: number): Plane {
  const { width: w, height: h, data } = src;
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / H - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < W; x++) {
      const sx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / W - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = sx - x0;
      const t = data[y0 * w + x0]! + (data[y0 * w + x1]! - data[y0 * w + x0]!) * fx;
      const u = data[y1 * w + x0]! + (data[y1 * w + x1]! - data[y1 * w + x0]!) * fx;
      out[y * W + x] = t + (u - t) * fy;
    }
  }
  return { width: W, height: H, data: out };
}

/** Bilinear sampler of a small plane at the pixel coordinates of a W×H image (no per-call allocation). */
export function planeSampler(p: Plane, W: number, H: number): (x: number, y: number) => number {
  const { width: w, height: h, data } = p;
  const kx = w / W;
  const ky = h / H;
  return (x, y) => {
    let sx = (x + 0.5) * kx - 0.5;
    let sy = (y + 0.5) * ky - 0.5;
    sx = sx < 0 ? 0 : sx > w - 1 ? w - 1 : sx;
    sy = sy < 0 ? 0 : sy > h - 1 ? h - 1 : sy;
    const x0 = sx | 0;
    const y0 = sy | 0;
    const x1 = x0 + 1 < w ? x0 + 1 : x0;
    const y1 = y0 + 1 < h ? y0 + 1 : y0;
    const fx = sx - x0;
    const fy = sy - y0;
    const r0 = y0 * w;
    const r1 = y1 * w;
    const t = data[r0 + x0]! + (data[r0 + x1]! - data[r0 + x0]!) * fx;
    const u = data[r1 + x0]! + (data[r1 + x1]! - data[r1 + x0]!) * fx;
    return t + (u - t) * fy;
  };
}

/** Mean-pools a plane by an integer factor (edges use partial blocks). */
export function poolPlane(src: Plane, f: number): Plane {
  const w = Math.max(1, Math.ceil(src.width / f));
  const h = Math.max(1, Math.ceil(src.height / f));
  const sum = new Float32Array(w * h);
  const col = new Int32Array(src.width);
  for (let x = 0; x < src.width; x++) col[x] = (x / f) | 0;
  for (let y = 0, i = 0; y < src.height; y++) {
    const ro = ((y / f) | 0) * w;
    for (let x = 0; x < src.width; x++, i++) sum[ro + col[x]!]! += src.data[i]!;
  }
  // Edge blocks may be partial.
  const lastW = src.width - (w - 1) * f;
  const lastH = src.height - (h - 1) * f;
  for (let y = 0, j = 0; y < h; y++) {
    const bh = y === h - 1 ? lastH : f;
    for (let x = 0; x < w; x++, j++) sum[j] = sum[j]! / (bh * (x === w - 1 ? lastW : f));
  }
  return { width: w, height: h, data: sum };
}

export function planeToGrey(p: Float32Array): Uint8Array {
  const out = new Uint8Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = Math.round(clamp01(p[i]!) * 255);
  return out;
}

/**
 * Local mean colour of the pixels selected by `weight` (normalised convolution with a box of radius
 * `r`): used as the "old background/sky colour" behind a soft edge. The means are smooth, so they are
 * computed on a grid pooled by ≈ r/6 (one pass over the raster, then small blurs) and returned at that
 * size: read them with `planeSampler`. NaN where no selected pixel is near.
 */
export function localMeanColour(args: { rgb: Rgb; weight: Float32Array; r: number }): Plane[] {
  const { rgb, weight, r } = args;
  const { width: W, height: H, data } = rgb;
  const f = Math.max(1, Math.round(r / 6));
  const w = Math.ceil(W / f);
  const h = Math.ceil(H / f);
  const sums = [
    new Float32Array(w * h),
    new Float32Array(w * h),
    new Float32Array(w * h),
    new Float32Array(w * h),
  ] as const;
  const [sw, sr, sg, sb] = sums;
  const col = new Int32Array(W);
  for (let x = 0; x < W; x++) col[x] = (x / f) | 0;
  for (let y = 0, i = 0; y < H; y++) {
    const ro = ((y / f) | 0) * w;
    for (let x = 0; x < W; x++, i++) {
      const wt = weight[i]!;
      if (wt === 0) continue;
      const j = ro + col[x]!;
      sw[j]! += wt;
      sr[j]! += wt * data[3 * i]!;
      sg[j]! += wt * data[3 * i + 1]!;
      sb[j]! += wt * data[3 * i + 2]!;
    }
  }
  // Block sums, not means: partial edge blocks weigh less, as they cover fewer pixels.
  const rl = Math.max(1, Math.round(r / f));
  const ws = boxBlur(sw, w, h, rl);
  const threshold = 1e-3 * f * f;
  return [sr, sg, sb].map((s) => {
    const m = boxBlur(s, w, h, rl);
    for (let i = 0; i < m.length; i++) m[i] = ws[i]! > threshold ? m[i]! / (255 * ws[i]!) : Number.NaN;
    return { width: w, height: h, data: m };
  });
}
