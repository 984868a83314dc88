import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { replaceSky } from "./engine";
import { decodeRgb } from "./raster";
import { dropImplausibleSky, computeSkyMatte, decideSky } from "./sky-mask";
import { skyLightGains } from "./sky-compose";
import { releaseSkySession } from "./sky-model";
import { fixture } from "./test-support/fixtures";

/**
 * Real photos from the sky set (small copies, lib/image/test-support/sky/README.md), each with its
 * mask checked by eye. The old classical detector failed each of these in the way the test names.
 */
const SKY_FIXTURES = path.resolve(import.meta.dirname, "test-support/sky");

async function skyFixture(name: string) {
  const bytes = fs.readFileSync(path.join(SKY_FIXTURES, `${name}.jpg`));
  const rgb = await decodeRgb(bytes);
  const truthRaw = await sharp(path.join(SKY_FIXTURES, `${name}-sky.png`))
    .greyscale()
    .resize(rgb.width, rgb.height, { fit: "fill", kernel: "nearest" })
    .raw()
    .toBuffer();
  const truth = Uint8Array.from(truthRaw, (v) => (v > 127 ? 1 : 0));
  return { bytes, rgb, truth };
}

/** Share of the pixels selected by `where` whose sky alpha is above one half. */
function skyShare(alpha: Float32Array, where: (i: number) => boolean): number {
  let n = 0;
  let sky = 0;
  for (let i = 0; i < alpha.length; i++) {
    if (!where(i)) continue;
    n++;
    if (alpha[i]! > 0.5) sky++;
  }
  return n === 0 ? Number.NaN : sky / n;
}

afterAll(() => releaseSkySession());

describe("sky mask on real photos", () => {
  it("takes the clouds with the sky (no collage of old clouds in a new sky)", async () => {
    const { rgb, truth } = await skyFixture("clouds");
    const matte = await computeSkyMatte(rgb, { refuse: false });
    const { data } = rgb;
    // Cloud pixels: true sky that is bright and grey-white, not blue.
    const cloud = (i: number) => {
      const r = data[3 * i]!;
      const b = data[3 * i + 2]!;
      return truth[i] === 1 && r > 170 && b - r < 40;
    };
    expect(skyShare(matte.alpha, cloud)).toBeGreaterThan(0.95);
    expect(skyShare(matte.alpha, (i) => truth[i] === 1)).toBeGreaterThan(0.95);
    expect(skyShare(matte.alpha, (i) => truth[i] === 0)).toBeLessThan(0.03);
  });

  it("keeps a bright facade that touches the sky", async () => {
    const { rgb, truth } = await skyFixture("facade");
    const matte = await computeSkyMatte(rgb, { refuse: false });
    const { data } = rgb;
    const brightWall = (i: number) => truth[i] === 0 && data[3 * i]! > 170 && data[3 * i + 1]! > 170;
    expect(skyShare(matte.alpha, brightWall)).toBeLessThan(0.01);
    expect(skyShare(matte.alpha, (i) => truth[i] === 1)).toBeGreaterThan(0.5);
  });

  it("shows the sky through the gaps of a lattice and keeps its bars", async () => {
    // The Eiffel Tower: its mask outlines the tower; inside the outline, blue pixels are the sky
    // seen through the lattice and dark ones its iron bars.
    const { rgb, truth } = await skyFixture("lattice");
    const matte = await computeSkyMatte(rgb, { refuse: false });
    const { data, width } = rgb;
    const inTower = (i: number) => {
      const x = i % width;
      return truth[i] === 0 && x > 0.38 * width && x < 0.62 * width && i < (0.78 * data.length) / 3;
    };
    const r = (i: number) => data[3 * i]!;
    const b = (i: number) => data[3 * i + 2]!;
    const gap = (i: number) => inTower(i) && b(i) > r(i) + 45 && b(i) > 150;
    const bar = (i: number) => inTower(i) && 0.299 * r(i) + 0.587 * data[3 * i + 1]! + 0.114 * b(i) < 110;
    expect(skyShare(matte.alpha, gap)).toBeGreaterThan(0.6);
    expect(skyShare(matte.alpha, bar)).toBeLessThan(0.15);
  });
});

describe("ship or refuse", () => {
  it("refuses a photo without sky with no_sky_detected", async () => {
    const coffee = await fixture("coffee");
    const err = await replaceSky({
      image: coffee,
      sky: { kind: "preset", presetId: "clear-blue" },
      harmonize: 0.5,
      horizonShift: 0,
      format: "jpeg",
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("no_sky_detected");
    expect((err as AppError).details).toMatchObject({ hasSky: expect.any(Number) });
  });

  it("decides by the model's sky probability, the sky's size and the unsure share of its outline", () => {
    expect(decideSky({ hasSky: 0.95, coverage: 0.3, uncertain: 0.05 })).toEqual({ ship: true });
    expect(decideSky({ hasSky: 0.2, coverage: 0.3, uncertain: 0.05 })).toMatchObject({ code: "no_sky_detected" });
    expect(decideSky({ hasSky: 0.95, coverage: 0.001, uncertain: 0.05 })).toMatchObject({ code: "no_sky_detected" });
    expect(decideSky({ hasSky: 0.95, coverage: 0.3, uncertain: 0.9 })).toMatchObject({ code: "sky_uncertain" });
  });
});

describe("implausible sky", () => {
  it("drops a detached patch at the bottom edge and keeps a detached gap high in the frame", () => {
    const w = 40;
    const h = 40;
    const data = new Float32Array(w * h);
    const fill = (x0: number, y0: number, x1: number, y1: number) => {
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * w + x] = 0.9;
    };
    fill(0, 0, 40, 12); // the sky
    fill(5, 15, 9, 19); // a gap between branches, high
    fill(10, 34, 30, 40); // a bright floor at the bottom edge
    const out = dropImplausibleSky({ width: w, height: h, data });
    expect(out[2 * w + 20]).toBeCloseTo(0.9);
    expect(out[16 * w + 6]).toBeCloseTo(0.9);
    expect(out[38 * w + 20]).toBe(0);
  });
});

describe("light that belongs", () => {
  it("never tints the foreground by more than 7 % per channel, and dims it for a dark sky", () => {
    const blueNoon = [0.35, 0.55, 0.9];
    const orangeSunset = [0.95, 0.55, 0.25];
    const nightSky = [0.05, 0.07, 0.15];
    for (const h of [0.5, 1]) {
      const g = skyLightGains(blueNoon, orangeSunset, h);
      const mean = (g[0] + g[1] + g[2]) / 3;
      for (const c of g) expect(Math.abs(c / mean - 1)).toBeLessThan(0.16);
      expect(g[0]).toBeGreaterThan(g[2]); // warmer
    }
    const dim = skyLightGains(blueNoon, nightSky, 1);
    expect(Math.max(...dim)).toBeLessThan(0.8);
    expect(Math.min(...dim)).toBeGreaterThanOrEqual(0.5);
    expect(skyLightGains(blueNoon, orangeSunset, 0)).toEqual([1, 1, 1]);
  });
});
