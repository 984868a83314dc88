import "server-only";
import sharp from "sharp";
import type { ServiceId } from "@/lib/catalog/services";
import { AppError, isAppError } from "@/lib/errors";
import type { ImageInput } from "@/lib/image/types";
import type { ImageProvider, ProviderContext, ProviderResult } from "./types";

/**
 * Shared plumbing for the vendor adapters (Alibaba, SellerPic, YouCam): fetch with a timeout,
 * int64-safe JSON, audit records, error constructors and the image conversions every vendor needs.
 */

/** One outbound provider request, as persisted in a ProviderCall row. */
export type ProviderCallRecord = {
  provider: string;
  /** Vendor action or step: `ChangeSky`, `upload`, `task.create`, `task.poll`, `download`, `local.sky-replacement`… */
  action: string;
  ok: boolean;
  httpStatus?: number;
  latencyMs: number;
  requestId?: string;
  errorCode?: string;
  errorMessage?: string;
  costMinor?: number;
  jobId?: string;
};

/**
 * What the router hands an adapter. `recordCall` is an extension of ProviderContext (proposed for
 * lib/providers/types.ts); adapters read it through `vendorContext(ctx)` so plain callers still work.
 */
export type VendorContext = ProviderContext & { recordCall?: (call: ProviderCallRecord) => Promise<void> | void };

export function vendorContext(ctx: ProviderContext): VendorContext {
  return ctx as VendorContext;
}

export async function recordHttp(ctx: ProviderContext, call: Omit<ProviderCallRecord, "jobId">): Promise<void> {
  const vctx = vendorContext(ctx);
  if (!vctx.recordCall) return;
  try {
    await vctx.recordCall({ ...call, jobId: ctx.jobId, errorMessage: call.errorMessage?.slice(0, 500) });
  } catch {
    // The audit must never turn a finished vendor call into a failed job.
  }
}

export type HttpResult = { status: number; headers: Headers; body: Buffer; latencyMs: number };

/**
 * fetch with a per-request timeout that also follows the job's abort signal. A timeout or a
 * network failure becomes a retryable `provider_unavailable`; a cancel becomes `job_canceled`.
 */
export async function fetchWithTimeout(params: {
  provider: string;
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: BodyInit;
  timeoutMs: number;
  signal: AbortSignal;
  maxBytes?: number;
}): Promise<HttpResult> {
  if (params.signal.aborted) throw new AppError("job_canceled", "The job was canceled.");
  const timeout = AbortSignal.timeout(params.timeoutMs);
  const signal = AbortSignal.any([params.signal, timeout]);
  const started = performance.now();
  try {
    const res = await fetch(params.url, {
      method: params.method ?? "GET",
      headers: params.headers,
      body: params.body,
      signal,
      redirect: "follow",
    });
    const maxBytes = params.maxBytes ?? 64 * 1024 * 1024;
    const declared = Number(res.headers.get("content-length") ?? "NaN");
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw new AppError(
        "provider_failed",
        `${params.provider} answered with ${declared} bytes; the limit is ${maxBytes}.`,
      );
    }
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length > maxBytes)
      throw new AppError("provider_failed", `${params.provider} answered with more than ${maxBytes} bytes.`);
    return { status: res.status, headers: res.headers, body, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    if (isAppError(error)) throw error;
    if (params.signal.aborted) throw new AppError("job_canceled", "The job was canceled.", { cause: error });
    const timedOut = timeout.aborted;
    throw new AppError(
      "provider_unavailable",
      timedOut
        ? `${params.provider} did not answer within ${Math.round(params.timeoutMs / 1000)} s.`
        : `${params.provider} could not be reached.`,
      {
        retryable: true,
        cause: error,
        details: { provider: params.provider, latencyMs: Math.round(performance.now() - started), timedOut },
      },
    );
  }
}

/**
 * JSON.parse that keeps integers of 16+ digits as strings. SellerPic and YouCam ids are int64;
 * a JS number silently rounds anything above 2^53, so an id must never pass through Number.
 */
export function parseJsonKeepingBigInts(text: string): unknown {
  let out = "";
  let inString = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (inString) {
      out += ch;
      if (ch === "\\") {
        out += text[i + 1] ?? "";
        i += 2;
        continue;
      }
      if (ch === '"') inString = false;
      i += 1;
      continue;
    }
    if (ch === '"') {
      inString = true;
      out += ch;
      i += 1;
      continue;
    }
    if (ch === "-" || (ch >= "0" && ch <= "9")) {
      const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      const token = match ? match[0] : ch;
      const integerOnly = /^-?\d+$/.test(token);
      out += integerOnly && token.replace("-", "").length >= 16 ? `"${token}"` : token;
      i += token.length;
      continue;
    }
    out += ch;
    i += 1;
  }
  return JSON.parse(out) as unknown;
}

export function parseVendorJson(provider: string, result: HttpResult): Record<string, unknown> | null {
  const text = result.body.toString("utf8").trim();
  if (!text) return null;
  try {
    const parsed = parseJsonKeepingBigInts(text);
    return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : null;
  } catch {
    if (result.status >= 500) return null;
    if (result.status >= 200 && result.status < 300) {
      throw new AppError("provider_failed", `${provider} answered with something that is not JSON.`, {
        details: { provider, httpStatus: result.status },
      });
    }
    return null;
  }
}

// ---------------------------------------------------------------- errors

export function providerAuthFailed(provider: string, message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("provider_auth_failed", `${provider} refused our credentials: ${message}`, {
    details: { provider, ...details },
  });
}

export function providerRejectedInput(
  provider: string,
  message: string,
  details: Record<string, unknown> = {},
): AppError {
  return new AppError("provider_rejected_input", `${provider} could not process this image: ${message}`, {
    details: { provider, ...details },
  });
}

export function providerUnavailable(
  provider: string,
  message: string,
  details: Record<string, unknown> = {},
): AppError {
  return new AppError("provider_unavailable", `${provider} is unavailable: ${message}`, {
    retryable: true,
    details: { provider, ...details },
  });
}

export function providerFailed(provider: string, message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("provider_failed", `${provider} failed: ${message}`, { details: { provider, ...details } });
}

export function providerTimeout(provider: string, message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("provider_timeout", `${provider} did not finish in time: ${message}`, {
    details: { provider, ...details },
  });
}

/** The usual HTTP status → error class for vendors whose bodies do not say more. */
export function errorForStatus(
  provider: string,
  status: number,
  message: string,
  details: Record<string, unknown> = {},
): AppError {
  const d = { httpStatus: status, ...details };
  if (status === 401 || status === 403) return providerAuthFailed(provider, message, d);
  if (status === 429 || status >= 500) return providerUnavailable(provider, message, d);
  if (status === 400 || status === 413 || status === 415 || status === 422)
    return providerRejectedInput(provider, message, d);
  return providerFailed(provider, message, d);
}

export function httpStatusOf(error: unknown): number | undefined {
  if (isAppError(error) && error.details && typeof error.details === "object") {
    const status = (error.details as { httpStatus?: unknown }).httpStatus;
    return typeof status === "number" ? status : undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------- timing

/** Waits `ms`, or rejects with job_canceled when the job is canceled first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AppError("job_canceled", "The job was canceled."));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AppError("job_canceled", "The job was canceled."));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

// ---------------------------------------------------------------- result download

/**
 * Downloads a vendor's result link right away (Alibaba links live 30 min, YouCam 2 h, SellerPic
 * 12 h) so we re-host the bytes instead of handing out the vendor's URL. A 403/404/410 means the
 * link expired or never existed: `provider_failed` (the router falls back; a retry would pay again).
 */
export async function downloadResult(params: {
  provider: string;
  url: string;
  ctx: ProviderContext;
  timeoutMs: number;
  costMinor?: number;
  requestId?: string;
}): Promise<Buffer> {
  let result: HttpResult;
  try {
    result = await fetchWithTimeout({
      provider: params.provider,
      url: params.url,
      timeoutMs: params.timeoutMs,
      signal: params.ctx.signal,
      maxBytes: 64 * 1024 * 1024,
    });
  } catch (error) {
    await recordHttp(params.ctx, {
      provider: params.provider,
      action: "download",
      ok: false,
      latencyMs: 0,
      requestId: params.requestId,
      errorCode: isAppError(error) ? error.code : "provider_unavailable",
      errorMessage: String((error as Error).message),
    });
    throw error;
  }
  const ok = result.status >= 200 && result.status < 300 && result.body.length > 0;
  const error = ok
    ? undefined
    : [403, 404, 410].includes(result.status)
      ? providerFailed(params.provider, `the result link has expired or does not exist (HTTP ${result.status}).`, {
          httpStatus: result.status,
        })
      : result.status >= 500
        ? providerUnavailable(params.provider, `the result download failed (HTTP ${result.status}).`, {
            httpStatus: result.status,
          })
        : providerFailed(params.provider, `the result download failed (HTTP ${result.status}).`, {
            httpStatus: result.status,
          });
  await recordHttp(params.ctx, {
    provider: params.provider,
    action: "download",
    ok,
    httpStatus: result.status,
    latencyMs: result.latencyMs,
    requestId: params.requestId,
    errorCode: error?.code,
    errorMessage: error?.message,
    costMinor: ok ? params.costMinor : undefined,
  });
  if (error) throw error;
  return result.body;
}

// ---------------------------------------------------------------- images

export type PreparedImage = {
  bytes: Buffer;
  mime: "image/jpeg" | "image/png";
  width: number;
  height: number;
  scaled: boolean;
};

/**
 * Re-encodes an input within a vendor's limits (long side, bytes, accepted formats). Vendors
 * that refuse large photos still get a useful job: we send a smaller copy and scale the result
 * back to the input size afterwards (see `finishImage`), because callers and our own
 * compositing expect the output to have the geometry of the photo they uploaded.
 */
export async function prepareForVendor(
  image: ImageInput,
  limits: { maxLongSide: number; maxBytes: number; keepAlpha?: boolean },
): Promise<PreparedImage> {
  const longSide = Math.max(image.width, image.height);
  const sameFormatOk = image.mime === "image/jpeg" || (image.mime === "image/png" && limits.keepAlpha !== false);
  if (longSide <= limits.maxLongSide && image.bytes.length <= limits.maxBytes && sameFormatOk) {
    return {
      bytes: image.bytes,
      mime: image.mime as "image/jpeg" | "image/png",
      width: image.width,
      height: image.height,
      scaled: false,
    };
  }
  const scale = Math.min(1, limits.maxLongSide / longSide);
  const width = Math.max(1, Math.floor(image.width * scale));
  const height = Math.max(1, Math.floor(image.height * scale));
  const usePng = limits.keepAlpha === true && image.mime !== "image/jpeg";
  let quality = 92;
  for (;;) {
    const pipeline = sharp(image.bytes).resize(width, height, { fit: "fill" });
    const bytes = usePng
      ? await pipeline.png({ compressionLevel: 9 }).toBuffer()
      : await pipeline.flatten({ background: "#ffffff" }).jpeg({ quality }).toBuffer();
    if (bytes.length <= limits.maxBytes || quality <= 50 || usePng) {
      return {
        bytes,
        mime: usePng ? "image/png" : "image/jpeg",
        width,
        height,
        scaled: width !== image.width || height !== image.height,
      };
    }
    quality -= 12;
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
 * white = selected. Cut-outs (4 channels) give their alpha; grey or colour images their luminance.
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
  const band = meta.hasAlpha
    ? await sharp(bytes).ensureAlpha().extractChannel(3).raw().toBuffer({ resolveWithObject: true })
    : await sharp(bytes).greyscale().raw().toBuffer({ resolveWithObject: true });
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
  const rgb = await sharp(image.bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
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

// ---------------------------------------------------------------- capability checks

/**
 * An ImageProvider that can also say, per request, whether it can do the job (proposed as an
 * optional member of ImageProvider in lib/providers/types.ts). `null` = yes; a string = why not.
 */
export type CheckedProvider = ImageProvider & {
  canHandle?(serviceId: ServiceId, request: unknown): string | null;
};
