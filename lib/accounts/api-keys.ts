import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import type { ApiKey } from "@/generated/prisma/client";
import { keyUsageThisMonth } from "@/lib/billing/credits";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { isWellFormedId, newId } from "@/lib/ids";

/** API keys: `bdk_` + 32 random bytes (base64url). Only the SHA-256 is stored; the key is shown once. */
const API_KEY_PREFIX = "bdk_";
const KEY_PATTERN = /^bdk_[A-Za-z0-9_-]{43}$/;
const MAX_KEYS_PER_ACCOUNT = 20;
/** lastUsedAt is written at most this often per key (a busy key must not turn every call into a row update). */
const LAST_USED_RESOLUTION_MS = 60_000;

export const createApiKeySchema = z
  .object({
    name: z.string().trim().min(1, "Give the key a name.").max(60),
    monthlyCap: z.number().int().min(1).max(1_000_000).nullable().optional(),
  })
  .strict();

export const updateApiKeySchema = z.object({ monthlyCap: z.number().int().min(1).max(1_000_000).nullable() }).strict();

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

export type PublicApiKey = {
  id: string;
  name: string;
  prefix: string;
  monthlyCap: number | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  usage: { thisMonth: number; total: number };
};

export async function createApiKey(params: {
  accountId: string;
  name: string;
  monthlyCap?: number | null;
}): Promise<{ key: string; apiKey: PublicApiKey }> {
  const db = await getDb();
  const active = await db.apiKey.count({ where: { accountId: params.accountId, revokedAt: null } });
  if (active >= MAX_KEYS_PER_ACCOUNT)
    throw new AppError("conflict", `An account can have ${MAX_KEYS_PER_ACCOUNT} active keys; revoke one first.`);
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  const row = await db.apiKey.create({
    data: {
      id: newId("key"),
      accountId: params.accountId,
      name: params.name,
      prefix: key.slice(0, 12),
      keyHash: hashApiKey(key),
      monthlyCap: params.monthlyCap ?? null,
    },
  });
  return { key, apiKey: toPublicApiKey(row, { thisMonth: 0, total: 0 }) };
}

function toPublicApiKey(row: ApiKey, usage: PublicApiKey["usage"]): PublicApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    monthlyCap: row.monthlyCap,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    usage,
  };
}

/** The account's keys with their usage (credits spent or held: reservations minus releases). */
export async function listApiKeys(accountId: string): Promise<PublicApiKey[]> {
  const db = await getDb();
  const keys = await db.apiKey.findMany({ where: { accountId }, orderBy: { createdAt: "desc" } });
  if (keys.length === 0) return [];
  const totals = await db.creditEntry.groupBy({
    by: ["apiKeyId"],
    where: { apiKeyId: { in: keys.map((key) => key.id) }, kind: { in: ["reserve", "release"] } },
    _sum: { delta: true },
  });
  const out: PublicApiKey[] = [];
  for (const key of keys) {
    const total = -(totals.find((row) => row.apiKeyId === key.id)?._sum.delta ?? 0);
    out.push(toPublicApiKey(key, { thisMonth: await keyUsageThisMonth(db, key.id), total }));
  }
  return out;
}

async function getOwnKeyOrThrow(params: { accountId: string; keyId: string }): Promise<ApiKey> {
  const db = await getDb();
  const key = isWellFormedId(params.keyId, "key") ? await db.apiKey.findUnique({ where: { id: params.keyId } }) : null;
  if (!key || key.accountId !== params.accountId) throw new AppError("not_found", "No API key with this id.");
  return key;
}

/** Revokes a key at once: every process checks the database on every call, so no process keeps accepting it. */
export async function revokeApiKey(params: { accountId: string; keyId: string }): Promise<void> {
  const key = await getOwnKeyOrThrow(params);
  const db = await getDb();
  await db.apiKey.updateMany({ where: { id: key.id, revokedAt: null }, data: { revokedAt: new Date() } });
}

export async function setApiKeyCap(params: { accountId: string; keyId: string; monthlyCap: number | null }) {
  const key = await getOwnKeyOrThrow(params);
  const db = await getDb();
  await db.apiKey.update({ where: { id: key.id }, data: { monthlyCap: params.monthlyCap } });
}

export type ApiKeyCaller = { apiKeyId: string; accountId: string; name: string };

/**
 * Resolves `Authorization: Bearer bdk_…` to its account. Looked up in the database on every call
 * (no cache), so a revoked key is refused at once everywhere: 401 `api_key_invalid` / `api_key_revoked`.
 */
export async function authenticateApiKey(key: string): Promise<ApiKeyCaller> {
  if (!KEY_PATTERN.test(key)) throw new AppError("api_key_invalid", "This API key is not valid.");
  const db = await getDb();
  const row = await db.apiKey.findUnique({ where: { keyHash: hashApiKey(key) }, include: { account: true } });
  if (!row || row.account.deletedAt) throw new AppError("api_key_invalid", "This API key is not valid.");
  if (row.revokedAt) throw new AppError("api_key_revoked", "This API key has been revoked.");
  const now = new Date();
  await db.apiKey.updateMany({
    where: {
      id: row.id,
      OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - LAST_USED_RESOLUTION_MS) } }],
    },
    data: { lastUsedAt: now },
  });
  return { apiKeyId: row.id, accountId: row.accountId, name: row.name };
}

/** The API key of a request, if it brings one: `Authorization: Bearer bdk_…` (or `X-Api-Key`). */
export function apiKeyFrom(req: Request): string | null {
  const auth = req.headers.get("authorization")?.trim();
  if (auth && /^bearer\s+bdk_/i.test(auth)) return auth.replace(/^bearer\s+/i, "").trim();
  const header = req.headers.get("x-api-key")?.trim();
  return header?.startsWith(API_KEY_PREFIX) ? header : null;
}
