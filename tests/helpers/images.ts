import { crc32 } from "node:zlib";
import sharp from "sharp";

/** A photo-like JPEG of the given size (gradient + noise so it compresses like a photo). */
export async function makeJpeg(params: {
  width: number;
  height: number;
  quality?: number;
  orientation?: number;
}): Promise<Buffer> {
  const { width, height } = params;
  const channels = 3;
  const raw = Buffer.alloc(width * height * channels);
  let seed = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const noise = (seed >> 16) % 24;
      const i = (y * width + x) * channels;
      raw[i] = Math.min(255, Math.round((x / width) * 200) + noise);
      raw[i + 1] = Math.min(255, Math.round((y / height) * 180) + noise);
      raw[i + 2] = Math.min(255, 120 + noise);
    }
  }
  let image = sharp(raw, { raw: { width, height, channels } }).jpeg({ quality: params.quality ?? 85 });
  if (params.orientation) image = image.withMetadata({ orientation: params.orientation });
  return image.toBuffer();
}

export async function makePng(params: { width: number; height: number }): Promise<Buffer> {
  return sharp({ create: { width: params.width, height: params.height, channels: 3, background: "#3478f6" } })
    .png()
    .toBuffer();
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** A tiny PNG whose header declares width×height pixels: a decompression bomb's calling card. */
function makePngDeclaring(params: { width: number; height: number }): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(params.width, 0);
  ihdr.writeUInt32BE(params.height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** The bad inputs every upload path must refuse, with the error code each gets. */
export async function badUploads(): Promise<Array<{ name: string; fileName: string; bytes: Buffer; code: string }>> {
  const jpeg = await makeJpeg({ width: 640, height: 480 });
  const noisyBig = await makeJpeg({ width: 3000, height: 3000, quality: 100 });
  // Pad a real JPEG past the 25 MB limit (bytes after EOI are ignored by decoders, not by our size check).
  const overLimit = Buffer.concat([noisyBig, Buffer.alloc(26 * 1024 * 1024 - noisyBig.length, 0)]);
  return [
    {
      name: "a text file renamed .png",
      fileName: "notes.png",
      bytes: Buffer.from("just some text, not an image\n".repeat(20)),
      code: "unsupported_media_type",
    },
    {
      name: "a truncated JPEG",
      fileName: "cut.jpg",
      bytes: jpeg.subarray(0, Math.floor(jpeg.length * 0.6)),
      code: "image_corrupt",
    },
    { name: "a 26 MB photo", fileName: "big.jpg", bytes: overLimit, code: "file_too_large" },
    {
      name: "a 6400×4000 photo (25.6 MP)",
      fileName: "wide.jpg",
      bytes: await makeJpeg({ width: 6400, height: 4000, quality: 60 }),
      code: "image_too_large",
    },
    {
      name: "a PNG declaring 30000×30000 pixels",
      fileName: "bomb.png",
      bytes: makePngDeclaring({ width: 30000, height: 30000 }),
      code: "decompression_bomb",
    },
    {
      name: "an SVG",
      fileName: "logo.svg",
      bytes: Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
      ),
      code: "unsupported_media_type",
    },
    { name: "an empty file", fileName: "empty.jpg", bytes: Buffer.alloc(0), code: "file_empty" },
  ];
}
