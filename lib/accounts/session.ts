import "server-only";
import { readCookie } from "@/lib/cookies";
import { createHash, randomBytes } from "node:crypto";
import type { Account } from "@/generated/prisma/client";
import { assertSameOrigin } from "@/lib/admin/auth";
import { hmac, safeEqual } from "@/lib/assets/signing";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";

/** httpOnly, SameSite=Lax (an emailed link is a cross-site navigation): `<session secret>.<hmac>`. */
export const SESSION_COOKIE = "bd_session";
/** Readable by the site's scripts (double submit); writes must echo it in X-CSRF-Token. */
const CSRF_COOKIE = "bd_csrf";
const CSRF_HEADER = "X-CSRF-Token";

export type SignedInAccount = {
  account: Account;
  sessionId: string;
  csrfToken: string;
};

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function sessionKey(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

function csrfTokenFor(secret: string): string {
  return hmac("account-csrf", secret);
}

function parseSessionCookie(value: string | undefined): string | null {
  if (!value) return null;
  const dot = value.lastIndexOf(".");
  if (dot <= 0) return null;
  const secret = value.slice(0, dot);
  if (!/^[A-Za-z0-9_-]{43}$/.test(secret)) return null;
  return safeEqual(hmac("account-session", secret), value.slice(dot + 1)) ? secret : null;
}

/** The account of a session cookie value (null when missing, forged, expired, signed out or deleted). */
export async function getAccountFromCookieValue(value: string | undefined): Promise<SignedInAccount | null> {
  const secret = parseSessionCookie(value);
  if (!secret) return null;
  const db = await getDb();
  const session = await db.accountSession.findUnique({ where: { id: sessionKey(secret) }, include: { account: true } });
  if (!session || session.expiresAt <= new Date() || session.account.deletedAt) return null;
  return { account: session.account, sessionId: session.id, csrfToken: csrfTokenFor(secret) };
}

/** The signed-in account of a request, or null. Reads only; no CSRF check (see requireAccount). */
export async function getRequestAccount(req: Request): Promise<SignedInAccount | null> {
  return getAccountFromCookieValue(readCookie(req, SESSION_COOKIE));
}

/** Throws 403 `csrf_failed` unless a write comes from this site with the session's CSRF token. */
export function assertAccountCsrf(req: Request, signedIn: SignedInAccount): void {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return;
  assertSameOrigin(req);
  const token = req.headers.get(CSRF_HEADER) ?? "";
  if (!token || !safeEqual(token, signedIn.csrfToken))
    throw new AppError("csrf_failed", "The CSRF token is missing or wrong; reload the page.");
}

/**
 * The gate of the account API: a valid session (401 `unauthorized`), and for every write a
 * same-origin request carrying the session's CSRF token (403 `csrf_failed`).
 */
export async function requireAccount(req: Request): Promise<SignedInAccount> {
  const signedIn = await getRequestAccount(req);
  if (!signedIn) throw new AppError("unauthorized", "Sign in first.");
  assertAccountCsrf(req, signedIn);
  return signedIn;
}

function isSecureRequest(req: Request): boolean {
  return new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";
}

function cookies(params: { secret: string | null; maxAgeSeconds: number; secure: boolean }): string[] {
  const flags = `Path=/; SameSite=Lax${params.secure ? "; Secure" : ""}`;
  if (!params.secret) {
    return [`${SESSION_COOKIE}=; ${flags}; HttpOnly; Max-Age=0`, `${CSRF_COOKIE}=; ${flags}; Max-Age=0`];
  }
  const value = `${params.secret}.${hmac("account-session", params.secret)}`;
  return [
    `${SESSION_COOKIE}=${value}; ${flags}; HttpOnly; Max-Age=${params.maxAgeSeconds}`,
    `${CSRF_COOKIE}=${csrfTokenFor(params.secret)}; ${flags}; Max-Age=${params.maxAgeSeconds}`,
  ];
}

/** Opens a session for the account; returns the Set-Cookie values and the session's CSRF token. */
export async function createAccountSession(params: {
  accountId: string;
  req: Request;
  ip: string;
}): Promise<{ cookies: string[]; csrfToken: string }> {
  const secret = randomBytes(32).toString("base64url");
  const days = getEnv().ACCOUNT_SESSION_DAYS;
  const now = new Date();
  const db = await getDb();
  await db.$transaction([
    db.accountSession.create({
      data: {
        id: sessionKey(secret),
        accountId: params.accountId,
        expiresAt: new Date(now.getTime() + days * 86_400_000),
        ip: params.ip.slice(0, 64),
        userAgent: params.req.headers.get("user-agent")?.slice(0, 200) ?? null,
      },
    }),
    db.accountSession.deleteMany({ where: { accountId: params.accountId, expiresAt: { lt: now } } }),
  ]);
  return {
    cookies: cookies({ secret, maxAgeSeconds: Math.round(days * 86_400), secure: isSecureRequest(params.req) }),
    csrfToken: csrfTokenFor(secret),
  };
}

/** Ends this browser's session server-side and clears its cookies. */
export async function endAccountSession(params: { sessionId: string | null; req: Request }): Promise<string[]> {
  if (params.sessionId) {
    const db = await getDb();
    await db.accountSession.deleteMany({ where: { id: params.sessionId } });
  }
  return cookies({ secret: null, maxAgeSeconds: 0, secure: isSecureRequest(params.req) });
}
