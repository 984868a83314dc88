import "server-only";
import type { ServiceId } from "@/lib/catalog/services";
import { type AppError, isAppError } from "@/lib/errors";
import { recordHttp } from "../audit";
import { retryStep, systemClock, type Clock } from "../backoff";
import type { ReferenceRenderer } from "../descriptor";
import { downloadResult } from "../download";
import { afterPaidStep, errorForStatus, providerFailed, providerTimeout, providerUnavailable } from "../errors";
import { cutoutFromMask, finishImage, finishRemoval, maskResult, prepareForVendor, toMaskPng } from "../images";
import { fetchWithTimeout, parseVendorJson } from "../transport";
import type {
  BackgroundChangeRequest,
  BackgroundRemovalRequest,
  ImageInput,
  PromptSegmentationRequest,
} from "@/lib/image/types";
import type { ImageProvider, ProviderContext } from "../types";

const SELLERPIC_PROVIDER_ID = "sellerpic";
const DEFAULT_SELLERPIC_BASE_URL = "https://api.sellerpic.ai/v1";
/** Over the per-account concurrency cap, task creation fails with this code (whatever the HTTP status). */
const SELLERPIC_CONCURRENCY_CODE = 30003;
/** Task limits: ≤10 MB, ≤4096 px; jpg/png/webp. */
const SELLERPIC_LIMITS = { maxLongSide: 4096, maxBytes: 10 * 1024 * 1024 } as const;
const DEFAULT_SELLERPIC_REMOVER_PATH = "/api/generate/removeBackground";

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
  /** What one credit costs us, in catalog minor units. */
  creditCostMinor?: number;
  /** Background Remover task path under the base URL. */
  removerPath?: string;
  renderReference: ReferenceRenderer;
  clock?: Clock;
  /** Attempts of one poll or download step on 429/5xx/timeouts (the task itself is never re-created). */
  stepAttempts?: number;
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
 * SellerPic: upload, Segment by Prompt, Background Replacer, Background Remover, polling and
 * download (see README.md here). Ids are int64 on the wire: every JSON body is parsed with big
 * integers kept as strings.
 */
export function createSellerPicProvider(options: SellerPicOptions): ImageProvider {
  const baseUrl = (options.baseUrl ?? DEFAULT_SELLERPIC_BASE_URL).replace(/\/+$/, "");
  const timeoutMs = options.httpTimeoutMs ?? 45_000;
  const pollIntervalMs = options.pollIntervalMs ?? 60_000;
  const concurrencyWaitMs = options.concurrencyWaitMs ?? pollIntervalMs;
  const taskTimeoutMs = options.taskTimeoutMs ?? 10 * 60_000;
  const creditCost = options.creditCostMinor ?? 5;
  const clock = options.clock ?? systemClock;
  const stepAttempts = options.stepAttempts ?? 4;

  async function request(params: {
    action: string;
    method: "GET" | "POST";
    path: string;
    query?: Record<string, string>;
    json?: unknown;
    form?: FormData;
    ctx: ProviderContext;
    costMinor?: number;
    /** A well-formed answer that still means failure (every item of a task FAILED). */
    judge?: (data: Record<string, unknown>) => AppError | undefined;
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
      body = parseVendorJson(SELLERPIC_PROVIDER_ID, res);
    } catch (e) {
      error = e as AppError;
    }
    const requestId = str(body?.traceId) ?? str(body?.request_id);
    const code = body?.code === undefined ? undefined : String(body.code);
    const message = str(body?.msg) ?? `HTTP ${res.status}`;
    if (!error) {
      // The concurrency code is recognised whatever HTTP status carries it (200, 429, 4xx…).
      if (code === String(SELLERPIC_CONCURRENCY_CODE))
        error = providerUnavailable(SELLERPIC_PROVIDER_ID, `concurrency limit reached (${message})`, {
          vendorCode: code,
          httpStatus: res.status,
          concurrency: true,
        });
      else if (res.status < 200 || res.status >= 300)
        error = errorForStatus(SELLERPIC_PROVIDER_ID, res.status, message, { vendorCode: code, requestId });
      else if (code !== "0" || body?.success === false)
        error = providerFailed(SELLERPIC_PROVIDER_ID, `${message} (code ${code})`, {
          vendorCode: code,
          httpStatus: res.status,
          requestId,
        });
    }
    const data = body?.data && typeof body.data === "object" ? (body.data as Record<string, unknown>) : {};
    error ??= params.judge?.(data);
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

  /**
   * Creates a task, waiting for a free slot while the account is at its concurrency cap. The
   * credits are charged when the task is accepted, so the cost goes on this call's record.
   */
  async function createTask(params: {
    action: string;
    path: string;
    body: unknown;
    ctx: ProviderContext;
    deadline: number;
    costMinor: number;
  }): Promise<string> {
    for (;;) {
      try {
        const { data } = await request({
          action: params.action,
          method: "POST",
          path: params.path,
          json: params.body,
          ctx: params.ctx,
          costMinor: params.costMinor,
        });
        const id = str(data.id);
        if (!id) throw providerFailed(SELLERPIC_PROVIDER_ID, `${params.action} answered without data.id`);
        return id;
      } catch (error) {
        const concurrency = isAppError(error) && (error.details as { concurrency?: boolean } | undefined)?.concurrency;
        if (!concurrency) throw error;
        if (clock.now() + concurrencyWaitMs > params.deadline)
          throw providerTimeout(SELLERPIC_PROVIDER_ID, "no free task slot before the deadline (code 30003)");
        await clock.sleep(concurrencyWaitMs, params.ctx.signal);
      }
    }
  }

  /** Polls until every result item is SUCCESS or FAILED; returns the image ids that succeeded. */
  async function waitTask(taskId: string, ctx: ProviderContext, deadline: number): Promise<string[]> {
    for (;;) {
      if (clock.now() + pollIntervalMs > deadline)
        throw providerTimeout(SELLERPIC_PROVIDER_ID, `task ${taskId} still running at the deadline`, { taskId });
      await clock.sleep(pollIntervalMs, ctx.signal);
      const { data } = await retryStep({
        attempts: stepAttempts,
        clock,
        signal: ctx.signal,
        run: () =>
          request({
            action: "task.poll",
            method: "GET",
            path: "/api/generate",
            query: { id: taskId },
            ctx,
            judge: (d) => {
              const items = resultItems(d);
              if (items.length === 0 || items.some((item) => item.status !== "FAILED")) return undefined;
              return providerFailed(
                SELLERPIC_PROVIDER_ID,
                `task ${taskId} failed: ${str(items[0]!.errorMsg) || "no reason given"}`,
                { taskId, vendorCode: String(items[0]!.errorCode ?? "") },
              );
            },
          }),
      });
      const items = resultItems(data);
      const statuses = items.map((item) => String(item.status ?? ""));
      if (items.length === 0 || statuses.some((s) => s === "CREATED" || s === "RUNNING" || s === "")) continue;
      ctx.onProgress?.(0.9);
      return items
        .filter((item) => item.status === "SUCCESS")
        .map((item) => str(item.id))
        .filter((id): id is string => !!id);
    }
  }

  /** Get Download Url then the bytes; an expired link (403) gets one fresh URL. */
  async function download(imageId: string, format: "png" | "jpg", ctx: ProviderContext): Promise<Buffer> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const { data, requestId } = await retryStep({
        attempts: stepAttempts,
        clock,
        signal: ctx.signal,
        run: () =>
          request({
            action: "download.url",
            method: "GET",
            path: "/api/download",
            query: { downloadFormat: format, id: imageId, uhd: "true" },
            ctx,
          }),
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
          requestId,
          clock,
          attempts: stepAttempts,
        });
      } catch (error) {
        lastError = error;
        if (!(isAppError(error) && error.code === "provider_failed")) throw error;
      }
    }
    throw lastError;
  }

  /** Create → poll → download. After the task is accepted, no failure may re-run it (it was paid). */
  async function runTask(params: {
    action: string;
    path: string;
    body: unknown;
    ctx: ProviderContext;
    deadline: number;
    format: "png" | "jpg";
    costMinor: number;
  }): Promise<{ bytes: Buffer; taskId: string }> {
    const taskId = await createTask(params);
    try {
      const [first] = await waitTask(taskId, params.ctx, params.deadline);
      return { bytes: await download(first!, params.format, params.ctx), taskId };
    } catch (error) {
      throw afterPaidStep(error, SELLERPIC_PROVIDER_ID);
    }
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
      const deadline = clock.now() + taskTimeoutMs;
      const { maskPng, taskId } = await segment(req.image, req.prompt, ctx, deadline);
      // Segment by Prompt costs 0 credits.
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
      // The Background Remover answers a cut-out; its alpha, scaled back to the input's size, is
      // applied to the original so a photo sent smaller keeps its full resolution.
      const deadline = clock.now() + taskTimeoutMs;
      const prepared = await prepareForVendor(req.image, SELLERPIC_LIMITS);
      const imageKey = await upload(prepared, ctx);
      const costMinor = creditCost;
      const { bytes, taskId } = await runTask({
        action: "removeBackground",
        path: options.removerPath ?? DEFAULT_SELLERPIC_REMOVER_PATH,
        body: { imageKey },
        ctx,
        deadline,
        format: "png",
        costMinor,
      });
      const mask = await toMaskPng(bytes, { width: req.image.width, height: req.image.height });
      const cutoutPng = await cutoutFromMask(req.image, mask);
      return finishRemoval({
        cutoutPng,
        image: req.image,
        output: req.output,
        format: req.format,
        requestId: taskId,
        costMinor,
      });
    },

    async backgroundChange(req: BackgroundChangeRequest, ctx: ProviderContext) {
      const deadline = clock.now() + taskTimeoutMs;
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
        // Our presets are procedural: rendered at the photo's size and sent as a custom background.
        const background =
          bg.kind === "image"
            ? await prepareForVendor(bg.image, SELLERPIC_LIMITS)
            : {
                bytes: await options.renderReference(
                  {
                    kind: "background",
                    source: { kind: "preset", presetId: bg.presetId },
                    width: prepared.width,
                    height: prepared.height,
                  },
                  ctx.signal,
                ),
                mime: "image/jpeg",
              };
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

function resultItems(data: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(data.resultList) ? (data.resultList as Record<string, unknown>[]) : [];
}

function str(value: unknown): string | undefined {
  if (typeof value === "string" && value.length > 0) return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  return undefined;
}
