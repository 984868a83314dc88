import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import type { Account } from "@/generated/prisma/client";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { logger } from "@/lib/logger";
import { createRateLimiter, enforceRateLimit } from "@/lib/rate-limit";
import { claimOwnerEdits } from "./accounts";
import { sendSignInLink } from "./mailer";
import { createAccountSession } from "./session";

const emailSchema = z.string().trim().toLowerCase().max(254).pipe(z.email("Enter a valid email address."));

/** A path on this site to open after signing in; anything else becomes /account. */
export function safeReturnPath(value: unknown): string {
  return typeof value === "string" && /^\/(?!\/)[A-Za-z0-9/_?=&.%-]{0,200}$/.test(value) && !value.includes("\\")
    ? value
    : "/account";
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

function tokenKey(token: string): string {
  return createHash("sha256").update(`sign-in\n${token}`, "utf8").digest("hex");
}

const globalForLimiter = globalThis as unknown as { backdropSignInLimiter?: ReturnType<typeof createRateLimiter> };

function limiter() {
  const perHour = getEnv().SIGN_IN_EMAILS_PER_HOUR;
  globalForLimiter.backdropSignInLimiter ??= createRateLimiter({ capacity: perHour, refillPerMinute: perHour / 60 });
  return globalForLimiter.backdropSignInLimiter;
}

/** Tests: start with full sign-in buckets. */
export function resetSignInRateLimit(): void {
  globalForLimiter.backdropSignInLimiter?.reset();
}

/**
 * Emails a one-time sign-in link (or prints it to the log without SMTP). The answer is the same
 * whether or not an account exists for the address, so it tells nobody who has one.
 */
export async function requestSignInLink(params: {
  email: string;
  ip: string;
  origin: string;
  returnTo?: string;
}): Promise<{ delivery: "smtp" | "log"; expiresAt: Date }> {
  const email = emailSchema.parse(params.email);
  enforceRateLimit(limiter(), `${params.ip}|${email}`, "sign-in emails");
  const token = randomBytes(32).toString("base64url");
  const minutes = getEnv().SIGN_IN_LINK_MINUTES;
  const expiresAt = new Date(Date.now() + minutes * 60_000);
  const db = await getDb();
  await db.loginToken.create({
    data: {
      id: tokenKey(token),
      email,
      expiresAt,
      ip: params.ip.slice(0, 64),
      returnTo: safeReturnPath(params.returnTo),
    },
  });
  const url = `${params.origin}/sign-in/verify?token=${token}`;
  const { delivery } = await sendSignInLink({ to: email, url, minutes });
  return { delivery, expiresAt };
}

export type LinkState =
  { state: "valid"; email: string; expiresAt: Date } | { state: "used" | "expired" | "invalid"; email: string | null };

/** What a sign-in link is, without using it (the page shows "Sign in as …"). */
export async function inspectSignInLink(token: string): Promise<LinkState> {
  if (!TOKEN_PATTERN.test(token)) return { state: "invalid", email: null };
  const db = await getDb();
  const row = await db.loginToken.findUnique({ where: { id: tokenKey(token) } });
  if (!row) return { state: "invalid", email: null };
  if (row.usedAt) return { state: "used", email: row.email };
  if (row.expiresAt <= new Date()) return { state: "expired", email: row.email };
  return { state: "valid", email: row.email, expiresAt: row.expiresAt };
}

/** The account of an email address, created on its first sign-in (safe under concurrent first sign-ins). */
async function accountForEmail(email: string): Promise<{ account: Account; created: boolean }> {
  const db = await getDb();
  const existing = await db.account.findUnique({ where: { email } });
  if (existing) return { account: existing, created: false };
  const { count } = await db.account.createMany({ data: [{ id: newId("acc"), email }], skipDuplicates: true });
  return { account: await db.account.findUniqueOrThrow({ where: { email } }), created: count === 1 };
}

/**
 * Uses a sign-in link, once: one conditional UPDATE decides between concurrent uses. Opens a
 * session, and moves this browser's anonymous edits (owner cookie) to the account.
 */
export async function completeSignIn(params: {
  token: string;
  ownerId: string | null;
  req: Request;
  ip: string;
}): Promise<{ account: Account; created: boolean; claimed: number; cookies: string[]; returnTo: string }> {
  const state = await inspectSignInLink(params.token);
  if (state.state === "invalid")
    throw new AppError("sign_in_link_invalid", "This sign-in link is not valid. Ask for a new one.");
  if (state.state === "used")
    throw new AppError("sign_in_link_used", "This sign-in link has been used already. Ask for a new one.");
  if (state.state === "expired")
    throw new AppError("sign_in_link_expired", "This sign-in link has expired. Ask for a new one.");
  const db = await getDb();
  const id = tokenKey(params.token);
  const now = new Date();
  const { count } = await db.loginToken.updateMany({
    where: { id, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
  });
  if (count !== 1)
    throw new AppError("sign_in_link_used", "This sign-in link has been used already. Ask for a new one.");
  const row = await db.loginToken.findUniqueOrThrow({ where: { id } });
  const { account, created } = await accountForEmail(row.email);
  await db.account.update({ where: { id: account.id }, data: { lastSignInAt: now } });
  const claimed = params.ownerId ? await claimOwnerEdits({ accountId: account.id, ownerId: params.ownerId }) : 0;
  const session = await createAccountSession({ accountId: account.id, req: params.req, ip: params.ip });
  logger.info("account signed in", { accountId: account.id, created, claimed });
  return { account, created, claimed, cookies: session.cookies, returnTo: safeReturnPath(row.returnTo) };
}
