import { randomBytes } from "node:crypto";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { prepareForVendor, toMaskPng } from "./images";

const noise = (width: number, height: number) =>
  sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } });

describe("prepareForVendor", () => {
  it("keeps PNG and WebP inputs under the byte limit as PNG, scaling them down when re-encoding is not enough", async () => {
    const limits = { maxLongSide: 4096, maxBytes: 200_000, keepAlpha: true };
    const png = await noise(400, 300).png().toBuffer();
    const webp = await noise(400, 300).webp({ lossless: true }).toBuffer();
    for (const [mime, bytes] of [
      ["image/png", png],
      ["image/webp", webp],
    ] as const) {
      expect(bytes.length).toBeGreaterThan(limits.maxBytes);
      const out = await prepareForVendor({ bytes, mime, width: 400, height: 300 }, limits);
      expect(out.mime, mime).toBe("image/png");
      expect(out.bytes.length, mime).toBeLessThanOrEqual(limits.maxBytes);
      expect(out.scaled, mime).toBe(true);
      expect(out.width / out.height).toBeCloseTo(4 / 3, 1);
      expect((await sharp(out.bytes).metadata()).format).toBe("png");
    }
  });

  it("sends a camera-size photo as a copy within the long-side limit", async () => {
    const bytes = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: "#808080" } })
      .jpeg()
      .toBuffer();
    const out = await prepareForVendor(
      { bytes, mime: "image/jpeg", width: 3000, height: 2000 },
      { maxLongSide: 1999, maxBytes: 3 << 20 },
    );
    expect([out.width, out.height, out.scaled]).toEqual([1999, 1332, true]);
  });

  it("converts a Display P3 photo to sRGB for vendors (which may ignore profiles)", async () => {
    const raw = Buffer.alloc(32 * 32 * 3);
    for (let i = 0; i < raw.length; i += 3) raw.set([40, 200, 60], i);
    // sharp treats raw input as sRGB and converts it into the attached P3 profile.
    const p3 = await sharp(raw, { raw: { width: 32, height: 32, channels: 3 } })
      .withIccProfile("p3")
      .png()
      .toBuffer();
    const out = await prepareForVendor(
      { bytes: p3, mime: "image/png", width: 32, height: 32 },
      { maxLongSide: 4096, maxBytes: 1 << 20, keepAlpha: true },
    );
    expect((await sharp(out.bytes).metadata()).icc).toBeUndefined();
    const pixel = await sharp(out.bytes, { ignoreIcc: true }).raw().toBuffer();
    expect(Math.abs(pixel[0]! - 40) + Math.abs(pixel[1]! - 200) + Math.abs(pixel[2]! - 60)).toBeLessThanOrEqual(6);
  });
});

describe("toMaskPng", () => {
  const size = { width: 40, height: 40 };
  const half = Buffer.alloc(40 * 40, 0).fill(255, 0, 40 * 20);
  const mean = async (png: Buffer, top: number) => {
    const data = await sharp(png).extract({ left: 0, top, width: 40, height: 20 }).raw().toBuffer();
    return data.reduce((sum, v) => sum + v, 0) / data.length;
  };

  it("reads a mask carried in the alpha channel of a uniform image", async () => {
    const alphaMask = await sharp({ create: { ...size, channels: 3, background: "#ffffff" } })
      .joinChannel(half, { raw: { ...size, channels: 1 } })
      .png()
      .toBuffer();
    const mask = await toMaskPng(alphaMask, size);
    expect([await mean(mask, 0), await mean(mask, 20)]).toEqual([255, 0]);
  });

  it("reads a black-and-white mask by its grey level when its alpha channel is uniformly opaque", async () => {
    const greyOpaque = await sharp(half, { raw: { ...size, channels: 1 } })
      .toColourspace("srgb")
      .ensureAlpha(1)
      .png()
      .toBuffer();
    expect((await sharp(greyOpaque).metadata()).hasAlpha).toBe(true);
    const mask = await toMaskPng(greyOpaque, size);
    expect([await mean(mask, 0), await mean(mask, 20)]).toEqual([255, 0]);
  });
});
