import sharp, { type Metadata } from "sharp";
import { AppError } from "@/lib/errors";
import { parseRightsTags, writeRightsTags } from "./metadata";
import { MAX_INPUT_PIXELS, MAX_LONG_SIDE, MAX_UPLOAD_BYTES, type AcceptedMime } from "./options";

export type ValidatedImage = {
  /**
   * Re-encoded bytes: EXIF orientation applied, colour converted to sRGB from any embedded ICC
   * profile (a Display P3 photo keeps its look), metadata and any trailing payload dropped except
   * the Artist and Copyright tags (copied on to results).
   */
  bytes: Buffer;
  mime: AcceptedMime;
  width: number;
  height: number;
};

const FORMAT_TO_MIME: Record<string, AcceptedMime> = { jpeg: "image/jpeg", png: "image/png", webp: "image/webp" };

/** What the first bytes say the file is; the extension and the client's type are never trusted. */
export function sniffImageType(bytes: Buffer): AcceptedMime | "svg" | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return "image/png";
  }
  if (bytes.length >= 12 && bytes.toString("latin1", 0, 4) === "RIFF" && bytes.toString("latin1", 8, 12) === "WEBP") {
    return "image/webp";
  }
  const head = bytes.subarray(0, 1024).toString("utf8").trimStart().toLowerCase();
  if (head.startsWith("<svg") || (head.startsWith("<?xml") && head.includes("<svg"))) return "svg";
  return null;
}

/**
 * Validates an uploaded or fetched image by its content and returns it normalised.
 * Refuses: empty or oversized files, anything that is not JPEG/PNG/WebP, headers that declare
 * far more pixels than we will decode (bombs), more pixels or a longer side than the limits,
 * truncated or corrupt data.
 */
export async function validateImage(
  bytes: Buffer,
  options: { maxBytes?: number; maxLongSide?: number; maxPixels?: number } = {},
): Promise<ValidatedImage> {
  const maxBytes = options.maxBytes ?? MAX_UPLOAD_BYTES;
  const maxLongSide = options.maxLongSide ?? MAX_LONG_SIDE;
  const maxPixels = options.maxPixels ?? MAX_INPUT_PIXELS;
  if (bytes.length === 0) throw new AppError("file_empty", "The file is empty.");
  if (bytes.length > maxBytes) {
    throw new AppError(
      "file_too_large",
      `The file is ${(bytes.length / 1048576).toFixed(1)} MB; the limit is ${maxBytes / 1048576} MB.`,
    );
  }
  const sniffed = sniffImageType(bytes);
  if (sniffed === "svg")
    throw new AppError("unsupported_media_type", "SVG images are not accepted; upload a JPEG, PNG or WebP photo.");
  if (!sniffed) throw new AppError("unsupported_media_type", "This file is not a JPEG, PNG or WebP image.");

  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new AppError("image_corrupt", "The image could not be read; it may be damaged.", { cause: error });
  }
  const mime = metadata.format ? FORMAT_TO_MIME[metadata.format] : undefined;
  if (!mime || mime !== sniffed || !metadata.width || !metadata.height) {
    throw new AppError("image_corrupt", "The image header is not valid.");
  }
  if (metadata.width * metadata.height > MAX_INPUT_PIXELS * 4 || metadata.width > 65_535 || metadata.height > 65_535) {
    throw new AppError(
      "decompression_bomb",
      `The image declares ${metadata.width}×${metadata.height} pixels; that is far beyond the limit.`,
    );
  }
  const longSide = Math.max(metadata.width, metadata.height);
  const pixels = metadata.width * metadata.height;
  if (longSide > maxLongSide || pixels > maxPixels) {
    const megapixels = (pixels / 1e6).toFixed(1);
    throw new AppError(
      "image_too_large",
      longSide > maxLongSide
        ? `The image is ${metadata.width}×${metadata.height} px; the long side may be at most ${maxLongSide} px.`
        : `The image is ${metadata.width}×${metadata.height} px (${megapixels} MP); the limit is ${maxPixels / 1e6} MP.`,
      {
        details: { width: metadata.width, height: metadata.height, maxLongSide, maxPixels },
      },
    );
  }

  try {
    // Full decode (catches truncation), orientation applied, sRGB, metadata not copied (the rights
    // tags are written back). The stored file is never larger than the accepted limit: stronger
    // settings are tried until it fits.
    const rights = parseRightsTags(metadata.exif);
    for (const level of mime === "image/png" ? ENCODE_LADDER.slice(0, 2) : ENCODE_LADDER) {
      const pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: "warning" }).rotate().toColourspace("srgb");
      const encoded =
        mime === "image/jpeg"
          ? pipeline.jpeg({ quality: level.quality, chromaSubsampling: level.quality >= 90 ? "4:4:4" : "4:2:0" })
          : mime === "image/png"
            ? pipeline.png({ compressionLevel: level.pngLevel, adaptiveFiltering: level.pngLevel > 4 })
            : pipeline.webp({ quality: level.quality });
      const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
      const image = { bytes: data, mime, width: info.width, height: info.height };
      const tagged = { ...image, bytes: writeRightsTags(image, rights) };
      if (tagged.bytes.length <= maxBytes) return tagged;
    }
  } catch (error) {
    throw new AppError("image_corrupt", "The image data is damaged or incomplete.", { cause: error });
  }
  throw new AppError(
    "file_too_large",
    `The image does not fit in ${maxBytes / 1048576} MB once its orientation is applied; save it at a lower quality.`,
  );
}

/** Encoder settings from best to smallest (JPEG/WebP quality, PNG zlib level). */
const ENCODE_LADDER = [
  { quality: 95, pngLevel: 4 },
  { quality: 90, pngLevel: 9 },
  { quality: 85, pngLevel: 9 },
  { quality: 80, pngLevel: 9 },
  { quality: 70, pngLevel: 9 },
  { quality: 60, pngLevel: 9 },
] as const;
