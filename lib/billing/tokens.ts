import "server-only";
import { createHash, randomBytes } from "node:crypto";

/** Payment tokens: `bdp_` + 32 random bytes (base64url). Only the SHA-256 is ever stored. */
const TOKEN_PREFIX = "bdp_";
const TOKEN_PATTERN = /^bdp_[A-Za-z0-9_-]{43}$/;

export function generatePaymentToken(): { token: string; tokenHash: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { token, tokenHash: hashPaymentToken(token) };
}

export function hashPaymentToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function isWellFormedToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}
