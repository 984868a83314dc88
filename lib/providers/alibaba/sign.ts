import { createHash, createHmac, randomUUID } from "node:crypto";

/**
 * Alibaba Cloud request signing, ACS3-HMAC-SHA256 (the V3 scheme the official SDK uses by
 * default), written from the documented algorithm (see README.md here) so no SDK is needed at run time.
 *
 *   canonicalRequest = METHOD \n URI \n canonicalQuery \n canonicalHeaders \n signedHeaders \n hex(sha256(body))
 *   stringToSign     = "ACS3-HMAC-SHA256\n" + hex(sha256(canonicalRequest))
 *   signature        = hex(hmac_sha256(secret, stringToSign))
 *   Authorization    = ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=<list>,Signature=<sig>
 */

/** encodeURIComponent plus the five characters Alibaba also escapes. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function canonicalQuery(query: Record<string, string>): string {
  return Object.keys(query)
    .sort()
    .map((key) => `${percentEncode(key)}=${percentEncode(query[key] ?? "")}`)
    .join("&");
}

/** Headers that take part in the signature: host, content-type and every x-acs-*. */
function signedHeaderNames(headers: Record<string, string>): string[] {
  return Object.keys(headers)
    .map((name) => name.toLowerCase())
    .filter((name) => name === "host" || name === "content-type" || name.startsWith("x-acs-"))
    .sort();
}

export function canonicalRequest(params: {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string | Buffer;
}): {
  canonical: string;
  signedHeaders: string;
} {
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(params.headers)) lower[name.toLowerCase()] = value;
  const names = signedHeaderNames(lower);
  const canonicalHeaders = names.map((name) => `${name}:${(lower[name] ?? "").trim()}\n`).join("");
  const signedHeaders = names.join(";");
  const canonical = [
    params.method.toUpperCase(),
    params.path,
    canonicalQuery(params.query),
    canonicalHeaders,
    signedHeaders,
    sha256Hex(params.body),
  ].join("\n");
  return { canonical, signedHeaders };
}

function stringToSign(canonical: string): string {
  return `ACS3-HMAC-SHA256\n${sha256Hex(canonical)}`;
}

function acs3Signature(secret: string, toSign: string): string {
  return createHmac("sha256", secret).update(toSign).digest("hex");
}

/** ISO 8601 UTC without milliseconds: 2026-11-21T21:47:41Z */
function acsDate(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export type SignedRequest = {
  url: string;
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
};

/** Signs an RPC-style imageseg call: `POST /?<params>` with an empty body (what the SDK sends). */
export function signRpcRequest(params: {
  endpoint: string;
  action: string;
  version: string;
  query: Record<string, string>;
  accessKeyId: string;
  accessKeySecret: string;
  now?: Date;
  nonce?: string;
  method?: string;
  body?: string;
}): SignedRequest {
  const base = new URL(params.endpoint);
  const method = params.method ?? "POST";
  const body = params.body ?? "";
  const headers: Record<string, string> = {
    host: base.host,
    "x-acs-action": params.action,
    "x-acs-version": params.version,
    "x-acs-date": acsDate(params.now ?? new Date()),
    "x-acs-signature-nonce": params.nonce ?? randomUUID(),
    "x-acs-content-sha256": sha256Hex(body),
  };
  const { canonical, signedHeaders } = canonicalRequest({ method, path: "/", query: params.query, headers, body });
  const toSign = stringToSign(canonical);
  const signature = acs3Signature(params.accessKeySecret, toSign);
  const query = canonicalQuery(params.query);
  return {
    url: `${base.protocol}//${base.host}/${query ? `?${query}` : ""}`,
    // `host` is signed but not sent: fetch derives the same Host header from the URL.
    headers: {
      ...Object.fromEntries(Object.entries(headers).filter(([name]) => name !== "host")),
      accept: "application/json",
      authorization: `ACS3-HMAC-SHA256 Credential=${params.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`,
    },
    canonicalRequest: canonical,
    stringToSign: toSign,
    signature,
  };
}
