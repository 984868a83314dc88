import "server-only";
import { isAppError } from "@/lib/errors";
import { recordHttp } from "./audit";
import { retryStep, systemClock, type Clock } from "./backoff";
import { providerFailed, providerUnavailable } from "./errors";
import { fetchWithTimeout, type HttpResult } from "./transport";
import type { ProviderContext } from "./types";

/**
 * Downloads a vendor's result link right away (vendor links expire within minutes or hours) so
 * we re-host the bytes instead of handing out the vendor's URL.
 *
 * - 403/404/410: the link expired or never existed → `provider_failed` at once;
 * - 429, 5xx, timeouts: this download is retried here (`attempts` in all), never the paid task.
 */
export async function downloadResult(params: {
  provider: string;
  url: string;
  ctx: ProviderContext;
  timeoutMs: number;
  requestId?: string;
  clock?: Clock;
  attempts?: number;
}): Promise<Buffer> {
  return retryStep({
    attempts: params.attempts ?? 3,
    clock: params.clock ?? systemClock,
    signal: params.ctx.signal,
    run: () => downloadOnce(params),
  });
}

async function downloadOnce(params: {
  provider: string;
  url: string;
  ctx: ProviderContext;
  timeoutMs: number;
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
      : result.status >= 500 || result.status === 429
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
  });
  if (error) throw error;
  return result.body;
}
