import crypto from "node:crypto";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../errors";
import type { EditResult, ImageInput } from "./types";
import { changeBackground, removeBackground, replaceSky, segmentByPrompt } from "./engine";
import { CANVAS_PRESET_IDS, canvasOutputSize } from "./options";
import { findSkyPreset } from "./presets";
import { decodeRgb, paintRgb } from "./raster";
import { releaseSubjectSession } from "./subject-model";
import { fixture, rawOf, toInput } from "./test-support/fixtures";

// One process, one ORT session: the subject model runs a handful of times in this file only.
let astronaut: ImageInput;
let coffee: ImageInput;
let camera: ImageInput;
let cutout: EditResult;

beforeAll(async () => {
  [astronaut, coffee, camera] = await Promise.all([fixture("astronaut"), fixture("coffee"), fixture("camera")]);
  cutout = await removeBackground({ image: astronaut, format: "png", output: "cutout" });
});

afterAll(() => releaseSubjectSession());

async function expectAppError(p: Promise<unknown>, code: string): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  return err as AppError;
}

describe("background removal", () => {
  it("returns a full-size transparent PNG whose background corners are fully transparent", async () => {
    expect(cutout.mime).toBe("image/png");
    const { data, width, height, channels } = await rawOf(cutout.bytes);
    expect([width, height, channels]).toEqual([512, 512, 4]);
    const alphaAt = (x: number, y: number) => data[(y * width + x) * 4 + 3]!;
    expect(alphaAt(2, 2)).toBe(0);
    expect(alphaAt(width - 3, 2)).toBe(0);
    // The suit in the middle is opaque.
    expect(alphaAt(256, 300)).toBe(255);
    const meta = await sharp(cutout.bytes).metadata();
    expect(meta.exif).toBeUndefined();
  });

  it("returns a single-channel matte in [0,255] with both values present", async () => {
    const matte = await removeBackground({ image: coffee, format: "png", output: "matte" });
    const { data, width, height, channels } = await rawOf(matte.bytes);
    expect([width, height, channels]).toEqual([600, 400, 1]);
    let zeros = 0;
    let full = 0;
    for (const v of data) {
      if (v === 0) zeros++;
      if (v === 255) full++;
    }
    expect(zeros / data.length).toBeGreaterThan(0.2);
    expect(full / data.length).toBeGreaterThan(0.2);
    // The cup is in the centre, the table at the top-left corner.
    expect(data[200 * 600 + 300]).toBeGreaterThan(200);
    expect(data[5 * 600 + 5]).toBeLessThan(20);
  });

  it("keeps the full resolution of a large input", async () => {
    const big = await toInput(await sharp(coffee.bytes).resize(2400, 1600).jpeg().toBuffer());
    const res = await removeBackground({ image: big, format: "webp", output: "cutout" });
    expect(res.mime).toBe("image/webp");
    expect([res.width, res.height]).toEqual([2400, 1600]);
    const meta = await sharp(res.bytes).metadata();
    expect([meta.width, meta.height, meta.hasAlpha]).toEqual([2400, 1600, true]);
  });
});

describe("EXIF orientation", () => {
  it("decodes a rotated JPEG upright", async () => {
    const rotated = await sharp(coffee.bytes).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const rgb = await decodeRgb(rotated);
    expect([rgb.width, rgb.height]).toEqual([400, 600]);
  });

  it("segments a rotated JPEG in its displayed orientation and strips metadata", async () => {
    const rotated = await toInput(await sharp(coffee.bytes).withMetadata({ orientation: 6 }).jpeg().toBuffer());
    const res = await segmentByPrompt({ image: rotated, prompt: "the background" });
    const { data, width, height, channels } = await rawOf(res.bytes);
    expect([width, height, channels]).toEqual([400, 600, 1]);
    // "background" is the inverse of the subject: the cup (centre) is black, a corner is white.
    expect(data[300 * 400 + 200]).toBeLessThan(50);
    expect(data[3 * 400 + 3]).toBeGreaterThan(200);
    expect((await sharp(res.bytes).metadata()).orientation).toBeUndefined();
  });
});

describe("background change", () => {
  it("places the product on a 2000×2000 canvas with a colour background", async () => {
    const res = await changeBackground({
      image: coffee,
      background: { kind: "color", color: "#ff0000" },
      shadow: true,
      canvas: "square-2000",
      format: "jpeg",
    });
    expect(res.mime).toBe("image/jpeg");
    expect([res.width, res.height]).toEqual([2000, 2000]);
    const { data } = await rawOf(res.bytes);
    const px = (x: number, y: number) => [...data.subarray((y * 2000 + x) * 3, (y * 2000 + x) * 3 + 3)];
    const [r, g, b] = px(20, 20);
    expect(r).toBeGreaterThan(240);
    expect(g! + b!).toBeLessThan(30);
    // The centre is the cup, not the background colour.
    const [cr, cg] = px(1000, 1000);
    expect(Math.abs(cr! - 255) + cg!).toBeGreaterThan(40);
    // Under the cup's base: a soft contact shadow (darker red), smooth from row to row.
    let base = 1999;
    while (base > 1000 && px(1000, base)[0]! > 150 && px(1000, base)[1]! + px(1000, base)[2]! < 120) base--;
    expect(base).toBeGreaterThan(1500);
    const below = Array.from({ length: 1999 - base - 4 }, (_, k) => px(1000, base + 5 + k));
    expect(Math.min(...below.map(([red]) => red!))).toBeLessThan(230);
    const steps = below.slice(1).map(([red], k) => Math.abs(red! - below[k]![0]!));
    expect(Math.max(...steps)).toBeLessThan(12);
  });

  it("grounds the product with a contact shadow under its base only, and casts a shadow to the chosen side", async () => {
    const render = async (shadowStyle: Record<string, unknown>) => {
      const res = await changeBackground({
        image: coffee,
        background: { kind: "color", color: "#ffffff" },
        shadow: true,
        shadowStyle,
        canvas: "square-2000",
        format: "png",
        preview: { maxSide: 500, watermark: false },
      });
      const { data, width } = await rawOf(res.bytes);
      return (x: number, y: number) => data[(y * width + x) * 3]!;
    };
    const contact = await render({ cast: false });
    // Find the subject's extent along the centre column and row (the background is pure white).
    let top = 0;
    while (contact(250, top) > 250) top++;
    let left = 0;
    while (contact(left, 250) > 250) left++;
    let base = 499;
    while (contact(250, base) > 200) base--;
    // Nothing rims the top or the left edge (the old drop shadow did).
    for (let d = 2; d <= 12; d += 5) {
      expect(contact(250, top - d)).toBeGreaterThan(250);
      expect(contact(left - d, 250)).toBeGreaterThan(250);
    }
    // Right under the base the ground is darker, fading away from it.
    expect(contact(250, base + 3)).toBeLessThan(235);
    expect(contact(250, base + 3)).toBeLessThan(contact(250, Math.min(499, base + 25)));
    // A cast shadow thrown to the right darkens the ground right of the product, not left of it.
    const right = await render({ cast: true, direction: 50 });
    let darkRight = 0;
    let darkLeft = 0;
    for (let y = top; y < base; y++) {
      for (let x = 0; x < 500; x++) {
        if (contact(x, y) < 250) continue; // the product itself and its contact shadow
        if (right(x, y) >= 240) continue;
        if (x > 250) darkRight++;
        else darkLeft++;
      }
    }
    expect(darkRight).toBeGreaterThan(200);
    expect(darkRight).toBeGreaterThan(5 * darkLeft);
  });

  it("frames the product on a marketplace canvas: margin, size and position", async () => {
    const extent = async (framing: { margin: number; scale: number; offsetX: number; offsetY: number }) => {
      const res = await changeBackground({
        image: coffee,
        background: { kind: "color", color: "#ffffff" },
        shadow: false,
        canvas: "square-2000",
        framing,
        format: "png",
        preview: { maxSide: 400, watermark: false },
      });
      const { data, width, height } = await rawOf(res.bytes);
      let minX = width;
      let maxX = -1;
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) {
          if (data[(y * width + x) * 3]! < 245) {
            minX = Math.min(minX, x);
            maxX = Math.max(maxX, x);
          }
        }
      return { minX, maxX, w: maxX - minX };
    };
    const centred = await extent({ margin: 0.08, scale: 1, offsetX: 0, offsetY: 0 });
    const wide = await extent({ margin: 0.2, scale: 1, offsetX: 0, offsetY: 0 });
    const small = await extent({ margin: 0.08, scale: 0.5, offsetX: 0, offsetY: 0 });
    const moved = await extent({ margin: 0.08, scale: 0.5, offsetX: 1, offsetY: 0 });
    expect(wide.w).toBeLessThan(centred.w * 0.9);
    expect(small.w).toBeLessThan(centred.w * 0.6);
    expect(moved.minX).toBeGreaterThan(small.minX + 60);
    // Moved to the right edge, it still keeps the margin.
    expect(moved.maxX).toBeLessThanOrEqual(400 - 0.08 * 400 + 2);
  });

  it("accepts an uploaded background image (cover-fit) and keeps the original canvas", async () => {
    const res = await changeBackground({
      image: astronaut,
      background: { kind: "image", image: coffee },
      shadow: false,
      canvas: "original",
      format: "png",
    });
    expect([res.width, res.height]).toEqual([512, 512]);
  });

  it("renders a prompt background and reports the words it used", async () => {
    const res = await changeBackground({
      image: coffee,
      background: { kind: "prompt", prompt: "dark green marble, shiny!" },
      shadow: false,
      canvas: "landscape-16x9",
      format: "webp",
    });
    expect([res.width, res.height]).toEqual([1920, 1080]);
    expect(res.meta?.promptWords).toEqual(["dark", "green", "marble"]);
    expect(res.meta?.ignoredWords).toEqual(["shiny"]);
  });

  it("renders every canvas at the size the checkout promises (canvasOutputSize)", async () => {
    for (const canvas of CANVAS_PRESET_IDS) {
      const res = await changeBackground({
        image: coffee,
        background: { kind: "color", color: "#ffffff" },
        shadow: false,
        canvas,
        format: "jpeg",
      });
      const promised = canvasOutputSize(canvas, coffee);
      expect([canvas, res.width, res.height]).toEqual([canvas, promised.width, promised.height]);
    }
  });

  it("rejects a prompt with no known word, listing the vocabulary", async () => {
    const err = await expectAppError(
      changeBackground({
        image: coffee,
        background: { kind: "prompt", prompt: "a castle on mars" },
        shadow: false,
        canvas: "original",
        format: "png",
      }),
      "prompt_not_supported",
    );
    expect((err.details as { supported: { styles: string[] } }).supported.styles).toContain("marble");
  });

  it("rejects an unknown preset", async () => {
    await expectAppError(
      changeBackground({
        image: coffee,
        background: { kind: "preset", presetId: "nope" },
        shadow: false,
        canvas: "original",
        format: "png",
      }),
      "preset_not_found",
    );
  });
});

describe("sky replacement", () => {
  it("refuses the coffee-cup photo with no_sky_detected", async () => {
    const err = await expectAppError(
      replaceSky({
        image: coffee,
        sky: { kind: "preset", presetId: "clear-blue" },
        harmonize: 0.5,
        horizonShift: 0,
        format: "jpeg",
      }),
      "no_sky_detected",
    );
    expect((err.details as { hasSky: number }).hasSky).toBeLessThan(0.5);
  });

  it("refuses the studio portrait (warm grey backdrop is not a sky)", async () => {
    await expectAppError(
      replaceSky({
        image: astronaut,
        sky: { kind: "preset", presetId: "clear-blue" },
        harmonize: 0.5,
        horizonShift: 0,
        format: "jpeg",
      }),
      "no_sky_detected",
    );
  });

  it("replaces the sky of the cameraman photo at full resolution", async () => {
    const big = await toInput(await sharp(camera.bytes).resize(2048, 2048).jpeg().toBuffer());
    const res = await replaceSky({
      image: big,
      sky: { kind: "preset", presetId: "sunset-orange" },
      harmonize: 0.5,
      horizonShift: 0,
      format: "jpeg",
    });
    expect([res.width, res.height]).toEqual([2048, 2048]);
    expect(res.meta?.skyConfidence).toBeGreaterThan(0.3);
    // A daylight photo: the suggested skies are daylight ones.
    expect(res.meta?.photoLight).toMatchObject({ timeOfDay: "day" });
    const matching = res.meta?.matchingSkies as string[];
    expect(matching.length).toBeGreaterThan(0);
    for (const id of matching) expect(findSkyPreset(id).tags.timeOfDay).toBe("day");
    const { data } = await rawOf(res.bytes);
    // The old sky is grey; the new one (top-left) is coloured.
    const i = (60 * 2048 + 60) * 3;
    expect(
      Math.max(data[i]!, data[i + 1]!, data[i + 2]!) - Math.min(data[i]!, data[i + 1]!, data[i + 2]!),
    ).toBeGreaterThan(25);
  });

  it("lets user hints override the detector", async () => {
    const hint = await sharp({ create: { width: 600, height: 400, channels: 3, background: "#808080" } })
      .composite([
        { input: { create: { width: 600, height: 60, channels: 3, background: "#ffffff" } }, top: 0, left: 0 },
      ])
      .png()
      .toBuffer();
    const res = await replaceSky({
      image: coffee,
      hints: await toInput(hint),
      sky: { kind: "preset", presetId: "clear-blue" },
      harmonize: 0,
      horizonShift: 0,
      format: "png",
    });
    expect(res.meta?.usedHints).toBe(true);
    const { data } = await rawOf(res.bytes);
    const i = (10 * 600 + 300) * 3;
    expect(data[i + 2]!).toBeGreaterThan(data[i]! + 40);
  });

  it("renders a preview no larger than maxSide with a light mark: a corner label and a faint sparse pattern", async () => {
    const req = {
      image: camera,
      sky: { kind: "prompt" as const, prompt: "night with stars" },
      harmonize: 0.5,
      horizonShift: 0.2,
      format: "png" as const,
    };
    const plain = await replaceSky({ ...req, preview: { maxSide: 400, watermark: false } });
    const marked = await replaceSky({ ...req, preview: { maxSide: 400, watermark: true } });
    expect(Math.max(marked.width, marked.height)).toBeLessThanOrEqual(400);
    expect(marked.meta?.promptWords).toEqual(["night", "stars"]);
    const a = await rawOf(plain.bytes);
    const b = await rawOf(marked.bytes);
    const W = a.width;
    const H = a.height;
    // Share of pixels in a region that the mark changes by more than `by` (any channel).
    const changed = (x0: number, y0: number, x1: number, y1: number, by: number) => {
      let n = 0;
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) {
          const i = 3 * (y * W + x);
          if ([0, 1, 2].some((k) => Math.abs(a.data[i + k]! - b.data[i + k]!) > by)) n++;
        }
      return n / ((x1 - x0) * (y1 - y0));
    };
    // The label in the lower right corner is plain to see…
    expect(changed(Math.round(0.7 * W), Math.round(0.9 * H), W, H, 30)).toBeGreaterThan(0.1);
    // …the rest of the picture stays judgeable: almost nothing changes strongly…
    expect(changed(0, 0, W, Math.round(0.85 * H), 60)).toBeLessThan(0.005);
    // …yet a faint pattern covers it, so cropping the corner away does not unmark it.
    expect(changed(0, 0, W, Math.round(0.85 * H), 4)).toBeGreaterThan(0.01);
  });
});

/** A synthetic 720×480 photo as JPEG; `noise(x, y)` is a fixed pseudo-random value in 0–36. */
async function paintedPhoto(colourAt: (x: number, y: number, noise: number) => readonly number[]): Promise<ImageInput> {
  const rgb = paintRgb(720, 480, (x, y) => colourAt(x, y, ((x * 73856093) ^ (y * 19349663)) % 37));
  return toInput(
    await sharp(rgb.data, { raw: { width: 720, height: 480, channels: 3 } })
      .jpeg({ quality: 92 })
      .toBuffer(),
  );
}

/** Sky over a meadow, crossed by a dark 7 px cable from the left edge up to the top-right corner. */
const cableScene = () =>
  paintedPhoto((x, y, n) => {
    const t = y / 336;
    if (Math.abs(y - (216 - (192 * x) / 720)) < 3.5) return [70, 72, 78];
    return y > 336 ? [90 + (n % 30), 110 + (n % 25), 60] : [70 + 110 * t, 130 + 80 * t, 225 + 20 * t];
  });

describe("sky behind a cable", () => {
  it("finds the sky on both sides of the cable and keeps the cable", async () => {
    const res = await segmentByPrompt({ image: await cableScene(), prompt: "sky" });
    const { data } = await rawOf(res.bytes);
    const at = (x: number, y: number) => data[y * 720 + x]!;
    expect(at(600, 20)).toBeGreaterThan(240); // above the cable
    expect(at(600, 200)).toBeGreaterThan(240); // below it: cut off from the top of the frame
    expect(at(300, 180)).toBeGreaterThan(240);
    expect(at(360, 120)).toBeLessThan(15); // the cable
    expect(at(360, 420)).toBeLessThan(15); // the meadow
  });
});

/** Blue sky over a calm sea a shade darker (a soft horizon at y = 192, as with a long lens), over a textured beach. */
const seaScene = () =>
  paintedPhoto((x, y, n) => {
    if (y >= 264) return [120 + ((n * 3) % 110), 110 + ((n * 5) % 90), 40 + ((n * 2) % 40)];
    const t = Math.min(1, y / 192);
    const sky = [110 + 50 * t, 160 + 35 * t, 235 + 5 * t];
    const sea = [100 + (n % 3), 160 + (n % 3), 220 + (n % 3)];
    const m = Math.min(1, Math.max(0, (y - 192) / 8));
    return sky.map((v, k) => v + (sea[k]! - v) * m);
  });

describe("sky above a sea", () => {
  it("stops at the horizon: the sea is not sky", async () => {
    const res = await segmentByPrompt({ image: await seaScene(), prompt: "sky" });
    const { data } = await rawOf(res.bytes);
    const at = (x: number, y: number) => data[y * 720 + x]!;
    expect(at(360, 60)).toBeGreaterThan(240);
    expect(at(360, 180)).toBeGreaterThan(240); // just above the horizon (y = 192)
    expect(at(360, 230)).toBeLessThan(15); // sea
    expect(at(100, 250)).toBeLessThan(15);
    expect(at(360, 400)).toBeLessThan(15); // beach
  });
});

describe("segmentation by prompt", () => {
  it("returns a B/W sky mask for the cameraman", async () => {
    const res = await segmentByPrompt({ image: camera, prompt: "sky" });
    const { data, width, height, channels } = await rawOf(res.bytes);
    expect([width, height, channels]).toEqual([512, 512, 1]);
    expect(data[10 * 512 + 10]).toBeGreaterThan(200);
    expect(data[500 * 512 + 256]).toBeLessThan(50);
  });

  it("lists the vocabulary for unsupported prompts", async () => {
    const err = await expectAppError(segmentByPrompt({ image: camera, prompt: "the red car" }), "prompt_not_supported");
    expect((err.details as { supported: string[] }).supported).toEqual(
      expect.arrayContaining(["sky", "person", "product", "background"]),
    );
  });

  it("maps person to the salient subject and says so", async () => {
    const res = await segmentByPrompt({ image: astronaut, prompt: "person" });
    expect(res.meta?.approximation).toBe("salient-subject");
    const hash = crypto.createHash("sha256").update(res.bytes).digest("hex");
    expect(hash).toHaveLength(64);
  });
});
