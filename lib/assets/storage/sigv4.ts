/**
 * AWS Signature Version 4 (header and query-string/presigned forms), written out so Backdrop
 * needs no AWS SDK. Follows https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 * with S3's rules: the path is URI-encoded once (not twice) and the payload hash may be
 * `UNSIGNED-PAYLOAD`. The same functions are used by the test S3 server to verify signatures.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export type SigV4Credentials = {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** "s3" for S3; other AWS services use their own name. */
  service: string;
};

export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const ALGORITHM = "AWS4-HMAC-SHA256";

export function sha256Hex(data: string | Buffer | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - . _ ~ is %XX (upper-case hex). */
export function uriEncode(value: string, { keepSlash = false } = {}): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(ch) || (keepSlash && ch === "/")) out += ch;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** `20150830T123600Z` */
export function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/** The canonical URI: the (already percent-encoded) path decoded, then each segment encoded once. */
export function canonicalUri(pathname: string): string {
  if (!pathname) return "/";
  return pathname
    .split("/")
    .map((segment) => uriEncode(safeDecode(segment)))
    .join("/");
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function canonicalQuery(params: URLSearchParams, { omit }: { omit?: string } = {}): string {
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of params) {
    if (key === omit) continue;
    pairs.push([uriEncode(key), uriEncode(value)]);
  }
  pairs.sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0));
  return pairs.map(([key, value]) => `${key}=${value}`).join("&");
}

function normaliseHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, " ");
}

export function buildCanonicalRequest(params: {
  method: string;
  url: URL;
  headers: Record<string, string>;
  signedHeaders: string[];
  payloadHash: string;
  omitQuery?: string;
}): string {
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(params.headers)) lower[name.toLowerCase()] = value;
  const names = [...params.signedHeaders].map((name) => name.toLowerCase()).sort();
  const canonicalHeaders = names.map((name) => `${name}:${normaliseHeaderValue(lower[name] ?? "")}\n`).join("");
  return [
    params.method.toUpperCase(),
    canonicalUri(params.url.pathname),
    canonicalQuery(params.url.searchParams, { omit: params.omitQuery }),
    canonicalHeaders,
    names.join(";"),
    params.payloadHash,
  ].join("\n");
}

export function signingKey(credentials: Omit<SigV4Credentials, "accessKeyId">, day: string): Buffer {
  const kDate = hmac(`AWS4${credentials.secretAccessKey}`, day);
  const kRegion = hmac(kDate, credentials.region);
  const kService = hmac(kRegion, credentials.service);
  return hmac(kService, "aws4_request");
}

function scopeOf(credentials: SigV4Credentials, day: string): string {
  return `${day}/${credentials.region}/${credentials.service}/aws4_request`;
}

export function stringToSign(params: { timestamp: string; scope: string; canonicalRequest: string }): string {
  return [ALGORITHM, params.timestamp, params.scope, sha256Hex(params.canonicalRequest)].join("\n");
}

/**
 * Signs a request with an `Authorization` header. Returns the headers to send (the given ones
 * plus host, x-amz-date, x-amz-content-sha256 and authorization).
 */
export function signRequest(params: {
  method: string;
  url: string | URL;
  headers?: Record<string, string>;
  /** Hex SHA-256 of the body, or UNSIGNED_PAYLOAD. Defaults to the hash of an empty body. */
  payloadHash?: string;
  credentials: SigV4Credentials;
  now?: Date;
  /** Send x-amz-content-sha256 (S3 requires it; the generic AWS test suite does not use it). */
  contentSha256Header?: boolean;
}): Record<string, string> {
  const url = typeof params.url === "string" ? new URL(params.url) : params.url;
  const timestamp = amzDate(params.now ?? new Date());
  const day = timestamp.slice(0, 8);
  const payloadHash = params.payloadHash ?? EMPTY_SHA256;
  const headers: Record<string, string> = { ...(params.headers ?? {}) };
  const has = (name: string) => Object.keys(headers).some((key) => key.toLowerCase() === name);
  if (!has("host")) headers.host = url.host;
  headers["x-amz-date"] = timestamp;
  if (params.contentSha256Header ?? true) headers["x-amz-content-sha256"] = payloadHash;
  const signedHeaders = Object.keys(headers)
    .map((name) => name.toLowerCase())
    .filter(
      (name) =>
        name === "host" ||
        name.startsWith("x-amz-") ||
        name === "content-type" ||
        name === "content-md5" ||
        name === "range",
    );
  const canonicalRequest = buildCanonicalRequest({ method: params.method, url, headers, signedHeaders, payloadHash });
  const scope = scopeOf(params.credentials, day);
  const signature = createHmac("sha256", signingKey(params.credentials, day))
    .update(stringToSign({ timestamp, scope, canonicalRequest }))
    .digest("hex");
  headers.authorization = `${ALGORITHM} Credential=${params.credentials.accessKeyId}/${scope}, SignedHeaders=${[...signedHeaders].sort().join(";")}, Signature=${signature}`;
  return headers;
}

/** A presigned URL (query-string auth, `host` the only signed header, UNSIGNED-PAYLOAD). */
export function presignUrl(params: {
  method?: string;
  url: string | URL;
  credentials: SigV4Credentials;
  expiresSeconds: number;
  now?: Date;
}): string {
  const url = new URL(typeof params.url === "string" ? params.url : params.url.toString());
  const timestamp = amzDate(params.now ?? new Date());
  const day = timestamp.slice(0, 8);
  const scope = scopeOf(params.credentials, day);
  const expires = Math.max(1, Math.min(604_800, Math.floor(params.expiresSeconds)));
  url.searchParams.set("X-Amz-Algorithm", ALGORITHM);
  url.searchParams.set("X-Amz-Credential", `${params.credentials.accessKeyId}/${scope}`);
  url.searchParams.set("X-Amz-Date", timestamp);
  url.searchParams.set("X-Amz-Expires", String(expires));
  url.searchParams.set("X-Amz-SignedHeaders", "host");
  const canonicalRequest = buildCanonicalRequest({
    method: params.method ?? "GET",
    url,
    headers: { host: url.host },
    signedHeaders: ["host"],
    payloadHash: UNSIGNED_PAYLOAD,
  });
  const signature = createHmac("sha256", signingKey(params.credentials, day))
    .update(stringToSign({ timestamp, scope, canonicalRequest }))
    .digest("hex");
  // Re-serialise with SigV4's own encoding so the URL the client sends is the one we signed.
  return `${url.origin}${canonicalUri(url.pathname)}?${canonicalQuery(url.searchParams)}&X-Amz-Signature=${signature}`;
}

export type VerifyResult = { ok: true; accessKeyId: string } | { ok: false; reason: string };

/**
 * Verifies a SigV4-signed request (header or presigned form) the way S3 does. Used by the test
 * S3 server; `lookupSecret` maps an access key id to its secret.
 */
export function verifyRequest(params: {
  method: string;
  url: URL;
  headers: Record<string, string | string[] | undefined>;
  lookupSecret: (accessKeyId: string) => string | undefined;
  region: string;
  service?: string;
  now?: Date;
  /** Max clock skew for header auth (S3: 15 minutes). */
  maxSkewSeconds?: number;
}): VerifyResult {
  const header = (name: string) => {
    const value = params.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(",") : value;
  };
  const now = params.now ?? new Date();
  const service = params.service ?? "s3";
  const query = params.url.searchParams;
  let accessKeyId: string;
  let scope: string;
  let timestamp: string;
  let signedHeaders: string[];
  let signature: string;
  let payloadHash: string;
  let omitQuery: string | undefined;

  const auth = header("authorization");
  if (auth) {
    const match =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
    if (!match) return { ok: false, reason: "malformed Authorization header" };
    [, accessKeyId, scope, , signature] = match as unknown as [string, string, string, string, string];
    signedHeaders = match[3]!.split(";");
    timestamp = header("x-amz-date") ?? "";
    payloadHash = header("x-amz-content-sha256") ?? "";
    if (!payloadHash) return { ok: false, reason: "missing x-amz-content-sha256" };
    const skew = Math.abs(now.getTime() - parseAmzDate(timestamp));
    if (!Number.isFinite(skew) || skew > (params.maxSkewSeconds ?? 900) * 1000)
      return { ok: false, reason: "request time too skewed" };
  } else if (query.get("X-Amz-Algorithm") === ALGORITHM) {
    const credential = query.get("X-Amz-Credential") ?? "";
    const slash = credential.indexOf("/");
    accessKeyId = credential.slice(0, slash);
    scope = credential.slice(slash + 1);
    timestamp = query.get("X-Amz-Date") ?? "";
    signedHeaders = (query.get("X-Amz-SignedHeaders") ?? "").split(";");
    signature = query.get("X-Amz-Signature") ?? "";
    payloadHash = UNSIGNED_PAYLOAD;
    omitQuery = "X-Amz-Signature";
    const expires = Number(query.get("X-Amz-Expires"));
    const start = parseAmzDate(timestamp);
    if (!Number.isFinite(start) || !Number.isFinite(expires)) return { ok: false, reason: "malformed presigned URL" };
    if (now.getTime() > start + expires * 1000) return { ok: false, reason: "presigned URL expired" };
  } else {
    return { ok: false, reason: "request is not signed" };
  }

  const secret = params.lookupSecret(accessKeyId);
  if (!secret) return { ok: false, reason: "unknown access key" };
  const [day, region, scopeService, terminator] = scope.split("/");
  if (
    day !== timestamp.slice(0, 8) ||
    region !== params.region ||
    scopeService !== service ||
    terminator !== "aws4_request"
  ) {
    return { ok: false, reason: "credential scope mismatch" };
  }
  if (!signedHeaders.includes("host")) return { ok: false, reason: "host is not signed" };
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) headers[name] = header(name) ?? "";
  const canonicalRequest = buildCanonicalRequest({
    method: params.method,
    url: params.url,
    headers,
    signedHeaders,
    payloadHash,
    omitQuery,
  });
  const expected = createHmac("sha256", signingKey({ secretAccessKey: secret, region, service }, day))
    .update(stringToSign({ timestamp, scope, canonicalRequest }))
    .digest();
  const given = Buffer.from(signature, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: "signature does not match" };
  return { ok: true, accessKeyId };
}

function parseAmzDate(value: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return Number.NaN;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}
