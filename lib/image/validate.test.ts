import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { badUploads, makeJpeg, makePng } from "@/tests/helpers/images";
import { sniffImageType, validateImage } from "./validate";

describe("validateImage", () => {
  it("accepts a JPEG and reports its size", async () => {
    const image = await validateImage(await makeJpeg({ width: 800, height: 600 }));
    expect(image).toMatchObject({ mime: "image/jpeg", width: 800, height: 600 });
  });

  it("accepts a PNG and a WebP by their content, whatever they are called", async () => {
    const png = await validateImage(await makePng({ width: 32, height: 16 }));
    expect(png).toMatchObject({ mime: "image/png", width: 32, height: 16 });
    const webp = await sharp(await makePng({ width: 20, height: 10 }))
      .webp()
      .toBuffer();
    expect(await validateImage(webp)).toMatchObject({ mime: "image/webp", width: 20, height: 10 });
  });

  it("applies the EXIF orientation so a portrait photo stays portrait", async () => {
    // Stored landscape (400×200) with orientation 6 = "rotate 90° clockwise to display".
    const rotated = await makeJpeg({ width: 400, height: 200, orientation: 6 });
    const image = await validateImage(rotated);
    expect({ width: image.width, height: image.height }).toEqual({ width: 200, height: 400 });
    const meta = await sharp(image.bytes).metadata();
    expect(meta.orientation ?? 1).toBe(1);
    expect(meta.exif).toBeUndefined();
  });

  it("accepts a photo of exactly 4096 px on its long side", async () => {
    const image = await validateImage(await makePng({ width: 4096, height: 100 }));
    expect(image.width).toBe(4096);
  });

  it.each([
    ["jpeg", Buffer.from([0xff, 0xd8, 0xff, 0xe0]), "image/jpeg"],
    ["png", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), "image/png"],
    ["webp", Buffer.from("RIFF\u0000\u0000\u0000\u0000WEBPVP8 ", "latin1"), "image/webp"],
    ["svg", Buffer.from('<?xml version="1.0"?><svg></svg>'), "svg"],
    ["text", Buffer.from("hello"), null],
  ])("sniffs %s from the first bytes", (_name, bytes, expected) => {
    expect(sniffImageType(bytes)).toBe(expected);
  });

  it("refuses each bad upload with its own stable code", async () => {
    for (const bad of await badUploads()) {
      await expect(validateImage(bad.bytes), bad.name).rejects.toMatchObject({ code: bad.code });
    }
  });
});
