/**
 * The S3 fake's own AWS Signature Version 4 verifier, written from AWS's documentation
 * ("Authenticating Requests: Using the Authorization Header" and "Using Query Parameters" in the
 * Amazon S3 API reference), independent of the client the tests exercise (the AWS SDK): it shares
 * no code with it or with anything under lib/. Checked against AWS's published examples in
 * s3-sigv4-verify.test.ts.
 *
 *   canonical request = method \n canonical URI \n canonical query \n canonical headers \n
 *                       signed headers \n payload hash
 *   string to sign    = "AWS4-HMAC-SHA256" \n amz-date \n scope \n hex(sha256(canonical request))
 *   signing key       = HMAC chain over "AWS4"+secret: date, region, service, "aws4_request"
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export type SigV4Identity = { secretAccessKey: string; sessionToken?: string };

export type SigV4Check =
  | { ok: true; accessKeyId: string; presigned: boolean; payloadHash: string }
  | { ok: false; code: string; message: string };

type Incoming = {
  method: string;
  /** The request target exactly as received: path and raw query string. */
  target: string;
  headers: Record<string, string | string[] | undefined>;
};

const MAX_SKEW_MS = 15 * 60 * 1000;

const sha256 = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

/** AWS's UriEncode: every byte except A-Z a-z 0-9 - _ . ~ as %XY (upper-case hex). */
function uriEncode(value: string): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function parseQuery(raw: string): [string, string][] {
  if (!raw) return [];
  return raw
    .split("&")
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf("=");
      return at < 0 ? [safeDecode(pair), ""] : [safeDecode(pair.slice(0, at)), safeDecode(pair.slice(at + 1))];
    });
}

function headerValue(headers: Incoming["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/** S3 encodes each path segment once (no double encoding, unlike other services). */
function canonicalUri(path: string): string {
  return path
    .split("/")
    .map((segment) => uriEncode(safeDecode(segment)))
    .join("/");
}

function canonicalQuery(pairs: [string, string][]): string {
  return pairs
    .map(([key, value]) => [uriEncode(key), uriEncode(value)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}

function parseAmzDate(value: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return null;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Verifies one request's SigV4 signature (header or presigned-query form) the way S3 does. */
export function verifySigV4(
  request: Incoming,
  options: {
    region: string;
    service?: string;
    now: number;
    lookup: (accessKeyId: string) => SigV4Identity | undefined;
  },
): SigV4Check {
  const service = options.service ?? "s3";
  const [rawPath = "/", rawQuery = ""] = request.target.split(/\?(.*)/s, 2);
  const query = parseQuery(rawQuery);
  const param = (name: string) => query.find(([key]) => key === name)?.[1];
  const authorization = headerValue(request.headers, "authorization");
  const presigned = param("X-Amz-Algorithm") !== undefined;

  let credential: string;
  let signedHeaders: string[];
  let signature: string;
  let amzDate: string | undefined;
  let payloadHash: string;
  let token: string | undefined;
  if (presigned) {
    if (param("X-Amz-Algorithm") !== "AWS4-HMAC-SHA256")
      return { ok: false, code: "AuthorizationQueryParametersError", message: "unsupported algorithm" };
    credential = param("X-Amz-Credential") ?? "";
    signedHeaders = (param("X-Amz-SignedHeaders") ?? "").split(";");
    signature = param("X-Amz-Signature") ?? "";
    amzDate = param("X-Amz-Date");
    token = param("X-Amz-Security-Token");
    payloadHash = "UNSIGNED-PAYLOAD";
    const expires = Number(param("X-Amz-Expires"));
    const signedAt = parseAmzDate(amzDate ?? "");
    if (!Number.isInteger(expires) || expires < 1 || expires > 604_800 || signedAt === null)
      return { ok: false, code: "AuthorizationQueryParametersError", message: "bad X-Amz-Expires or X-Amz-Date" };
    if (options.now > signedAt + expires * 1000)
      return { ok: false, code: "AccessDenied", message: "Request has expired" };
  } else {
    const m = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(
      authorization ?? "",
    );
    if (!m) return { ok: false, code: "AccessDenied", message: "missing or malformed Authorization header" };
    credential = m[1]!;
    signedHeaders = m[2]!.split(";");
    signature = m[3]!;
    amzDate = headerValue(request.headers, "x-amz-date");
    token = headerValue(request.headers, "x-amz-security-token");
    payloadHash = headerValue(request.headers, "x-amz-content-sha256") ?? "";
    if (!payloadHash)
      return { ok: false, code: "InvalidRequest", message: "Missing required header x-amz-content-sha256" };
    const signedAt = parseAmzDate(amzDate ?? "");
    if (signedAt === null) return { ok: false, code: "AccessDenied", message: "missing x-amz-date" };
    if (Math.abs(options.now - signedAt) > MAX_SKEW_MS)
      return {
        ok: false,
        code: "RequestTimeTooSkewed",
        message: "The difference between the request time and the current time is too large.",
      };
  }

  const [accessKeyId = "", day = "", region = "", scopeService = "", terminator = ""] = credential.split("/");
  if (terminator !== "aws4_request" || scopeService !== service || !amzDate?.startsWith(day))
    return { ok: false, code: "AuthorizationHeaderMalformed", message: "malformed credential scope" };
  if (region !== options.region)
    return {
      ok: false,
      code: "AuthorizationHeaderMalformed",
      message: `the region '${region}' is wrong; expecting '${options.region}'`,
    };
  const identity = options.lookup(accessKeyId);
  if (!identity) return { ok: false, code: "InvalidAccessKeyId", message: "unknown access key" };
  if (identity.sessionToken !== undefined && token !== identity.sessionToken)
    return { ok: false, code: "InvalidToken", message: "The provided token is malformed or otherwise invalid." };
  if (!signedHeaders.includes("host")) return { ok: false, code: "AccessDenied", message: "host must be signed" };

  const canonicalHeaders = signedHeaders
    .map((name) => `${name}:${(headerValue(request.headers, name) ?? "").trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalUri(rawPath),
    canonicalQuery(presigned ? query.filter(([key]) => key !== "X-Amz-Signature") : query),
    canonicalHeaders,
    signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonicalRequest)].join("\n");
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${identity.secretAccessKey}`, day), region), service), "aws4_request");
  const expected = createHmac("sha256", signingKey).update(stringToSign, "utf8").digest("hex");
  if (!sameHex(expected, signature))
    return { ok: false, code: "SignatureDoesNotMatch", message: "signature does not match" };
  return { ok: true, accessKeyId, presigned, payloadHash };
}
