import "server-only";
import sharp from "sharp";
import type { ServiceId } from "@/lib/catalog/services";
import { type AppError, isAppError } from "@/lib/errors";
import {
  cutoutFromMask,
  downloadResult,
  errorForStatus,
  fetchWithTimeout,
  finishImage,
  finishRemoval,
  maskResult,
  parseVendorJson,
  prepareForVendor,
  providerFailed,
  providerTimeout,
  providerUnavailable,
  recordHttp,
  sleep,
  toMaskPng,
  type CheckedProvider,
} from "../http";
import type {
  BackgroundChangeRequest,
  BackgroundRemovalRequest,
  ImageInput,
  PromptSegmentationRequest,
} from "@/lib/image/types";
import type { ProviderContext } from "../types";

export const SELLERPIC_PROVIDER_ID = "sellerpic";
export const DEFAULT_SELLERPIC_BASE_URL = "https://api.sellerpic.ai/v1";
/** Over the per-account concurrency cap, task creation fails with this code (§2.1). */
export const SELLERPIC_CONCURRENCY_CODE = 30003;
/** Task limits (§2.1): ≤10 MB, ≤4096 px; jpg/png/webp. */
export const SELLERPIC_LIMITS = { maxLongSide: 4096, maxBytes: 10 * 1024 * 1024 } as const;

export type SellerPicOptions = {
  apiKey: string;
  baseUrl?: string;
  httpTimeoutMs?: number;
  /** Between status checks; the 1.0.0 docs ask for at least 60 s. */
  pollIntervalMs?: number;
  /** Waiting on the concurrency cap (code 30003) before trying to create the task again. */
  concurrencyWaitMs?: number;
  /** The whole task (creation, waiting for a slot, polling) must finish within this. */
  taskTimeoutMs?: number;
  creditCostMinor?: number;
  /** Prompt used for background removal through Segment-by-Prompt (the remover endpoint is undocumented). */
  removalPrompt?: string;
};

type Envelope = {
  code?: unknown;
  msg?: unknown;
  data?: unknown;
  success?: unknown;
  traceId?: unknown;
  request_id?: unknown;
};

/**
 * SellerPic: upload, Segment-by-Prompt, Background Replacer, polling and download (§2). Ids are
 * int64 on the wire: every JSON body is parsed with big integers kept as strings.
 */
export function createSellerPicProvider(options: SellerPicOptions): CheckedProvider {
  const baseUrl = (options.baseUrl ?? DEFAULT_SELLERPIC_BASE_URL).replace(/\/+$/, "");
  const timeoutMs = options.httpTimeoutMs ?? 45_000;
  const pollIntervalMs = options.pollIntervalMs ?? 60_000;
  const concurrencyWaitMs = options.concurrencyWaitMs ?? pollIntervalMs;
  const taskTimeoutMs = options.taskTimeoutMs ?? 10 * 60_000;
  const creditCost = options.creditCostMinor ?? 5;

  async function request(params: {
    action: string;
    method: "GET" | "POST";
    path: string;
    query?: Record<string, string>;
    json?: unknown;
    form?: FormData;
    ctx: ProviderContext;
    costMinor?: number;
  }): Promise<{ data: Record<string, unknown>; requestId?: string }> {
    const url = new URL(`${baseUrl}${params.path}`);
    for (const [k, v] of Object.entries(params.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { authorization: `Bearer ${options.apiKey}`, accept: "application/json" };
    if (params.json !== undefined) headers["content-type"] = "application/json";
    let res;
    try {
      res = await fetchWithTimeout({
        provider: SELLERPIC_PROVIDER_ID,
        url: url.toString(),
        method: params.method,
        headers,
        body: params.form ?? (params.json !== undefined ? JSON.stringify(params.json) : undefined),
        timeoutMs,
        signal: params.ctx.signal,
        maxBytes: 2 * 1024 * 1024,
      });
    } catch (error) {
      await recordHttp(params.ctx, {
        provider: SELLERPIC_PROVIDER_ID,
        action: params.action,
        ok: false,
        latencyMs: 0,
        errorCode: (error as AppError).code,
        errorMessage: (error as Error).message,
      });
      throw error;
    }
    let body: Envelope | null = null;
    let error: AppError | undefined;
    try {
      body = parseVendorJson(SELLERPIC_PROVIDER_ID, res) as Envelope | null;
    } catch (e) {
      error = e as AppError;
    }
    const requestId = str(body?.traceId) ?? str(body?.request_id);
    const code = body?.code === undefined ? undefined : String(body.code);
    const message = str(body?.msg) ?? `HTTP ${res.status}`;
    if (!error) {
      if (res.status < 200 || res.status >= 300)
        error = errorForStatus(SELLERPIC_PROVIDER_ID, res.status, message, { vendorCode: code, requestId });
      else if (code === String(SELLERPIC_CONCURRENCY_CODE))
        error = providerUnavailable(SELLERPIC_PROVIDER_ID, `concurrency limit reached (${message})`, {
          vendorCode: code,
          httpStatus: res.status,
          concurrency: true,
        });
      else if (code !== "0" || body?.success === false)
        error = providerFailed(SELLERPIC_PROVIDER_ID, `${message} (code ${code})`, {
          vendorCode: code,
          httpStatus: res.status,
          requestId,
        });
    }
    await recordHttp(params.ctx, {
      provider: SELLERPIC_PROVIDER_ID,
      action: params.action,
      ok: !error,
      httpStatus: res.status,
      latencyMs: res.latencyMs,
      requestId,
      errorCode: error?.code,
      errorMessage: error?.message,
      costMinor: error ? undefined : params.costMinor,
    });
    if (error) throw error;
    const data = body?.data && typeof body.data === "object" ? (body.data as Record<string, unknown>) : {};
    return { data, requestId };
  }

  async function upload(image: { bytes: Buffer; mime: string }, ctx: ProviderContext): Promise<string> {
    const form = new FormData();
    const ext = image.mime === "image/png" ? "png" : image.mime === "image/webp" ? "webp" : "jpg";
    form.append("file", new Blob([new Uint8Array(image.bytes)], { type: image.mime }), `image.${ext}`);
    const { data } = await request({ action: "upload", method: "POST", path: "/api/upload", form, ctx });
    const fileKey = str(data.fileKey);
    if (!fileKey) throw providerFailed(SELLERPIC_PROVIDER_ID, "upload answered without data.fileKey");
    return fileKey;
  }

  /** Creates a task, waiting for a free slot while the account is at its concurrency cap. */
  async function createTask(
    action: string,
    path: string,
    body: unknown,
    ctx: ProviderContext,
    deadline: number,
  ): Promise<string> {
    for (;;) {
      try {
        const { data } = await request({ action, method: "POST", path, json: body, ctx });
        const id = str(data.id);
        if (!id) throw providerFailed(SELLERPIC_PROVIDER_ID, `${action} answered without data.id`);
        return id;
      } catch (error) {
        const concurrency = isAppError(error) && (error.details as { concurrency?: boolean } | undefined)?.concurrency;
        if (!concurrency) throw error;
        if (Date.now() + concurrencyWaitMs > deadline)
          throw providerTimeout(SELLERPIC_PROVIDER_ID, "no free task slot before the deadline (code 30003)");
        await sleep(concurrencyWaitMs, ctx.signal);
      }
    }
  }

  /** Polls until every result item is SUCCESS or FAILED; returns the image ids that succeeded. */
  async function waitTask(taskId: string, ctx: ProviderContext, deadline: number): Promise<string[]> {
    for (;;) {
      if (Date.now() + pollIntervalMs > deadline)
        throw providerTimeout(SELLERPIC_PROVIDER_ID, `task ${taskId} still running at the deadline`, { taskId });
      await sleep(pollIntervalMs, ctx.signal);
      const { data } = await request({
        action: "task.poll",
        method: "GET",
        path: "/api/generate",
        query: { id: taskId },
        ctx,
      });
      const items = Array.isArray(data.resultList) ? (data.resultList as Record<string, unknown>[]) : [];
      const statuses = items.map((item) => String(item.status ?? ""));
      if (items.length === 0 || statuses.some((s) => s === "CREATED" || s === "RUNNING" || s === "")) continue;
      const done = items
        .filter((item) => item.status === "SUCCESS")
        .map((item) => str(item.id))
        .filter((id): id is string => !!id);
      if (done.length === 0) {
        const first = items[0]!;
        throw providerFailed(
          SELLERPIC_PROVIDER_ID,
          `task ${taskId} failed: ${str(first.errorMsg) || "no reason given"}`,
          { taskId, vendorCode: String(first.errorCode ?? "") },
        );
      }
      ctx.onProgress?.(0.9);
      return done;
    }
  }

  /** Get Download Url (§2.8) then the bytes; an expired link (403) gets one fresh URL. */
  async function download(
    imageId: string,
    format: "png" | "jpg",
    ctx: ProviderContext,
    costMinor: number,
  ): Promise<Buffer> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const { data, requestId } = await request({
        action: "download.url",
        method: "GET",
        path: "/api/download",
        query: { downloadFormat: format, id: imageId, uhd: "true" },
        ctx,
      });
      const fileUrl = str(data.fileUrl);
      if (!fileUrl)
        throw providerFailed(
          SELLERPIC_PROVIDER_ID,
          `no download link for image ${imageId}: ${str(data.errorMsg) ?? "missing fileUrl"}`,
        );
      try {
        return await downloadResult({
          provider: SELLERPIC_PROVIDER_ID,
          url: fileUrl,
          ctx,
          timeoutMs,
          costMinor,
          requestId,
        });
      } catch (error) {
        lastError = error;
        if (!(isAppError(error) && error.code === "provider_failed")) throw error;
      }
    }
    throw lastError;
  }

  async function runTask(params: {
    action: string;
    path: string;
    body: unknown;
    ctx: ProviderContext;
    deadline: number;
    format: "png" | "jpg";
    costMinor: number;
  }): Promise<{ bytes: Buffer; taskId: string }> {
    const taskId = await createTask(params.action, params.path, params.body, params.ctx, params.deadline);
    const [first] = await waitTask(taskId, params.ctx, params.deadline);
    return { bytes: await download(first!, params.format, params.ctx, params.costMinor), taskId };
  }

  async function segment(image: ImageInput, prompt: string, ctx: ProviderContext, deadline: number) {
    const prepared = await prepareForVendor(image, SELLERPIC_LIMITS);
    const imageKey = await upload(prepared, ctx);
    const { bytes, taskId } = await runTask({
      action: "promptSegmentation",
      path: "/api/generate/promptSegmentation",
      body: { imageKey, prompt },
      ctx,
      deadline,
      format: "png",
      costMinor: 0,
    });
    return { maskPng: await toMaskPng(bytes, { width: image.width, height: image.height }), taskId };
  }

  return {
    id: SELLERPIC_PROVIDER_ID,
    capabilities: ["background-change", "background-removal", "prompt-segmentation"],

    canHandle(serviceId: ServiceId, request: unknown): string | null {
      const req = request as { preview?: unknown; shadow?: boolean; canvas?: string };
      if (req.preview) return "previews are rendered locally";
      if (serviceId === "background-change" && req.shadow) return "SellerPic has no contact-shadow option";
      if (serviceId === "background-change" && req.canvas && req.canvas !== "original")
        return "SellerPic keeps the photo's own size";
      return null;
    },

    async promptSegmentation(req: PromptSegmentationRequest, ctx: ProviderContext) {
      const deadline = Date.now() + taskTimeoutMs;
      const { maskPng, taskId } = await segment(req.image, req.prompt, ctx, deadline);
      // Segment by Prompt costs 0 credits (§2.3).
      return maskResult({
        maskPng,
        width: req.image.width,
        height: req.image.height,
        requestId: taskId,
        costMinor: 0,
        meta: { provider: SELLERPIC_PROVIDER_ID, prompt: req.prompt },
      });
    },

    async backgroundRemoval(req: BackgroundRemovalRequest, ctx: ProviderContext) {
      // The Background Remover endpoint is undocumented (§2.6): a free subject mask from
      // Segment by Prompt, applied as alpha here, gives the same cut-out.
      const deadline = Date.now() + taskTimeoutMs;
      const { maskPng, taskId } = await segment(req.image, options.removalPrompt ?? "main subject", ctx, deadline);
      const cutoutPng = await cutoutFromMask(req.image, maskPng);
      return finishRemoval({
        cutoutPng,
        image: req.image,
        output: req.output,
        format: req.format,
        requestId: taskId,
        costMinor: 0,
      });
    },

    async backgroundChange(req: BackgroundChangeRequest, ctx: ProviderContext) {
      const deadline = Date.now() + taskTimeoutMs;
      const prepared = await prepareForVendor(req.image, SELLERPIC_LIMITS);
      const productImageKey = await upload(prepared, ctx);
      const bg = req.background;
      let body: Record<string, unknown>;
      let credits = 1;
      if (bg.kind === "color")
        body = { replaceType: "SOLID_COLOR_BACKGROUND", productImageKey, backgroundColor: bg.color };
      else if (bg.kind === "prompt") {
        // TEXT_TO_BACKGROUND renders four variants for 4 credits; we keep the first.
        body = { replaceType: "TEXT_TO_BACKGROUND", productImageKey, customBackgroundPrompt: bg.prompt };
        credits = 4;
      } else {
        const background =
          bg.kind === "image"
            ? await prepareForVendor(bg.image, SELLERPIC_LIMITS)
            : { bytes: await renderLocalBackground(bg.presetId, prepared), mime: "image/jpeg" };
        const backgroundImageKey = await upload(background, ctx);
        body = { replaceType: "CUSTOM_BACKGROUND_IMAGE", productImageKey, backgroundImageKey };
      }
      const costMinor = credits * creditCost;
      const { bytes, taskId } = await runTask({
        action: "replaceBackground",
        path: "/api/generate/replaceBackground",
        body,
        ctx,
        deadline,
        format: req.format === "jpeg" ? "jpg" : "png",
        costMinor,
      });
      return finishImage({
        bytes,
        width: req.image.width,
        height: req.image.height,
        format: req.format,
        requestId: taskId,
        costMinor,
        meta: { provider: SELLERPIC_PROVIDER_ID, replaceType: body.replaceType, credits },
      });
    },
  };
}

/** Our presets are procedural: render one at the photo's size and send it as a custom background. */
async function renderLocalBackground(presetId: string, size: { width: number; height: number }): Promise<Buffer> {
  const { renderBackgroundPreset } = await import("@/lib/image/presets");
  const rgb = await renderBackgroundPreset(presetId, { width: size.width, height: size.height });
  return sharp(Buffer.from(rgb.data), { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

function str(value: unknown): string | undefined {
  if (typeof value === "string" && value.length > 0) return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  return undefined;
}
