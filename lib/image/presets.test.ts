import crypto from "node:crypto";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { encodeRaw } from "./encode";
import {
  listBackgroundPresets,
  listSkyPresets,
  renderBackgroundPreset,
  renderPresetThumbnail,
  renderSkyPreset,
} from "./presets";
import { backgroundFromPrompt, parseSegmentationPrompt, skyFromPrompt } from "./prompts";

const sha = (b: Uint8Array) => crypto.createHash("sha256").update(b).digest("hex");

describe("preset libraries", () => {
  it("has ≥ 12 skies tagged by time of day and weather and ≥ 16 backgrounds, with unique ids", () => {
    const skies = listSkyPresets();
    const bgs = listBackgroundPresets();
    expect(skies.length).toBeGreaterThanOrEqual(12);
    expect(bgs.length).toBeGreaterThanOrEqual(16);
    expect(new Set(skies.map((s) => s.id)).size).toBe(skies.length);
    expect(new Set(bgs.map((s) => s.id)).size).toBe(bgs.length);
    expect(new Set(skies.map((s) => s.group))).toEqual(new Set(["day", "golden-hour", "sunset", "dusk", "night"]));
    for (const s of skies) expect(s.tags).toHaveLength(2);
  });

  it("renders every preset deterministically (same bytes twice)", async () => {
    for (const p of listSkyPresets()) {
      const a = await renderSkyPreset(p.id, { width: 160, height: 90 });
      const b = await renderSkyPreset(p.id, { width: 160, height: 90 });
      expect(sha(a.data), p.id).toBe(sha(b.data));
    }
    for (const p of listBackgroundPresets()) {
      const a = await renderBackgroundPreset(p.id, { width: 120, height: 120 });
      const b = await renderBackgroundPreset(p.id, { width: 120, height: 120 });
      expect(sha(a.data), p.id).toBe(sha(b.data));
    }
  });

  it("renders presets at the requested (large) size and distinct presets differ", async () => {
    const a = await renderSkyPreset("clear-blue", { width: 1500, height: 700 });
    const b = await renderSkyPreset("starry-night", { width: 1500, height: 700 });
    expect(a.data.length).toBe(1500 * 700 * 3);
    expect(sha(a.data)).not.toBe(sha(b.data));
  });

  it("makes small WebP thumbnails", async () => {
    const buf = await renderPresetThumbnail("background", "marble-white");
    const meta = await sharp(buf).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["webp", 320, 200]);
    expect(sha(buf)).toBe(sha(await renderPresetThumbnail("background", "marble-white")));
  });

  it("rejects unknown preset ids with preset_not_found", async () => {
    await expect(renderSkyPreset("mars", { width: 10, height: 10 })).rejects.toMatchObject({
      code: "preset_not_found",
    });
  });
});

describe("prompt vocabularies", () => {
  it("builds backgrounds from colours, styles and modifiers, listing unknown words", () => {
    const r = backgroundFromPrompt("Soft pink studio with a unicorn");
    expect(r.spec.style).toBe("sweep");
    expect(r.used).toEqual(["soft", "pink", "studio"]);
    expect(r.ignored).toEqual(["unicorn"]);
    expect(backgroundFromPrompt("soft pink studio with a unicorn").spec).toEqual(
      backgroundFromPrompt("soft pink studio with a unicorn").spec,
    );
  });

  it("builds skies and rejects prompts without a known word", () => {
    const r = skyFromPrompt("golden hour with clouds");
    expect(r.used).toEqual(["golden", "hour", "clouds"]);
    expect(r.spec.clouds).toBeGreaterThan(0.3);
    expect(skyFromPrompt("night with stars").spec.stars).toBe(1);
    expect(() => skyFromPrompt("purple dragons")).not.toThrow();
    try {
      skyFromPrompt("dragons flying");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe("prompt_not_supported");
      expect((e as AppError).details).toMatchObject({ ignored: ["dragons", "flying"] });
    }
  });

  it("maps segmentation synonyms", () => {
    expect(parseSegmentationPrompt("the product").target).toBe("subject");
    expect(parseSegmentationPrompt("People").target).toBe("person");
    expect(parseSegmentationPrompt("blue sky").target).toBe("sky");
    expect(parseSegmentationPrompt("backdrop").target).toBe("background");
    expect(() => parseSegmentationPrompt("car")).toThrow(AppError);
  });
});

describe("encoding", () => {
  it("watermarks greyscale and RGBA images without changing their size", async () => {
    const grey = new Uint8Array(200 * 100).fill(0);
    const enc = await encodeRaw(
      { data: grey, width: 200, height: 100, channels: 1 },
      { format: "png", watermark: true },
    );
    const meta = await sharp(enc.bytes).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([200, 100, 1]);
    const data = await sharp(enc.bytes).extractChannel(0).raw().toBuffer();
    expect(Math.max(...data)).toBeGreaterThan(60);
  });
});
