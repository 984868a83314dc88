import "server-only";
import { readCookie } from "@/lib/cookies";
import { createHash, randomBytes } from "node:crypto";
import { hmac, safeEqual } from "@/lib/assets/signing";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { logger } from "@/lib/logger";
import { createRateLimiter, enforceRateLimit } from "@/lib/rate-limit";
import { getDummyHash, hashPassword, needsRehash, verifyPassword } from "./password";
import { adminPasswordProblem } from "@/lib/password-rule";

/** httpOnly, SameSite=Strict: `<session secret>.<hmac>`. */
export const ADMIN_COOKIE = "bd_admin";
/** Readable by the console's scripts (double submit); the server checks it is this session's token. */
const ADMIN_CSRF_COOKIE = "bd_admin_csrf";
const CSRF_HEADER = "X-CSRF-Token";
const BOOTSTRAP_USERNAME = "admin";

export type AdminIdentity = { adminId: string; username: string; sessionId: string; csrfToken: string };

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function sessionKey(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

function csrfTokenFor(secret: string): string {
  return hmac("admin-csrf", secret);
}

/** The session secret inside a cookie value, when its signature holds. */
function parseSessionCookie(value: string | undefined): string | null {
  if (!value) return null;
  const dot = value.lastIndexOf(".");
  if (dot <= 0) return null;
  const secret = value.slice(0, dot);
  if (!/^[A-Za-z0-9_-]{43}$/.test(secret)) return null;
  return safeEqual(hmac("admin-session", secret), value.slice(dot + 1)) ? secret : null;
}

/** Resolves a session cookie value to its admin (null when missing, forged, expired or signed out). */
export async function getAdminFromCookieValue(value: string | undefined): Promise<AdminIdentity | null> {
  const secret = parseSessionCookie(value);
  if (!secret) return null;
  const db = await getDb();
  const session = await db.adminSession.findUnique({ where: { id: sessionKey(secret) }, include: { admin: true } });
  if (!session || session.expiresAt <= new Date()) return null;
  return {
    adminId: session.adminId,
    username: session.admin.username,
    sessionId: session.id,
    csrfToken: csrfTokenFor(secret),
  };
}

function allowedHosts(req: Request): Set<string> {
  const hosts = new Set<string>([new URL(req.url).host]);
  const host = req.headers.get("host");
  if (host) hosts.add(host);
  const forwarded = req.headers.get("x-forwarded-host")?.split(",")[0]?.trim();
  if (forwarded) hosts.add(forwarded);
  const base = getEnv().PUBLIC_BASE_URL;
  if (base) hosts.add(new URL(base).host);
  return hosts;
}

/**
 * Refuses cross-site writes: the Origin (else the Referer) must be this site. A request with
 * neither (curl) passes this check; it still needs the session's CSRF token.
 */
export function assertSameOrigin(req: Request): void {
  const source = req.headers.get("origin") ?? req.headers.get("referer");
  if (req.headers.get("sec-fetch-site") === "cross-site")
    throw new AppError("csrf_failed", "Cross-site requests are refused.");
  if (!source) return;
  let host: string;
  try {
    host = new URL(source).host;
  } catch {
    throw new AppError("csrf_failed", "The request's origin is not valid.");
  }
  if (!allowedHosts(req).has(host)) throw new AppError("csrf_failed", "Cross-site requests are refused.");
}

/**
 * The one gate of the admin API: a valid session, and for every write (POST/PUT/PATCH/DELETE)
 * a same-origin request carrying the session's CSRF token. 401 `unauthorized`, 403 `csrf_failed`.
 */
export async function requireAdmin(req: Request): Promise<AdminIdentity> {
  const admin = await getAdminFromCookieValue(readCookie(req, ADMIN_COOKIE));
  if (!admin) throw new AppError("unauthorized", "Sign in to the admin console first.");
  if (!SAFE_METHODS.has(req.method.toUpperCase())) {
    assertSameOrigin(req);
    const token = req.headers.get(CSRF_HEADER) ?? "";
    if (!token || !safeEqual(token, admin.csrfToken))
      throw new AppError("csrf_failed", "The CSRF token is missing or wrong; reload the page.");
  }
  return admin;
}

function isSecure(req: Request): boolean {
  return new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";
}

function sessionCookies(params: { secret: string | null; maxAgeSeconds: number; secure: boolean }): string[] {
  const flags = `Path=/; SameSite=Strict${params.secure ? "; Secure" : ""}`;
  if (!params.secret) {
    return [`${ADMIN_COOKIE}=; ${flags}; HttpOnly; Max-Age=0`, `${ADMIN_CSRF_COOKIE}=; ${flags}; Max-Age=0`];
  }
  const value = `${params.secret}.${hmac("admin-session", params.secret)}`;
  return [
    `${ADMIN_COOKIE}=${value}; ${flags}; HttpOnly; Max-Age=${params.maxAgeSeconds}`,
    `${ADMIN_CSRF_COOKIE}=${csrfTokenFor(params.secret)}; ${flags}; Max-Age=${params.maxAgeSeconds}`,
  ];
}

const globalForLimiter = globalThis as unknown as { backdropAdminLoginLimiter?: ReturnType<typeof createRateLimiter> };

function loginLimiter() {
  const perMinute = getEnv().ADMIN_LOGIN_RATE_LIMIT_PER_MINUTE;
  globalForLimiter.backdropAdminLoginLimiter ??= createRateLimiter({ capacity: perMinute, refillPerMinute: perMinute });
  return globalForLimiter.backdropAdminLoginLimiter;
}

/**
 * Per-account back-off, whatever address the attempts come from: after FREE_FAILURES wrong
 * passwords in a row, each further failure locks the username for twice as long as the last
 * (1 s, 2 s, 4 s … up to 15 min). While locked every attempt, even the right password, is 429.
 * A successful sign-in clears the count. In memory, per process, like the other limiters.
 */
const ADMIN_BACKOFF = { freeFailures: 10, maxLockSeconds: 15 * 60 } as const;
type Failures = { count: number; lockedUntil: number };
const globalForBackoff = globalThis as unknown as { backdropAdminFailures?: Map<string, Failures> };

function failures(): Map<string, Failures> {
  globalForBackoff.backdropAdminFailures ??= new Map();
  return globalForBackoff.backdropAdminFailures;
}

function assertNotLockedOut(username: string, now: number): void {
  const entry = failures().get(username);
  if (!entry || entry.lockedUntil <= now) return;
  const retryAfterSeconds = Math.ceil((entry.lockedUntil - now) / 1000);
  throw new AppError(
    "rate_limited",
    `Too many wrong passwords for this account; try again in ${retryAfterSeconds} s.`,
    { details: { retryAfterSeconds } },
  );
}

function recordFailure(username: string, now: number): void {
  const map = failures();
  const entry = map.get(username) ?? { count: 0, lockedUntil: 0 };
  entry.count += 1;
  const over = entry.count - ADMIN_BACKOFF.freeFailures;
  if (over > 0) entry.lockedUntil = now + Math.min(2 ** (over - 1), ADMIN_BACKOFF.maxLockSeconds) * 1000;
  map.delete(username);
  if (map.size >= 10_000) map.delete(map.keys().next().value!);
  map.set(username, entry);
}

/** Tests: start every case with full login buckets and no back-off. */
export function resetLoginRateLimit(): void {
  globalForLimiter.backdropAdminLoginLimiter?.reset();
  failures().clear();
}

/**
 * Signs an admin in: rate-limited per address and username (429 `rate_limited`), constant work for
 * unknown names, a new server-side session. Returns the Set-Cookie values and the CSRF token.
 */
export async function signIn(params: {
  username: string;
  password: string;
  ip: string;
  req: Request;
}): Promise<{ username: string; csrfToken: string; cookies: string[] }> {
  const username = params.username.trim().toLowerCase();
  enforceRateLimit(loginLimiter(), `${params.ip}|${username}`, "sign-in attempts");
  assertNotLockedOut(username, Date.now());
  await ensureBootstrapAdmin();
  const db = await getDb();
  const admin = await db.adminUser.findUnique({ where: { username } });
  const ok = await verifyPassword(params.password, admin?.passwordHash ?? (await getDummyHash()));
  if (!admin || !ok) {
    recordFailure(username, Date.now());
    logger.warn("admin sign-in refused", { username: username.slice(0, 64), ip: params.ip });
    throw new AppError("unauthorized", "Wrong username or password.");
  }
  failures().delete(username);
  if (needsRehash(admin.passwordHash)) {
    await db.adminUser.update({ where: { id: admin.id }, data: { passwordHash: await hashPassword(params.password) } });
  }
  const secret = randomBytes(32).toString("base64url");
  const hours = getEnv().ADMIN_SESSION_HOURS;
  const now = new Date();
  await db.$transaction([
    db.adminSession.create({
      data: {
        id: sessionKey(secret),
        adminId: admin.id,
        expiresAt: new Date(now.getTime() + hours * 3600_000),
        ip: params.ip.slice(0, 64),
      },
    }),
    db.adminUser.update({ where: { id: admin.id }, data: { lastLoginAt: now } }),
    db.adminSession.deleteMany({ where: { expiresAt: { lt: now } } }),
  ]);
  logger.info("admin signed in", { username, ip: params.ip });
  return {
    username: admin.username,
    csrfToken: csrfTokenFor(secret),
    cookies: sessionCookies({ secret, maxAgeSeconds: Math.round(hours * 3600), secure: isSecure(params.req) }),
  };
}

/** Ends the session server-side and clears both cookies. */
export async function signOut(params: { admin: AdminIdentity; req: Request }): Promise<string[]> {
  const db = await getDb();
  await db.adminSession.deleteMany({ where: { id: params.admin.sessionId } });
  return sessionCookies({ secret: null, maxAgeSeconds: 0, secure: isSecure(params.req) });
}

/**
 * Creates the first admin, `admin`, from ADMIN_PASSWORD when there is no admin at all.
 * Safe to call from several processes at once (the username is unique). Returns whether it created one.
 */
export async function ensureBootstrapAdmin(): Promise<boolean> {
  const db = await getDb();
  if ((await db.adminUser.count()) > 0) return false;
  const password = getEnv().ADMIN_PASSWORD;
  if (!password) {
    logger.warn("no admin account and no ADMIN_PASSWORD: the admin console cannot be signed into");
    return false;
  }
  const { count } = await db.adminUser.createMany({
    data: [{ id: newId("adm"), username: BOOTSTRAP_USERNAME, passwordHash: await hashPassword(password) }],
    skipDuplicates: true,
  });
  if (count === 1) logger.info("created the first admin account from ADMIN_PASSWORD", { username: BOOTSTRAP_USERNAME });
  return count === 1;
}

/** Adds another admin (or changes a password) — for scripts and tests. */
export async function upsertAdmin(params: { username: string; password: string }): Promise<void> {
  const db = await getDb();
  const username = params.username.trim().toLowerCase();
  const weak = adminPasswordProblem(params.password);
  if (weak) throw new AppError("password_too_weak", `The password ${weak}.`);
  const passwordHash = await hashPassword(params.password);
  await db.adminUser.upsert({
    where: { username },
    create: { id: newId("adm"), username, passwordHash },
    update: { passwordHash },
  });
}
