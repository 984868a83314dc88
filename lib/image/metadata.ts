import sharp from "sharp";

/**
 * The photographer's credit travels with the photo: the EXIF Artist and Copyright tags of an input
 * are copied to its results (unless the user asks to strip metadata). Nothing else is copied —
 * no GPS, camera serial numbers or thumbnails. The tags are written into the encoded result
 * without re-encoding it: an APP1 segment in JPEG, an eXIf chunk in PNG, an EXIF chunk in WebP.
 */
export type RightsTags = { artist?: Buffer; copyright?: Buffer };

const TAG_ARTIST = 0x013b;
const TAG_COPYRIGHT = 0x8298;
const TYPE_ASCII = 2;
/** Longer values are cut (EXIF segments must stay under 64 KB; real credits are short). */
const MAX_TAG_BYTES = 2000;
const EXIF_HEADER = Buffer.from("Exif\0\0", "latin1");

function hasRightsTags(tags: RightsTags): boolean {
  return Boolean(tags.artist?.length || tags.copyright?.length);
}

/** Reads Artist and Copyright from a TIFF/EXIF block (with or without the "Exif\0\0" header). */
export function parseRightsTags(exif: Buffer | undefined): RightsTags {
  if (!exif) return {};
  const tiff = exif.subarray(0, 6).equals(EXIF_HEADER) ? exif.subarray(6) : exif;
  if (tiff.length < 8) return {};
  const order = tiff.toString("latin1", 0, 2);
  if (order !== "II" && order !== "MM") return {};
  const le = order === "II";
  const u16 = (at: number) => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (le ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  if (u16(2) !== 42) return {};
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return {};
  const count = u16(ifd);
  const tags: RightsTags = {};
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) break;
    const tag = u16(entry);
    if ((tag !== TAG_ARTIST && tag !== TAG_COPYRIGHT) || u16(entry + 2) !== TYPE_ASCII) continue;
    const length = u32(entry + 4);
    const start = length <= 4 ? entry + 8 : u32(entry + 8);
    if (length === 0 || start + length > tiff.length) continue;
    let value = tiff.subarray(start, start + length);
    while (value.length > 0 && value[value.length - 1] === 0) value = value.subarray(0, value.length - 1);
    // Copyright may hold "photographer\0editor"; both parts are kept as they are.
    if (value.length === 0) continue;
    const copy = Buffer.from(value.subarray(0, MAX_TAG_BYTES));
    if (tag === TAG_ARTIST) tags.artist = copy;
    else tags.copyright = copy;
  }
  return tags;
}

/** Artist and Copyright of an encoded image (JPEG, PNG or WebP); {} when it has none. */
export async function readRightsTags(bytes: Buffer): Promise<RightsTags> {
  try {
    return parseRightsTags((await sharp(bytes, { limitInputPixels: false }).metadata()).exif);
  } catch {
    return {};
  }
}

/** A little-endian TIFF block whose IFD0 holds only Artist and/or Copyright. */
function buildRightsExif(tags: RightsTags): Buffer {
  const entries: [number, Buffer][] = [];
  if (tags.artist?.length) entries.push([TAG_ARTIST, tags.artist]);
  if (tags.copyright?.length) entries.push([TAG_COPYRIGHT, tags.copyright]);
  const values = entries.map(([, value]) => Buffer.concat([value.subarray(0, MAX_TAG_BYTES), Buffer.from([0])]));
  const ifdSize = 2 + entries.length * 12 + 4;
  const header = Buffer.alloc(8 + ifdSize);
  header.write("II", 0, "latin1");
  header.writeUInt16LE(42, 2);
  header.writeUInt32LE(8, 4);
  header.writeUInt16LE(entries.length, 8);
  let dataOffset = 8 + ifdSize;
  const data: Buffer[] = [];
  entries.forEach(([tag], i) => {
    const value = values[i]!;
    const at = 10 + i * 12;
    header.writeUInt16LE(tag, at);
    header.writeUInt16LE(TYPE_ASCII, at + 2);
    header.writeUInt32LE(value.length, at + 4);
    if (value.length <= 4) {
      value.copy(header, at + 8);
    } else {
      header.writeUInt32LE(dataOffset, at + 8);
      const padded = value.length % 2 ? Buffer.concat([value, Buffer.from([0])]) : value;
      data.push(padded);
      dataOffset += padded.length;
    }
  });
  header.writeUInt32LE(0, 10 + entries.length * 12); // no IFD1
  return Buffer.concat([header, ...data]);
}

// ---------------------------------------------------------------- JPEG

function withJpegExif(jpeg: Buffer, tiff: Buffer): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error("not a JPEG");
  const kept: Buffer[] = [];
  let at = 2;
  let insertAfter = 2;
  // Walk the marker segments before the image data; drop any existing EXIF APP1.
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1]!;
    if (marker === 0xda || marker === 0xd9) break; // start of scan / end of image
    const length = jpeg.readUInt16BE(at + 2);
    const segment = jpeg.subarray(at, at + 2 + length);
    const isExif = marker === 0xe1 && segment.subarray(4, 10).equals(EXIF_HEADER);
    if (!isExif) kept.push(segment);
    if (marker === 0xe0 && kept.length === 1) insertAfter = 2 + segment.length; // after JFIF
    at += 2 + length;
  }
  const app1Length = 2 + EXIF_HEADER.length + tiff.length;
  if (app1Length > 0xffff) throw new Error("EXIF block too large");
  const app1 = Buffer.alloc(4);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(app1Length, 2);
  const head = Buffer.concat(kept);
  const split = insertAfter - 2;
  return Buffer.concat([
    jpeg.subarray(0, 2),
    head.subarray(0, split),
    app1,
    EXIF_HEADER,
    tiff,
    head.subarray(split),
    jpeg.subarray(at),
  ]);
}

// ---------------------------------------------------------------- PNG

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const typed = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  typed.copy(out, 4);
  out.writeUInt32BE(crc32(typed), 8 + data.length);
  return out;
}

function withPngExif(png: Buffer, tiff: Buffer): Buffer {
  const parts: Buffer[] = [png.subarray(0, 8)];
  let at = 8;
  let inserted = false;
  while (at + 12 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString("latin1", at + 4, at + 8);
    const chunk = png.subarray(at, at + 12 + length);
    if (!inserted && (type === "IDAT" || type === "IEND")) {
      parts.push(pngChunk("eXIf", tiff));
      inserted = true;
    }
    if (type !== "eXIf") parts.push(chunk);
    at += 12 + length;
  }
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------- WebP

function riffChunk(fourcc: string, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.write(fourcc, 0, "latin1");
  header.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, data, data.length % 2 ? Buffer.from([0]) : Buffer.alloc(0)]);
}

function withWebpExif(webp: Buffer, tiff: Buffer, size: { width: number; height: number }): Buffer {
  const chunks: { fourcc: string; data: Buffer }[] = [];
  for (let at = 12; at + 8 <= webp.length;) {
    const fourcc = webp.toString("latin1", at, at + 4);
    const length = webp.readUInt32LE(at + 4);
    chunks.push({ fourcc, data: webp.subarray(at + 8, at + 8 + length) });
    at += 8 + length + (length % 2);
  }
  const kept = chunks.filter((chunk) => chunk.fourcc !== "EXIF");
  let vp8x = kept.find((chunk) => chunk.fourcc === "VP8X");
  if (!vp8x) {
    // A simple WebP (one VP8 or VP8L chunk) becomes an extended one, which can carry EXIF.
    const lossless = kept.find((chunk) => chunk.fourcc === "VP8L");
    const alpha = lossless ? ((lossless.data[4]! >> 4) & 1) === 1 : false;
    const data = Buffer.alloc(10);
    data[0] = alpha ? 0x10 : 0;
    data.writeUIntLE(size.width - 1, 4, 3);
    data.writeUIntLE(size.height - 1, 7, 3);
    vp8x = { fourcc: "VP8X", data };
    kept.unshift(vp8x);
  } else {
    vp8x = { fourcc: "VP8X", data: Buffer.from(vp8x.data) };
    kept[kept.findIndex((chunk) => chunk.fourcc === "VP8X")] = vp8x;
  }
  vp8x.data[0] = vp8x.data[0]! | 0x08; // EXIF present
  const body = Buffer.concat([
    Buffer.from("WEBP", "latin1"),
    ...kept.map((chunk) => riffChunk(chunk.fourcc, chunk.data)),
    riffChunk("EXIF", tiff),
  ]);
  const header = Buffer.alloc(8);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(body.length, 4);
  return Buffer.concat([header, body]);
}

/**
 * The encoded image with `tags` written into it (any EXIF it had replaced), pixels untouched.
 * Returns the bytes unchanged when there are no tags to write.
 */
export function writeRightsTags(
  image: { bytes: Buffer; mime: string; width: number; height: number },
  tags: RightsTags,
): Buffer {
  if (!hasRightsTags(tags)) return image.bytes;
  const tiff = buildRightsExif(tags);
  if (image.mime === "image/jpeg") return withJpegExif(image.bytes, tiff);
  if (image.mime === "image/png") return withPngExif(image.bytes, tiff);
  if (image.mime === "image/webp") return withWebpExif(image.bytes, tiff, image);
  return image.bytes;
}
