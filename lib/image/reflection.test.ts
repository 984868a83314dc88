import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { ImageInput } from "./types";
import { replaceSky } from "./engine";
import { decodeRgb } from "./raster";
import { detectWaterReflection } from "./reflection";
import { computeSkyMatte } from "./sky-mask";
import { fixture, rawOf } from "./test-support/fixtures";

const W = 480;
const H = 320;
const SKY_END = Math.round(0.45 * H); // the skyline
const SHORE = Math.round(0.56 * H); // the waterline: a dark strip of land between them

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

const skyAt = (y: number): [number, number, number] => {
  const t = y / SKY_END;
  return [60 + 120 * t, 110 + 100 * t, 200 + 40 * t];
};

/**
 * A blue gradient sky, a dark textured strip of land and, below, either a lake (the scene mirrored about
 * the shore, darker and bluer, with horizontal ripples) or more land with a blue car-like block.
 */
function scene(kind: "lake" | "car"): Uint8Array {
  const d = new Uint8Array(W * H * 3);
  const rnd = rng(7);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let c: [number, number, number];
      if (y < SKY_END) c = skyAt(y);
      else if (y < SHORE || kind === "car") {
        const n = rnd() * 40 - 20;
        c = [70 + n, 80 + n, 45 + n];
      } else {
        const ym = 2 * SHORE - y;
        const ripple = 1 + 0.05 * Math.sin(y * 1.3 + 2 * Math.sin(x * 0.05)) + (rnd() - 0.5) * 0.03;
        // The land strip's reflection near the shore, the sky's below it.
        const s = ym >= SKY_END ? [50 / 0.7, 58 / 0.7, 40 / 0.7] : skyAt(ym);
        c = [s[0]! * 0.7 * ripple, s[1]! * 0.7 * ripple, (s[2]! * 0.7 + 8) * ripple];
      }
      if (kind === "car" && y > 0.7 * H && y < 0.85 * H && x > 0.25 * W && x < 0.6 * W) {
        // Saturated, textured blue: not a reflection of this sky.
        const n = rnd() * 60 - 30;
        c = [20 + n / 2, 50 + n, 210 + n];
      }
      const o = 3 * (y * W + x);
      for (let k = 0; k < 3; k++) d[o + k] = Math.max(0, Math.min(255, Math.round(c[k]!)));
    }
  }
  return d;
}

async function input(data: Uint8Array): Promise<ImageInput> {
  const bytes = await sharp(data, { raw: { width: W, height: H, channels: 3 } })
    .png()
    .toBuffer();
  return { bytes, mime: "image/png", width: W, height: H };
}

/** Mean RGB of rows [y0, y1) of a decoded result. */
function meanRows(data: Buffer, y0: number, y1: number): [number, number, number] {
  const s = [0, 0, 0];
  for (let y = y0; y < y1; y++)
    for (let x = 0; x < W; x++) for (let k = 0; k < 3; k++) s[k]! += data[3 * (y * W + x) + k]!;
  const n = (y1 - y0) * W;
  return [s[0]! / n, s[1]! / n, s[2]! / n];
}

const chroma = (c: number[]) => c.map((v) => v / (c[0]! + c[1]! + c[2]! + 1));
const dist = (a: number[], b: number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
const LAKE: [number, number] = [Math.round(0.75 * H), Math.round(0.97 * H)]; // mirrors the sky, not the shore
const LAND: [number, number] = [SKY_END + 6, SHORE - 4];
const sunset = { kind: "preset" as const, presetId: "sunset-orange" };

describe("water reflections in sky replacement", () => {
  it("mirrors the new sky in a lake: the lake takes the sunset's colours, the land strip does not change", async () => {
    const image = await input(scene("lake"));
    const on = await replaceSky({ image, sky: sunset, harmonize: 0.5, horizonShift: 0, format: "png" });
    const off = await replaceSky({
      image,
      sky: sunset,
      harmonize: 0.5,
      horizonShift: 0,
      format: "png",
      reflection: false,
    });
    expect([on.width, on.height]).toEqual([W, H]);
    const wr = on.meta?.waterReflection as { coverage: number; confidence: number };
    expect(wr.coverage).toBeGreaterThan(0.15);
    expect(wr.confidence).toBeGreaterThan(0.5);
    const a = (await rawOf(on.bytes)).data;
    const b = (await rawOf(off.bytes)).data;
    const lakeOn = meanRows(a, ...LAKE);
    const lakeOff = meanRows(b, ...LAKE);
    // The old reflection is blue (B ≫ R); the new one is warm like the mirrored sunset.
    expect(lakeOff[2] - lakeOff[0]).toBeGreaterThan(40);
    expect(lakeOn[2] - lakeOn[0]).toBeLessThan(lakeOff[2] - lakeOff[0] - 30);
    // Its hue is that of the new sky seen in the mirror (the output's own sky rows mirrored about the shore).
    const mirrored = meanRows(a, 2 * SHORE - LAKE[1], 2 * SHORE - LAKE[0]);
    expect(dist(chroma(lakeOn), chroma(mirrored))).toBeLessThan(0.3 * dist(chroma(lakeOff), chroma(mirrored)));
    // Darker than the sky it mirrors, as real reflections are.
    expect(lakeOn[0] + lakeOn[1] + lakeOn[2]).toBeLessThan(mirrored[0] + mirrored[1] + mirrored[2]);
    // The land strip between sky and water is the same with and without the reflection.
    expect(dist(meanRows(a, ...LAND), meanRows(b, ...LAND))).toBeLessThan(1.5);
    // The water's ripples survive: relative row-to-row changes of brightness stay comparable.
    const ripple = (img: Buffer) => {
      let r = 0;
      for (let y = LAKE[0]; y < LAKE[1] - 1; y++) {
        const l0 = meanRows(img, y, y + 1).reduce((p, v) => p + v, 0);
        const l1 = meanRows(img, y + 1, y + 2).reduce((p, v) => p + v, 0);
        r += Math.abs(l1 - l0) / (l0 + l1);
      }
      return r / (LAKE[1] - LAKE[0] - 1);
    };
    expect(ripple(a)).toBeGreaterThan(0.7 * ripple(b));
  });

  it("leaves the lake's colour alone with reflection: false (only the light is blended)", async () => {
    const data = scene("lake");
    const image = await input(data);
    const off = await replaceSky({
      image,
      sky: sunset,
      harmonize: 0,
      horizonShift: 0,
      format: "png",
      reflection: false,
    });
    expect(off.meta?.waterReflection).toBeUndefined();
    const a = (await rawOf(off.bytes)).data;
    expect(dist(meanRows(a, ...LAKE), meanRows(Buffer.from(data), ...LAKE))).toBeLessThan(1);
  });

  it("finds no water in a scene with a blue car-like block on the ground", async () => {
    const image = await input(scene("car"));
    const res = await replaceSky({ image, sky: sunset, harmonize: 0.5, horizonShift: 0, format: "png" });
    expect(res.meta?.waterReflection).toBeUndefined();
  });

  it("finds no water in the cameraman photo (grey sky over a grey field)", async () => {
    const camera = await fixture("camera");
    const full = await decodeRgb(camera.bytes);
    const matte = await computeSkyMatte(full);
    const r = detectWaterReflection(matte.refine.rgb, matte.refine.alpha);
    expect(r.coverage).toBe(0);
    expect(r.waterline).toBe(-1);
  });

  it("puts the waterline at the shore, not at the top of the sky's reflection", async () => {
    const matte = await computeSkyMatte({ width: W, height: H, data: scene("lake") });
    const r = detectWaterReflection(matte.refine.rgb, matte.refine.alpha);
    expect(Math.abs(r.waterline - SHORE)).toBeLessThanOrEqual(6);
    // The shore's own reflection (just below the waterline) is not replaced.
    const { width: w, height: h, data } = r.weight;
    const row = Math.round(((SHORE + 10) * h) / H);
    let s = 0;
    for (let x = 0; x < w; x++) s += data[row * w + x]!;
    expect(s / w).toBeLessThan(0.1);
  });
});
