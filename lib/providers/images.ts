import "server-only";
import sharp from "sharp";
import { AppError } from "@/lib/errors";
import type { ImageInput } from "@/lib/image/types";
import type { ProviderResult } from "./types";

/** Image conversions every vendor adapter needs: inputs within a vendor's limits, outputs at the input's size. */

export type PreparedImage = {
  bytes: Buffer;
  mime: "image/jpeg" | "image/png";
  width: number;
  height: number;
  scaled: boolean;
};

export type VendorLimits = {
  maxLongSide: number;
  maxBytes: number;
  /** true: PNG/WebP inputs stay lossless PNG (their transparency kept); false: everything is sent as JPEG. */
  keepAlpha?: boolean;
};

/**
 * Re-encodes an input within a vendor's limits (long side, bytes, accepted formats). Vendors
 * that refuse large photos still get a useful job: we send a smaller copy and scale the result
 * back to the input size afterwards (see `finishImage`), because callers and our own
 * compositing expect the output to have the geometry of the photo they uploaded. Colour is
 * converted to sRGB from any embedded profile (vendors do not all honour ICC profiles).
 */
export async function prepareForVendor(image: ImageInput, limits: VendorLimits): Promise<PreparedImage> {
  const longSide = Math.max(image.width, image.height);
  const sameFormatOk = image.mime === "image/jpeg" || (image.mime === "image/png" && limits.keepAlpha !== false);
  const hasProfile = !!(await sharp(image.bytes).metadata()).icc;
  if (longSide <= limits.maxLongSide && image.bytes.length <= limits.maxBytes && sameFormatOk && !hasProfile) {
    return {
      bytes: image.bytes,
      mime: image.mime as "image/jpeg" | "image/png",
      width: image.width,
      height: image.height,
      scaled: false,
    };
  }
  const usePng = limits.keepAlpha === true && image.mime !== "image/jpeg";
  let scale = Math.min(1, limits.maxLongSide / longSide);
  let quality = 92;
  for (;;) {
    const width = Math.max(1, Math.floor(image.width * scale));
    const height = Math.max(1, Math.floor(image.height * scale));
    const pipeline = sharp(image.bytes).rotate().toColourspace("srgb").resize(width, height, { fit: "fill" });
    const bytes = usePng
      ? await pipeline.png({ compressionLevel: 6 }).toBuffer()
      : await pipeline.flatten({ background: "#ffffff" }).jpeg({ quality }).toBuffer();
    if (bytes.length <= limits.maxBytes || Math.max(width, height) <= 64) {
      return {
        bytes,
        mime: usePng ? "image/png" : "image/jpeg",
        width,
        height,
        scaled: width !== image.width || height !== image.height,
      };
    }
    // Too many bytes: JPEG first gives up quality (down to 56), then both formats give up pixels.
    if (!usePng && quality > 56) quality -= 12;
    else scale *= Math.max(0.5, Math.min(0.95, Math.sqrt(limits.maxBytes / bytes.length) * 0.97));
  }
}

/** Converts a vendor's output to the requested format at the input's size. */
export async function finishImage(params: {
  bytes: Buffer;
  width: number;
  height: number;
  format: "png" | "jpeg" | "webp";
  requestId?: string;
  costMinor?: number;
  meta?: Record<string, unknown>;
}): Promise<ProviderResult> {
  let pipeline = sharp(params.bytes).rotate().resize(params.width, params.height, { fit: "fill" });
  if (params.format === "jpeg") pipeline = pipeline.flatten({ background: "#ffffff" }).jpeg({ quality: 92 });
  else if (params.format === "webp") pipeline = pipeline.webp({ quality: 92 });
  else pipeline = pipeline.png();
  const bytes = await pipeline.toBuffer().catch((error: unknown) => {
    throw new AppError("provider_failed", "The provider's result is not a readable image.", { cause: error });
  });
  return {
    bytes,
    mime: params.format === "jpeg" ? "image/jpeg" : params.format === "webp" ? "image/webp" : "image/png",
    width: params.width,
    height: params.height,
    requestId: params.requestId,
    costMinor: params.costMinor ?? 0,
    meta: params.meta,
  };
}

/**
 * Turns whatever a vendor calls a mask into our mask: a single-channel PNG at the input size,
 * white = selected. A mask may come as a cut-out or an "alpha channel mask" (the selection in
 * the alpha channel) or as a plain black-and-white image that merely has an opaque alpha
 * channel: the alpha is read only when it is not uniformly opaque, else the grey level.
 */
export async function toMaskPng(
  bytes: Buffer,
  size: { width: number; height: number },
  options: { invert?: boolean } = {},
): Promise<Buffer> {
  const meta = await sharp(bytes)
    .metadata()
    .catch((error: unknown) => {
      throw new AppError("provider_failed", "The provider's mask is not a readable image.", { cause: error });
    });
  // Work on raw single-band buffers: sharp applies some operations (removeAlpha, colourspace)
  // at the end of a pipeline whatever the call order, so each step is its own pipeline.
  let band = meta.hasAlpha
    ? await sharp(bytes).ensureAlpha().extractChannel(3).raw().toBuffer({ resolveWithObject: true })
    : undefined;
  if (band && isUniform(band.data, 255)) band = undefined;
  band ??= await sharp(bytes)
    .flatten({ background: "#000000" })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const single = band.info.channels === 1 ? band.data : extractFirstBand(band.data, band.info.channels);
  const resized = await sharp(single, { raw: { width: band.info.width, height: band.info.height, channels: 1 } })
    .resize(size.width, size.height, { fit: "fill" })
    .extractChannel(0) // sharp turns a resized single band into sRGB; keep one band
    .raw()
    .toBuffer();
  if (options.invert) for (let i = 0; i < resized.length; i += 1) resized[i] = 255 - resized[i]!;
  return sharp(resized, { raw: { width: size.width, height: size.height, channels: 1 } })
    .extractChannel(0)
    .png()
    .toBuffer();
}

function isUniform(data: Buffer, value: number): boolean {
  for (let i = 0; i < data.length; i += 1) if (data[i] !== value) return false;
  return true;
}

function extractFirstBand(data: Buffer, channels: number): Buffer {
  const out = Buffer.alloc(data.length / channels);
  for (let i = 0; i < out.length; i += 1) out[i] = data[i * channels]!;
  return out;
}

/** Applies a mask as the alpha channel of the input (background removal from a vendor mask). */
export async function cutoutFromMask(image: ImageInput, maskPng: Buffer): Promise<Buffer> {
  const alpha = await sharp(maskPng)
    .resize(image.width, image.height, { fit: "fill" })
    .extractChannel(0)
    .raw()
    .toBuffer();
  const rgb = await sharp(image.bytes).removeAlpha().toColourspace("srgb").raw().toBuffer({ resolveWithObject: true });
  const out = Buffer.alloc(image.width * image.height * 4);
  for (let i = 0, j = 0; i < out.length; i += 4, j += 3) {
    out[i] = rgb.data[j]!;
    out[i + 1] = rgb.data[j + 1]!;
    out[i + 2] = rgb.data[j + 2]!;
    out[i + 3] = alpha[i / 4]!;
  }
  return sharp(out, { raw: { width: image.width, height: image.height, channels: 4 } })
    .png()
    .toBuffer();
}

/** Renders the output of background removal: the cut-out, or its alpha as a matte. */
export async function finishRemoval(params: {
  cutoutPng: Buffer;
  image: ImageInput;
  output: "cutout" | "matte";
  format: "png" | "webp";
  requestId?: string;
  costMinor?: number;
}): Promise<ProviderResult> {
  const size = { width: params.image.width, height: params.image.height };
  const bytes = params.output === "matte" ? await toMaskPng(params.cutoutPng, size) : params.cutoutPng;
  if (params.output === "matte" && params.format === "png")
    return maskResult({ maskPng: bytes, ...size, requestId: params.requestId, costMinor: params.costMinor });
  return finishImage({
    bytes,
    ...size,
    format: params.format,
    requestId: params.requestId,
    costMinor: params.costMinor,
  });
}

/** A mask result (prompt segmentation): single-channel PNG at the input size. */
export function maskResult(params: {
  maskPng: Buffer;
  width: number;
  height: number;
  requestId?: string;
  costMinor?: number;
  meta?: Record<string, unknown>;
}): ProviderResult {
  return {
    bytes: params.maskPng,
    mime: "image/png",
    width: params.width,
    height: params.height,
    requestId: params.requestId,
    costMinor: params.costMinor ?? 0,
    meta: params.meta,
  };
}
