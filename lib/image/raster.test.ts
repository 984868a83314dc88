import { describe, expect, it } from "vitest";
import {
  type Rgb,
  boxBlur,
  guidedCoefficients,
  guidedFilter,
  guidedUpsample,
  localMeanColour,
  luminance,
  planeSampler,
  poolPlane,
} from "./raster";

/** The guided filter written out with six full box blurs (He et al.), as the reference. */
function referenceGuidedFilter(
  I: Float32Array,
  p: Float32Array,
  w: number,
  h: number,
  r: number,
  eps: number,
): Float32Array {
  const n = w * h;
  const mul = (x: Float32Array, y: Float32Array) => x.map((v, i) => v * y[i]!);
  const mI = boxBlur(I, w, h, r);
  const mp = boxBlur(p, w, h, r);
  const mIp = boxBlur(mul(I, p), w, h, r);
  const mII = boxBlur(mul(I, I), w, h, r);
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = (mIp[i]! - mI[i]! * mp[i]!) / (mII[i]! - mI[i]! * mI[i]! + eps);
    b[i] = mp[i]! - a[i]! * mI[i]!;
  }
  const A = boxBlur(a, w, h, r);
  const B = boxBlur(b, w, h, r);
  return A.map((v, i) => Math.min(1, Math.max(0, v * I[i]! + B[i]!)));
}

function maxDiff(x: Float32Array, y: Float32Array): number {
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
}

describe("guidedFilter", () => {
  // Large enough for the sparse path at r = 3 (edge windows under 2 reads per pixel).
  const w = 600;
  const h = 400;
  // A textured guide and a mask that is 0/1 except along a wavy edge (the sparse path) or noisy (the dense one).
  const guide = Float32Array.from({ length: w * h }, (_, i) => 0.5 + 0.4 * Math.sin(i * 0.37) * Math.cos(i * 0.011));
  const wavy = Float32Array.from({ length: w * h }, (_, i) => {
    const x = i % w;
    const y = Math.floor(i / w);
    const edge = 200 + 15 * Math.sin(x / 40);
    return y < edge - 1 ? 1 : y > edge + 1 ? 0 : 0.5;
  });
  const noisy = Float32Array.from({ length: w * h }, (_, i) => ((Math.sin(i * 12.9898) * 43758.5453) % 1 > 0 ? 1 : 0));

  for (const r of [1, 3]) {
    it(`matches the box-filter formulation on a mostly constant mask (r = ${r})`, () => {
      const q = guidedFilter(guide, wavy, w, h, { r, eps: 1e-4 });
      expect(maxDiff(q, referenceGuidedFilter(guide, wavy, w, h, r, 1e-4))).toBeLessThan(1e-4);
      // Far from the edge the mask is left as it is; on the edge the guide's texture shows through.
      expect(q[5 * w + 10]).toBe(1);
      expect(q[390 * w + 10]).toBe(0);
      const band = Array.from(q).filter((v, i) => wavy[i] === 0.5);
      expect(new Set(band.map((v) => v.toFixed(3))).size).toBeGreaterThan(10);
    });

    it(`matches it on a mask that varies everywhere (r = ${r})`, () => {
      const q = guidedFilter(guide, noisy, w, h, { r, eps: 1e-4 });
      expect(maxDiff(q, referenceGuidedFilter(guide, noisy, w, h, r, 1e-4))).toBeLessThan(1e-4);
    });
  }
});

describe("localMeanColour", () => {
  it("averages the selected pixels nearby and is NaN where none is near", () => {
    const w = 200;
    const h = 100;
    const data = new Uint8Array(w * h * 3);
    const weight = new Float32Array(w * h);
    for (let i = 0; i < w * h; i++) {
      const x = i % w;
      // Left quarter: selected, alternating red and blue columns (mean purple); the rest green.
      const selected = x < 50;
      data.set(selected ? (x % 2 ? [255, 0, 0] : [0, 0, 255]) : [0, 255, 0], 3 * i);
      weight[i] = selected ? 1 : 0;
    }
    const planes = localMeanColour({ rgb: { width: w, height: h, data }, weight, r: 24 });
    const [R, G, B] = planes.map((p) => planeSampler(p, w, h)) as [
      (x: number, y: number) => number,
      (x: number, y: number) => number,
      (x: number, y: number) => number,
    ];
    for (const x of [10, 40, 60]) {
      expect(R(x, 50)).toBeCloseTo(0.5, 1);
      expect(G(x, 50)).toBeCloseTo(0, 5);
      expect(B(x, 50)).toBeCloseTo(0.5, 1);
    }
    expect(R(190, 50)).toBeNaN();
  });
});

describe("poolPlane", () => {
  it("means whole and partial blocks", () => {
    const p = poolPlane(
      { width: 5, height: 3, data: Float32Array.from([1, 1, 2, 2, 9, 1, 1, 2, 2, 9, 3, 3, 4, 4, 5]) },
      2,
    );
    expect(p.width).toBe(3);
    expect(p.height).toBe(2);
    expect(Array.from(p.data)).toEqual([1, 2, 9, 3, 4, 5]);
  });
});

describe("guidedUpsample", () => {
  // A 4000×3000-like case in miniature: a 0/1 disc at 100×75 upsampled 4× onto a textured photo.
  const w = 100;
  const h = 75;
  const W = 400;
  const H = 300;
  const low = {
    width: w,
    height: h,
    data: Float32Array.from({ length: w * h }, (_, i) =>
      ((i % w) - 50) ** 2 + (Math.floor(i / w) - 37) ** 2 < 20 ** 2 ? 1 : 0,
    ),
  };
  const full: Rgb = { width: W, height: H, data: Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 37) % 251) };
  const lowGuide = Float32Array.from({ length: w * h }, (_, i) => 0.3 + 0.2 * Math.sin(i));
  const up = guidedUpsample({ low, lowGuide, full, r: 2, eps: 1e-4 });

  it("computes every pixel as the per-pixel formula does", () => {
    const { a, b } = guidedCoefficients(lowGuide, low.data, w, h, { r: 2, eps: 1e-4 });
    const A = planeSampler({ width: w, height: h, data: a }, W, H);
    const B = planeSampler({ width: w, height: h, data: b }, W, H);
    const L = luminance(full);
    let worst = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const expected = Math.min(1, Math.max(0, A(x, y) * L[y * W + x]! + B(x, y)));
        worst = Math.max(worst, Math.abs(expected - up.alpha[y * W + x]!));
      }
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it("keeps soft pixels inside the band and summarises the rest", () => {
    const inBand = new Uint8Array(W * H);
    for (const i of up.band) inBand[i] = 1;
    let sum = 0;
    let total = 0;
    let notBinary = 0;
    let minX = W;
    let maxX = -1;
    for (let i = 0; i < W * H; i++) {
      const v = up.alpha[i]!;
      total += v;
      if (inBand[i]) continue;
      if (v !== 0 && v !== 1) notBinary++;
      sum += v;
      if (v > 0.5) {
        minX = Math.min(minX, i % W);
        maxX = Math.max(maxX, i % W);
      }
    }
    expect(notBinary).toBe(0);
    // The disc's edge is soft and in the band; its interior and the background are not.
    expect(up.band.length).toBeGreaterThan(0);
    expect(up.band.length).toBeLessThan(0.3 * W * H);
    expect(up.outside.sum).toBeCloseTo(sum, 3);
    expect([up.outside.minX, up.outside.maxX]).toEqual([minX, maxX]);
    expect(total / (Math.PI * 80 ** 2)).toBeCloseTo(1, 1);
  });
});
