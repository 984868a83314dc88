import "server-only";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { getEnv } from "@/lib/env";

let secret: Buffer | undefined;

/**
 * The key that signs asset links and cookies. `SIGNING_SECRET` when set (required when several
 * web processes share work); otherwise one generated on first start and kept in DATA_DIR.
 */
function getSigningSecret(): Buffer {
  if (secret) return secret;
  const env = getEnv();
  if (env.SIGNING_SECRET) {
    secret = Buffer.from(env.SIGNING_SECRET, "utf8");
    return secret;
  }
  const file = path.resolve(env.DATA_DIR, "signing-secret");
  try {
    secret = Buffer.from(readFileSync(file, "utf8").trim(), "base64url");
  } catch {
    mkdirSync(path.dirname(file), { recursive: true });
    const fresh = randomBytes(32).toString("base64url");
    try {
      writeFileSync(file, fresh, { mode: 0o600, flag: "wx" });
    } catch {
      // Another process created it first; use theirs.
    }
    secret = Buffer.from(readFileSync(file, "utf8").trim(), "base64url");
  }
  return secret;
}

export function hmac(purpose: string, value: string): string {
  return createHmac("sha256", getSigningSecret()).update(`${purpose}\n${value}`).digest("base64url");
}

/** Constant-time comparison of two strings of possibly different length. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function signAssetPath(params: { assetId: string; ttlSeconds?: number; now?: number }): string {
  const ttl = params.ttlSeconds ?? getEnv().SIGNED_URL_TTL_SECONDS;
  const expires = Math.floor((params.now ?? Date.now()) / 1000) + ttl;
  const sig = hmac("asset", `${params.assetId}.${expires}`);
  return `/api/assets/${params.assetId}/content?expires=${expires}&sig=${sig}`;
}

export type SignatureCheck = "ok" | "expired" | "invalid";

export function verifyAssetSignature(params: {
  assetId: string;
  expires: string | null;
  sig: string | null;
  now?: number;
}): SignatureCheck {
  const { assetId, expires, sig } = params;
  if (!expires || !sig || !/^\d{1,12}$/.test(expires)) return "invalid";
  if (!safeEqual(hmac("asset", `${assetId}.${expires}`), sig)) return "invalid";
  return Number(expires) * 1000 < (params.now ?? Date.now()) ? "expired" : "ok";
}
