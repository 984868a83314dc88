import "server-only";
import type { ServiceId } from "@/lib/catalog/services";
import type { AppError } from "@/lib/errors";
import { recordHttp } from "../audit";
import { retryStep, systemClock, type Clock } from "../backoff";
import { downloadResult } from "../download";
import {
  afterPaidStep,
  errorForStatus,
  providerAuthFailed,
  providerFailed,
  providerRejectedInput,
  providerTimeout,
} from "../errors";
import { finishImage, finishRemoval, prepareForVendor } from "../images";
import { fetchWithTimeout, parseVendorJson } from "../transport";
import type { BackgroundChangeRequest, BackgroundRemovalRequest } from "@/lib/image/types";
import type { ImageProvider, ProviderContext } from "../types";
import { DEFAULT_YOUCAM_BASE_URL, DEFAULT_YOUCAM_BG_TASK_PATH, YOUCAM_PROVIDER_ID, YOUCAM_UNITS } from "./constants";
import { waitForYoucamTask } from "./webhook";

/** Task limits: long side ≤4096, under 10 MB, jpg/png (PNG and WebP inputs are re-encoded or scaled to fit). */
const YOUCAM_LIMITS = { maxLongSide: 4096, maxBytes: 10 * 1024 * 1024 - 1 } as const;
/** Background presets routed to YouCam templates: `youcam:<template_id>` (e.g. youcam:nature_cherryblossom). */
const YOUCAM_TEMPLATE_PREFIX = "youcam:";

export type YoucamOptions = {
  apiKey: string;
  baseUrl?: string;
  /** `bg-replace` (current) or `bg-replace-v2` (older docs; its files go through `/file/bg-replace-v2`). */
  bgTaskPath?: string;
  httpTimeoutMs?: number;
  /** Polling is mandatory: a task not polled in time can expire. Official samples poll every 5 s. */
  pollIntervalMs?: number;
  taskTimeoutMs?: number;
  /** What one unit costs us, in catalog minor units. */
  unitCostMinor?: number;
  clock?: Clock;
  /** Attempts of one poll or download step on 429/5xx/timeouts (the task itself is never re-created). */
  stepAttempts?: number;
};

/** Engine errors in `data.error` that mean the photo itself cannot be processed. */
const INPUT_ERRORS = new Set([
  "error_exceed_max_image_size",
  "exceed_max_filesize",
  "invalid_parameter",
  "error_decode_image",
  "error_nsfw_content_detected",
  "exceed_nsfw_retry_limits",
  "error_no_face",
  "error_pose",
  "error_face_parsing",
  "error_unsupport_ratio",
  "error_multiple_people",
]);

/** A task that ended in `error`: the photo's fault for the engine's input codes, else this provider's. */
function taskError(taskId: string, data: Record<string, unknown>): AppError {
  const code = typeof data.error === "string" ? data.error : "unknown";
  const message = typeof data.error_message === "string" && data.error_message ? data.error_message : code;
  if (INPUT_ERRORS.has(code)) return providerRejectedInput(YOUCAM_PROVIDER_ID, message, { vendorCode: code, taskId });
  return providerFailed(YOUCAM_PROVIDER_ID, `task ${taskId} ended with ${code}: ${message}`, {
    vendorCode: code,
    taskId,
  });
}

export function createYoucamProvider(options: YoucamOptions): ImageProvider {
  const baseUrl = (options.baseUrl ?? DEFAULT_YOUCAM_BASE_URL).replace(/\/+$/, "");
  const bgPath = options.bgTaskPath ?? DEFAULT_YOUCAM_BG_TASK_PATH;
  const timeoutMs = options.httpTimeoutMs ?? 45_000;
  const pollIntervalMs = options.pollIntervalMs ?? 3_000;
  const taskTimeoutMs = options.taskTimeoutMs ?? 5 * 60_000;
  const unitCost = options.unitCostMinor ?? 5;
  const clock = options.clock ?? systemClock;
  const stepAttempts = options.stepAttempts ?? 4;

  async function request(params: {
    action: string;
    method: "GET" | "POST";
    path: string;
    json?: unknown;
    ctx: ProviderContext;
    /** The cost to record on this call, decided from its answer (units are charged on success). */
    costOf?: (data: Record<string, unknown>) => number | undefined;
    /** A well-formed answer that still means failure (a task that ended in `error`). */
    judge?: (data: Record<string, unknown>) => AppError | undefined;
  }): Promise<Record<string, unknown>> {
    let res;
    try {
      res = await fetchWithTimeout({
        provider: YOUCAM_PROVIDER_ID,
        url: `${baseUrl}${params.path}`,
        method: params.method,
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          accept: "application/json",
          ...(params.json !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: params.json !== undefined ? JSON.stringify(params.json) : undefined,
        timeoutMs,
        signal: params.ctx.signal,
        maxBytes: 2 * 1024 * 1024,
      });
    } catch (error) {
      await recordHttp(params.ctx, {
        provider: YOUCAM_PROVIDER_ID,
        action: params.action,
        ok: false,
        latencyMs: 0,
        errorCode: (error as AppError).code,
        errorMessage: (error as Error).message,
      });
      throw error;
    }
    let body: Record<string, unknown> | null = null;
    let error: AppError | undefined;
    try {
      body = parseVendorJson(YOUCAM_PROVIDER_ID, res);
    } catch (e) {
      error = e as AppError;
    }
    const vendorCode = typeof body?.error_code === "string" ? body.error_code : undefined;
    const message = typeof body?.error === "string" ? body.error : `HTTP ${res.status}`;
    if (!error && (res.status < 200 || res.status >= 300)) {
      const details = { vendorCode, httpStatus: res.status };
      if (
        res.status === 401 ||
        vendorCode === "InvalidApiKey" ||
        vendorCode === "InactiveApiKey" ||
        vendorCode === "ExpiredApiKey"
      )
        error = providerAuthFailed(YOUCAM_PROVIDER_ID, `${vendorCode ?? "401"}: ${message}`, details);
      // Out of units is an account problem, not the photo's: fail this provider, fall back.
      else if (vendorCode === "CreditInsufficiency")
        error = providerFailed(YOUCAM_PROVIDER_ID, `${vendorCode}: ${message}`, details);
      else if (vendorCode === "InvalidTaskId")
        error = providerFailed(YOUCAM_PROVIDER_ID, `${vendorCode}: ${message}`, details);
      else
        error = errorForStatus(
          YOUCAM_PROVIDER_ID,
          res.status,
          vendorCode ? `${vendorCode}: ${message}` : message,
          details,
        );
    }
    const data = body?.data && typeof body.data === "object" ? (body.data as Record<string, unknown>) : {};
    error ??= params.judge?.(data);
    await recordHttp(params.ctx, {
      provider: YOUCAM_PROVIDER_ID,
      action: params.action,
      ok: !error,
      httpStatus: res.status,
      latencyMs: res.latencyMs,
      errorCode: error?.code,
      errorMessage: error?.message,
      costMinor: error ? undefined : params.costOf?.(data),
    });
    if (error) throw error;
    return data;
  }

  /**
   * File API: create → PUT the bytes to the presigned URL with exactly the headers given. The
   * older `bg-replace-v2` feature has its own file path.
   */
  async function upload(
    image: { bytes: Buffer; mime: string },
    feature: string,
    ctx: ProviderContext,
  ): Promise<string> {
    const contentType = image.mime === "image/png" ? "image/png" : "image/jpg";
    const data = await request({
      action: "file.create",
      method: "POST",
      path: feature === "bg-replace-v2" ? "/s2s/v2.0/file/bg-replace-v2" : "/s2s/v2.0/file",
      json: {
        files: [
          {
            content_type: contentType,
            file_name: contentType === "image/png" ? "photo.png" : "photo.jpg",
            file_size: image.bytes.length,
          },
        ],
      },
      ctx,
    });
    const file = (Array.isArray(data.files) ? data.files[0] : undefined) as
      | { file_id?: unknown; requests?: { method?: string; url?: string; headers?: Record<string, unknown> }[] }
      | undefined;
    const put = file?.requests?.[0];
    if (typeof file?.file_id !== "string" || !put?.url)
      throw providerFailed(YOUCAM_PROVIDER_ID, "file API answered without file_id or upload URL");
    const headers = Object.fromEntries(
      Object.entries(put.headers ?? {})
        .map(([k, v]) => [k, String(v)])
        .filter(([k]) => String(k).toLowerCase() !== "content-length"),
    );
    let res;
    try {
      res = await fetchWithTimeout({
        provider: YOUCAM_PROVIDER_ID,
        url: put.url,
        method: put.method ?? "PUT",
        headers,
        body: new Uint8Array(image.bytes),
        timeoutMs,
        signal: ctx.signal,
        maxBytes: 1024 * 1024,
      });
    } catch (error) {
      await recordHttp(ctx, {
        provider: YOUCAM_PROVIDER_ID,
        action: "file.put",
        ok: false,
        latencyMs: 0,
        errorCode: (error as AppError).code,
        errorMessage: (error as Error).message,
      });
      throw error;
    }
    const ok = res.status >= 200 && res.status < 300;
    const error = ok
      ? undefined
      : res.status === 403
        ? providerFailed(YOUCAM_PROVIDER_ID, `upload URL refused the file (HTTP 403)`, { httpStatus: 403 })
        : errorForStatus(YOUCAM_PROVIDER_ID, res.status, `upload failed (HTTP ${res.status})`);
    await recordHttp(ctx, {
      provider: YOUCAM_PROVIDER_ID,
      action: "file.put",
      ok,
      httpStatus: res.status,
      latencyMs: res.latencyMs,
      errorCode: error?.code,
      errorMessage: error?.message,
    });
    if (error) throw error;
    return file.file_id;
  }

  /**
   * Runs a task and polls it (woken early by a verified webhook); returns the result bytes.
   * Units are charged when the task succeeds, so the cost goes on the poll that reports success.
   * After the task is accepted, a failing poll or download is retried as that step alone.
   */
  async function runTask(
    feature: string,
    body: Record<string, unknown>,
    ctx: ProviderContext,
    costMinor: number,
  ): Promise<{ bytes: Buffer; taskId: string }> {
    const deadline = clock.now() + taskTimeoutMs;
    const created = await request({
      action: `task.create:${feature}`,
      method: "POST",
      path: `/s2s/v2.0/task/${feature}`,
      json: body,
      ctx,
    });
    const taskId = typeof created.task_id === "string" ? created.task_id : undefined;
    if (!taskId) throw providerFailed(YOUCAM_PROVIDER_ID, "task creation answered without task_id");
    try {
      return { bytes: await pollAndDownload(feature, taskId, deadline, ctx, costMinor), taskId };
    } catch (error) {
      throw afterPaidStep(error, YOUCAM_PROVIDER_ID);
    }
  }

  async function pollAndDownload(
    feature: string,
    taskId: string,
    deadline: number,
    ctx: ProviderContext,
    costMinor: number,
  ): Promise<Buffer> {
    for (;;) {
      if (clock.now() + pollIntervalMs > deadline)
        throw providerTimeout(YOUCAM_PROVIDER_ID, `task ${taskId} still running at the deadline`, { taskId });
      await waitForYoucamTask(taskId, pollIntervalMs, ctx.signal, (ms, signal) => clock.sleep(ms, signal));
      const data = await retryStep({
        attempts: stepAttempts,
        clock,
        signal: ctx.signal,
        run: () =>
          request({
            action: `task.poll:${feature}`,
            method: "GET",
            path: `/s2s/v2.0/task/${feature}/${encodeURIComponent(taskId)}`,
            ctx,
            costOf: (d) => (d.task_status === "success" ? costMinor : undefined),
            judge: (d) => (d.task_status === "error" ? taskError(taskId, d) : undefined),
          }),
      });
      const status = String(data.task_status ?? "");
      if (status === "running" || status === "") continue;
      if (status === "success") {
        const url = (data.results as { url?: unknown } | undefined)?.url;
        if (typeof url !== "string")
          throw providerFailed(YOUCAM_PROVIDER_ID, `task ${taskId} succeeded without results.url`, { taskId });
        return downloadResult({
          provider: YOUCAM_PROVIDER_ID,
          url,
          ctx,
          timeoutMs,
          requestId: taskId,
          clock,
          attempts: stepAttempts,
        });
      }
      throw taskError(taskId, data);
    }
  }

  return {
    id: YOUCAM_PROVIDER_ID,
    capabilities: ["background-change", "background-removal"],

    canHandle(serviceId: ServiceId, request: unknown): string | null {
      const req = request as Partial<BackgroundChangeRequest> & { preview?: unknown };
      if (req.preview) return "previews are rendered locally";
      if (serviceId === "background-change") {
        const bg = req.background;
        if (req.shadow) return "YouCam has no contact-shadow option";
        if (req.canvas && req.canvas !== "original") return "YouCam keeps the photo's own size";
        if (bg?.kind === "prompt") return null;
        if (bg?.kind === "preset" && bg.presetId.startsWith(YOUCAM_TEMPLATE_PREFIX)) return null;
        return "YouCam changes backgrounds by prompt or by its own templates only";
      }
      return null;
    },

    async backgroundChange(req: BackgroundChangeRequest, ctx: ProviderContext) {
      const prepared = await prepareForVendor(req.image, { ...YOUCAM_LIMITS, keepAlpha: true });
      const fileId = await upload(prepared, bgPath, ctx);
      const bg = req.background;
      const body: Record<string, unknown> =
        bg.kind === "preset"
          ? { src_file_id: fileId, type: "template", template_id: bg.presetId.slice(YOUCAM_TEMPLATE_PREFIX.length) }
          : { src_file_id: fileId, type: "prompt", prompt: bg.kind === "prompt" ? bg.prompt : "" };
      const costMinor = YOUCAM_UNITS.bgReplace * unitCost;
      const { bytes, taskId } = await runTask(bgPath, body, ctx, costMinor);
      return finishImage({
        bytes,
        width: req.image.width,
        height: req.image.height,
        format: req.format,
        requestId: taskId,
        costMinor,
        meta: { provider: YOUCAM_PROVIDER_ID, feature: bgPath, units: YOUCAM_UNITS.bgReplace },
      });
    },

    async backgroundRemoval(req: BackgroundRemovalRequest, ctx: ProviderContext) {
      const prepared = await prepareForVendor(req.image, { ...YOUCAM_LIMITS, keepAlpha: true });
      const fileId = await upload(prepared, "sod", ctx);
      const costMinor = YOUCAM_UNITS.sod * unitCost;
      const { bytes, taskId } = await runTask("sod", { src_file_id: fileId }, ctx, costMinor);
      return finishRemoval({
        cutoutPng: bytes,
        image: req.image,
        output: req.output,
        format: req.format,
        requestId: taskId,
        costMinor,
      });
    },
  };
}
