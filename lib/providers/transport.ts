import "server-only";
import { AppError, isAppError } from "@/lib/errors";

/** Outbound HTTP for the vendor adapters: fetch with a timeout and a size cap, int64-safe JSON. */

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

/** The body as a JSON object, or null (empty, not JSON on an error status); non-JSON on 2xx throws. */
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
