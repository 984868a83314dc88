import "server-only";
import type { AppError } from "@/lib/errors";
import { recordHttp } from "../audit";
import { errorForStatus, providerFailed } from "../errors";
import { fetchWithTimeout } from "../transport";
import type { ProviderContext } from "../types";
import { ALIBABA_PROVIDER_ID, callRpc, type AlibabaCredentials } from "./client";

const OPENPLATFORM_VERSION = "2019-12-19";
export const DEFAULT_OPENPLATFORM_ENDPOINT = "https://openplatform.aliyuncs.com";

/**
 * The documented path for inputs Alibaba cannot fetch (files elsewhere than its own storage in
 * Shanghai): AuthorizeFileUpload on OpenPlatform hands out a short-lived OSS upload policy, the
 * file is POSTed to that bucket, and the action then gets `http://{Bucket}.{Endpoint}/{ObjectKey}`
 * — the same steps as the official SDK's `*Advance` methods.
 */
export async function uploadToOss(params: {
  creds: AlibabaCredentials;
  openPlatformEndpoint: string;
  regionId: string;
  input: { bytes: Buffer; mime: string };
  ctx: ProviderContext;
}): Promise<string> {
  const { body } = await callRpc({
    creds: params.creds,
    endpoint: params.openPlatformEndpoint,
    version: OPENPLATFORM_VERSION,
    action: "AuthorizeFileUpload",
    query: { Product: "imageseg", RegionId: params.regionId },
    ctx: params.ctx,
    dataKey: "",
  });
  const field = (name: string) => (typeof body[name] === "string" ? body[name] : "");
  const [bucket, endpoint, objectKey] = [field("Bucket"), field("Endpoint"), field("ObjectKey")];
  if (!bucket || !endpoint || !objectKey || !field("EncodedPolicy") || !field("Signature"))
    throw providerFailed(ALIBABA_PROVIDER_ID, "AuthorizeFileUpload answered without an upload policy");
  const host = body.UseAccelerate === true ? "oss-accelerate.aliyuncs.com" : endpoint;
  const base = ossBase(bucket, host);

  const form = new FormData();
  form.append("key", objectKey);
  form.append("OSSAccessKeyId", field("AccessKeyId"));
  form.append("policy", field("EncodedPolicy"));
  form.append("Signature", field("Signature"));
  form.append("success_action_status", "201");
  form.append("file", new Blob([new Uint8Array(params.input.bytes)], { type: params.input.mime }), "input");
  let res;
  try {
    res = await fetchWithTimeout({
      provider: ALIBABA_PROVIDER_ID,
      url: `${base}/`,
      method: "POST",
      body: form,
      timeoutMs: params.creds.httpTimeoutMs,
      signal: params.ctx.signal,
      maxBytes: 256 * 1024,
    });
  } catch (error) {
    await recordHttp(params.ctx, {
      provider: ALIBABA_PROVIDER_ID,
      action: "oss.upload",
      ok: false,
      latencyMs: 0,
      errorCode: (error as AppError).code,
      errorMessage: (error as Error).message,
    });
    throw error;
  }
  const ok = res.status === 201 || res.status === 200 || res.status === 204;
  const code = /<Code>([^<]+)<\/Code>/.exec(res.body.toString("utf8"))?.[1];
  // A refused upload policy is Alibaba's problem, not our key's (the policy was just issued).
  const error = ok
    ? undefined
    : res.status === 403
      ? providerFailed(ALIBABA_PROVIDER_ID, `OSS refused the upload (${code ?? "HTTP 403"})`, { httpStatus: 403 })
      : errorForStatus(ALIBABA_PROVIDER_ID, res.status, `OSS upload failed (${code ?? `HTTP ${res.status}`})`);
  await recordHttp(params.ctx, {
    provider: ALIBABA_PROVIDER_ID,
    action: "oss.upload",
    ok,
    httpStatus: res.status,
    latencyMs: res.latencyMs,
    errorCode: error?.code,
    errorMessage: error?.message,
  });
  if (error) throw error;
  return `${base}/${objectKey.split("/").map(encodeURIComponent).join("/")}`;
}

/**
 * The bucket's origin, virtual-hosted as OSS addresses buckets. An endpoint given as an IP
 * address (an OSS-compatible server, the test fake) cannot carry a bucket sub-domain and is
 * addressed path-style instead.
 */
function ossBase(bucket: string, endpoint: string): string {
  const hasScheme = /^https?:\/\//.test(endpoint);
  const url = new URL(hasScheme ? endpoint : `http://${endpoint}`);
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(url.hostname) || url.hostname === "[::1]")
    return `${url.protocol}//${url.host}/${encodeURIComponent(bucket)}`;
  return `${url.protocol}//${bucket}.${url.host}`;
}
