import "server-only";
import type { AppError } from "@/lib/errors";
import {
  fetchWithTimeout,
  parseVendorJson,
  providerAuthFailed,
  providerFailed,
  providerRejectedInput,
  providerUnavailable,
  recordHttp,
} from "../http";
import type { ProviderContext } from "../types";
import { signRpcRequest } from "./sign";

export const ALIBABA_PROVIDER_ID = "alibaba";
export const IMAGESEG_VERSION = "2019-12-30";
export const DEFAULT_ALIBABA_ENDPOINT = "https://imageseg.cn-shanghai.aliyuncs.com";

export type AlibabaCredentials = {
  accessKeyId: string;
  accessKeySecret: string;
  /** Full URL; the fake uses http://127.0.0.1:<port>. */
  endpoint: string;
  httpTimeoutMs: number;
  /** Injected in tests for deterministic signatures. */
  now?: () => Date;
  nonce?: () => string;
};

/** Error codes of the imageseg table (notes/providers.md §1.5) by what they mean for us. */
const AUTH_CODES = [
  /^AuthFailed$/,
  /^InvalidAccessKey/,
  /^SignatureDoesNotMatch$/,
  /^InvalidApi\.(NotPurchase|ForbiddenInvoke|OutOfService)$/,
  /^EntityNotExist\.Role$/,
  /^Forbidden/,
];
/**
 * The URL we handed over could not be fetched. That is our PUBLIC_BASE_URL being unreachable
 * from Alibaba far more often than a bad photo, so it is a provider failure (fallback allowed),
 * not a rejection of the user's input.
 */
const FETCH_CODES = [/^IllegalUrlParameter$/, /^InvalidImage\.Download$/, /^InvalidFile\.Download$/];
const INPUT_CODES = [
  /^InvalidImage\./,
  /^InvalidFile\./,
  /^ClientError\.IllegalArgument$/,
  /^InvalidParameter/,
  /^MissingParameter/,
  /^InvalidImage$/,
];
const RETRY_CODES = [/^Throttling/, /^InternalError/, /^ServiceUnavailable/, /^SignatureNonceUsed$/];

export function mapAlibabaError(status: number, code: string, message: string, requestId?: string): AppError {
  const details = { httpStatus: status, vendorCode: code, requestId };
  const text = `${code}: ${message}`;
  if (AUTH_CODES.some((re) => re.test(code))) return providerAuthFailed(ALIBABA_PROVIDER_ID, text, details);
  if (RETRY_CODES.some((re) => re.test(code)) || status === 429 || status >= 500)
    return providerUnavailable(ALIBABA_PROVIDER_ID, text, details);
  if (FETCH_CODES.some((re) => re.test(code)))
    return providerFailed(ALIBABA_PROVIDER_ID, `${text} (is PUBLIC_BASE_URL reachable from Alibaba Cloud?)`, details);
  if (INPUT_CODES.some((re) => re.test(code)))
    return providerRejectedInput(ALIBABA_PROVIDER_ID, message || code, details);
  if (status === 401 || status === 403 || status === 404) return providerAuthFailed(ALIBABA_PROVIDER_ID, text, details);
  return providerFailed(ALIBABA_PROVIDER_ID, text, details);
}

/** One signed imageseg RPC call (`POST /?Param=…`, empty body); returns `Data` and `RequestId`. */
export async function callImageseg(params: {
  creds: AlibabaCredentials;
  action: string;
  query: Record<string, string>;
  ctx: ProviderContext;
  costMinor?: number;
}): Promise<{ requestId?: string; data: Record<string, unknown> }> {
  const { creds, action, ctx } = params;
  const signed = signRpcRequest({
    endpoint: creds.endpoint,
    action,
    version: IMAGESEG_VERSION,
    query: params.query,
    accessKeyId: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
    now: creds.now?.(),
    nonce: creds.nonce?.(),
  });
  let res;
  try {
    res = await fetchWithTimeout({
      provider: ALIBABA_PROVIDER_ID,
      url: signed.url,
      method: "POST",
      headers: signed.headers,
      timeoutMs: creds.httpTimeoutMs,
      signal: ctx.signal,
      maxBytes: 1024 * 1024,
    });
  } catch (error) {
    const err = error as AppError;
    await recordHttp(ctx, {
      provider: ALIBABA_PROVIDER_ID,
      action,
      ok: false,
      latencyMs: 0,
      errorCode: err.code ?? "provider_unavailable",
      errorMessage: err.message,
    });
    throw error;
  }
  let body: Record<string, unknown> | null = null;
  let parseError: AppError | undefined;
  try {
    body = parseVendorJson(ALIBABA_PROVIDER_ID, res);
  } catch (error) {
    parseError = error as AppError;
  }
  const requestId =
    typeof body?.RequestId === "string" ? body.RequestId : (res.headers.get("x-acs-request-id") ?? undefined);
  const ok =
    res.status >= 200 &&
    res.status < 300 &&
    !parseError &&
    !!body &&
    typeof body.Data === "object" &&
    body.Data !== null;
  const error = ok
    ? undefined
    : (parseError ??
      mapAlibabaError(
        res.status,
        typeof body?.Code === "string" ? body.Code : `HTTP${res.status}`,
        typeof body?.Message === "string" ? body.Message : `HTTP ${res.status}`,
        requestId,
      ));
  await recordHttp(ctx, {
    provider: ALIBABA_PROVIDER_ID,
    action,
    ok,
    httpStatus: res.status,
    latencyMs: res.latencyMs,
    requestId,
    errorCode: error?.code,
    errorMessage: error?.message,
    costMinor: ok ? params.costMinor : undefined,
  });
  if (error) throw error;
  return { requestId, data: body!.Data as Record<string, unknown> };
}
