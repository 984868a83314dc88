import "server-only";
import type { AppError } from "@/lib/errors";
import { recordHttp } from "../audit";
import { providerAuthFailed, providerFailed, providerRejectedInput, providerUnavailable } from "../errors";
import { fetchWithTimeout, parseVendorJson } from "../transport";
import type { ProviderContext } from "../types";
import { signRpcRequest } from "./sign";

export const ALIBABA_PROVIDER_ID = "alibaba";
const IMAGESEG_VERSION = "2019-12-30";
export const DEFAULT_ALIBABA_ENDPOINT = "https://imageseg.cn-shanghai.aliyuncs.com";

export type AlibabaCredentials = {
  accessKeyId: string;
  accessKeySecret: string;
  httpTimeoutMs: number;
  /** Injected in tests for deterministic signatures. */
  now?: () => Date;
  nonce?: () => string;
};

/** Error codes by what they mean for us (see README.md in this folder for the table). */
const AUTH_CODES = [
  /^AuthFailed$/,
  /^InvalidAccessKey/,
  /^SignatureDoesNotMatch$/,
  /^InvalidApi\.(NotPurchase|ForbiddenInvoke|OutOfService)$/,
  /^EntityNotExist\.Role$/,
  /^Forbidden/,
];
/**
 * Alibaba could not fetch the URL we handed over: not on its storage (a region refusal),
 * unreachable, or refused. That is about where our input lives, not about the photo, so it is
 * a provider failure (the adapter then uploads the input to Alibaba's storage, and the router
 * may fall back), never a rejection of the user's input.
 */
const URL_CODES = [
  /^IllegalUrlParameter$/,
  /^InvalidUrl/i,
  /^InvalidImage\.(Download|Region|URL|Url)$/,
  /^InvalidFile\.(Download|Region|URL|Url)$/,
  /Region/,
];
const INPUT_CODES = [
  /^InvalidImage\./,
  /^InvalidFile\./,
  /^ClientError\.IllegalArgument$/,
  /^InvalidParameter/,
  /^MissingParameter/,
  /^InvalidImage$/,
];
const RETRY_CODES = [/^Throttling/, /^InternalError/, /^ServiceUnavailable/, /^SignatureNonceUsed$/];

function mapAlibabaError(status: number, code: string, message: string, requestId?: string): AppError {
  const details = { httpStatus: status, vendorCode: code, requestId };
  const text = `${code}: ${message}`;
  if (AUTH_CODES.some((re) => re.test(code))) return providerAuthFailed(ALIBABA_PROVIDER_ID, text, details);
  if (RETRY_CODES.some((re) => re.test(code)) || status === 429 || status >= 500)
    return providerUnavailable(ALIBABA_PROVIDER_ID, text, details);
  if (URL_CODES.some((re) => re.test(code)))
    return providerFailed(ALIBABA_PROVIDER_ID, `${text} (the input URL was refused)`, { ...details, urlRefused: true });
  if (INPUT_CODES.some((re) => re.test(code)))
    return providerRejectedInput(ALIBABA_PROVIDER_ID, message || code, details);
  if (status === 401 || status === 403 || status === 404) return providerAuthFailed(ALIBABA_PROVIDER_ID, text, details);
  return providerFailed(ALIBABA_PROVIDER_ID, text, details);
}

/** Whether an error says Alibaba could not (or would not) fetch our input URL. */
export function isUrlRefusal(error: unknown): boolean {
  return (
    !!(error as AppError | undefined)?.details && !!(error as { details: { urlRefused?: boolean } }).details.urlRefused
  );
}

/**
 * One signed RPC call (`POST /?Param=…`, empty body, ACS3-HMAC-SHA256) on an Alibaba Cloud
 * endpoint; returns the JSON body. `dataKey` names the member whose presence means success
 * (`Data` for imageseg; AuthorizeFileUpload answers at the top level).
 */
export async function callRpc(params: {
  creds: AlibabaCredentials;
  endpoint: string;
  version: string;
  action: string;
  query: Record<string, string>;
  ctx: ProviderContext;
  costMinor?: number;
  dataKey?: string;
}): Promise<{ requestId?: string; body: Record<string, unknown> }> {
  const { creds, action, ctx } = params;
  const signed = signRpcRequest({
    endpoint: params.endpoint,
    action,
    version: params.version,
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
  const dataKey = params.dataKey ?? "Data";
  const hasData = !!body && (dataKey === "" || (typeof body[dataKey] === "object" && body[dataKey] !== null));
  const ok = res.status >= 200 && res.status < 300 && !parseError && hasData && typeof body?.Code !== "string";
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
  return { requestId, body: body! };
}

/** One imageseg action; returns `Data` and `RequestId`. */
export async function callImageseg(params: {
  creds: AlibabaCredentials;
  endpoint: string;
  action: string;
  query: Record<string, string>;
  ctx: ProviderContext;
  costMinor?: number;
}): Promise<{ requestId?: string; data: Record<string, unknown> }> {
  const { requestId, body } = await callRpc({ ...params, version: IMAGESEG_VERSION });
  return { requestId, data: body.Data as Record<string, unknown> };
}
