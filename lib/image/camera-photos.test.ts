import sharp, { type Sharp } from "sharp";
import { describe, expect, it } from "vitest";
import { parseRightsTags, readRightsTags, writeRightsTags } from "./metadata";
import { MAX_UPLOAD_BYTES } from "./options";
import { decodeRgb } from "./raster";
import { validateImage } from "./validate";

// Camera-size photos are generated here at test time (nothing big is committed): 6000 × 4000 is
// what a 24 MP camera makes. A soft gradient with noise keeps the JPEG at a realistic few MB.
const CAMERA = { width: 6000, height: 4000 };
const CREDIT = { Artist: "Ada Lovelace", Copyright: "(c) 2026 Ada Lovelace, all rights reserved" };

async function cameraJpeg(
  options: { width?: number; height?: number; orientation?: number; exif?: Record<string, string> } = {},
) {
  const width = options.width ?? CAMERA.width;
  const height = options.height ?? CAMERA.height;
  // Left half red, right half blue: where each half lands tells which way the photo was rotated.
  let pipeline = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } } })
    .composite([
      {
        input: { create: { width: Math.floor(width / 2), height, channels: 3, background: { r: 40, g: 40, b: 200 } } },
        left: Math.ceil(width / 2),
        top: 0,
      },
    ])
    .jpeg({ quality: 85 });
  if (options.exif || options.orientation) {
    pipeline = pipeline.withExif({ IFD0: { ...(options.exif ?? {}) } });
    if (options.orientation) pipeline = pipeline.withMetadata({ orientation: options.orientation });
  }
  return pipeline.toBuffer();
}

async function pixelAt(bytes: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(bytes)
    .extract({ left: x, top: y, width: 1, height: 1 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return [...data.subarray(0, info.channels)];
}

describe("photos as cameras make them (25 MP, 25 MB)", () => {
  it("accepts a 6000 × 4000 camera JPEG at full resolution", async () => {
    const image = await validateImage(await cameraJpeg());
    expect({ width: image.width, height: image.height }).toEqual(CAMERA);
    const rgb = await decodeRgb(image.bytes);
    expect({ width: rgb.width, height: rgb.height }).toEqual(CAMERA);
  });

  it("refuses more than 25 MP with image_too_large, and more than 25 MB with file_too_large", async () => {
    const tooMany = await sharp({ create: { width: 6200, height: 4100, channels: 3, background: "#888" } })
      .jpeg()
      .toBuffer();
    await expect(validateImage(tooMany)).rejects.toMatchObject({ code: "image_too_large" });
    const jpeg = await cameraJpeg({ width: 800, height: 600 });
    const padded = Buffer.concat([jpeg, Buffer.alloc(MAX_UPLOAD_BYTES + 1 - jpeg.length)]);
    await expect(validateImage(padded)).rejects.toMatchObject({ code: "file_too_large" });
    const atLimit = Buffer.concat([jpeg, Buffer.alloc(MAX_UPLOAD_BYTES - jpeg.length)]);
    await expect(validateImage(atLimit)).resolves.toMatchObject({ width: 800 });
  });

  it("applies the EXIF orientation: a portrait shot stored sideways comes out upright", async () => {
    const image = await validateImage(await cameraJpeg({ orientation: 6 }));
    expect({ width: image.width, height: image.height }).toEqual({ width: 4000, height: 6000 });
    // Orientation 6 = rotate 90° clockwise: the stored left (red) half ends up on top.
    const top = await pixelAt(image.bytes, 2000, 100);
    const bottom = await pixelAt(image.bytes, 2000, 5900);
    expect(top[0]!).toBeGreaterThan(150);
    expect(bottom[2]!).toBeGreaterThan(150);
    // No orientation tag is left to rotate it a second time.
    expect((await sharp(image.bytes).metadata()).orientation ?? 1).toBe(1);
  });

  it("keeps a Display P3 photo's colours: converted to sRGB from its profile, not read as sRGB", async () => {
    const srgb = { r: 230, g: 60, b: 30 };
    const p3 = await sharp({ create: { width: 6000, height: 4000, channels: 3, background: srgb } })
      .withIccProfile("p3")
      .jpeg({ quality: 95 })
      .toBuffer();
    expect((await sharp(p3).metadata()).icc).toBeDefined();
    // The P3 file's own numbers are not the sRGB colour (reading them as sRGB would shift it)…
    const stored = sharp(p3, { ignoreIcc: true }).raw().extract({ left: 10, top: 10, width: 1, height: 1 });
    const raw = [...(await stored.toBuffer())];
    expect(Math.abs(raw[0]! - srgb.r) + Math.abs(raw[1]! - srgb.g) + Math.abs(raw[2]! - srgb.b)).toBeGreaterThan(20);
    // …and what we store and decode is the sRGB colour again.
    const image = await validateImage(p3);
    expect((await sharp(image.bytes).metadata()).icc).toBeUndefined();
    const rgb = await decodeRgb(image.bytes);
    const at = (10 * rgb.width + 10) * 3;
    const decoded = [rgb.data[at]!, rgb.data[at + 1]!, rgb.data[at + 2]!];
    expect(Math.abs(decoded[0]! - srgb.r)).toBeLessThanOrEqual(4);
    expect(Math.abs(decoded[1]! - srgb.g)).toBeLessThanOrEqual(4);
    expect(Math.abs(decoded[2]! - srgb.b)).toBeLessThanOrEqual(4);
  });

  it("keeps the Artist and Copyright tags of an upload and drops the rest (GPS, camera)", async () => {
    const withGps = await sharp(await cameraJpeg({ width: 1200, height: 800 }))
      .withExif({
        IFD0: { ...CREDIT, Make: "Camera Maker", Model: "Model X" },
        IFD3: { GPSLatitudeRef: "N", GPSLatitude: "48/1 51/1 24/1" },
      })
      .jpeg()
      .toBuffer();
    const image = await validateImage(withGps);
    const tags = await readRightsTags(image.bytes);
    expect(tags.artist?.toString()).toBe(CREDIT.Artist);
    expect(tags.copyright?.toString()).toBe(CREDIT.Copyright);
    const exif = (await sharp(image.bytes).metadata()).exif!;
    expect(exif.includes(Buffer.from("Camera Maker"))).toBe(false);
    expect(exif.includes(Buffer.from("Model X"))).toBe(false);
    // Our block holds IFD0 only: no GPS IFD pointer (tag 0x8825) in either byte order.
    expect(exif.includes(Buffer.from([0x25, 0x88]))).toBe(false);
  });
});

describe("the photographer's credit is written into results of every format, pixels untouched", () => {
  // Tags as libvips writes them (an EXIF writer that is not ours) are the source.
  const source = async () => readRightsTags(await cameraJpeg({ width: 64, height: 48, exif: CREDIT }));

  for (const [name, encode] of [
    ["JPEG", (s: Sharp) => s.jpeg()],
    ["PNG", (s: Sharp) => s.png()],
    ["lossy WebP with alpha (VP8X)", (s: Sharp) => s.webp({ quality: 80 })],
    ["lossless WebP (VP8L)", (s: Sharp) => s.webp({ lossless: true })],
    ["lossy WebP without alpha (VP8)", (s: Sharp) => s.removeAlpha().webp({ quality: 80 })],
  ] as const) {
    it(name, async () => {
      const tags = await source();
      expect(tags.artist?.toString()).toBe(CREDIT.Artist);
      const base = sharp({
        create: { width: 64, height: 48, channels: 4, background: { r: 10, g: 120, b: 200, alpha: 0.5 } },
      });
      const bytes = await encode(base).toBuffer();
      const meta = await sharp(bytes).metadata();
      const mime = `image/${meta.format}`;
      const tagged = writeRightsTags({ bytes, mime, width: 64, height: 48 }, tags);
      const after = await sharp(tagged).metadata();
      expect({ width: after.width, height: after.height, hasAlpha: after.hasAlpha }).toEqual({
        width: 64,
        height: 48,
        hasAlpha: meta.hasAlpha,
      });
      const back = parseRightsTags(after.exif);
      expect(back.artist?.toString()).toBe(CREDIT.Artist);
      expect(back.copyright?.toString()).toBe(CREDIT.Copyright);
      const [before, now] = await Promise.all([sharp(bytes).raw().toBuffer(), sharp(tagged).raw().toBuffer()]);
      expect(now.equals(before)).toBe(true);
    });
  }

  it("leaves a result without tags alone when the photo had none", async () => {
    const bytes = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#123456" } })
      .png()
      .toBuffer();
    expect(writeRightsTags({ bytes, mime: "image/png", width: 8, height: 8 }, {})).toBe(bytes);
  });
});
