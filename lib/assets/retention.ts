import "server-only";
import type { RetentionRun } from "@/generated/prisma/client";
import { getDb, getDbHandle } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { newId } from "@/lib/ids";
import { logger } from "@/lib/logger";
import { getStorage } from "./storage";

/** Any constant; the same in every Backdrop process (distinct from the migration lock). */
const RETENTION_LOCK_KEY = 724_310_913;
const CLAIM_BATCH = 200;

export type RetentionResult = { ran: true; run: RetentionRun } | { ran: false; reason: "locked"; run: null };

const globalForRetention = globalThis as unknown as {
  backdropRetentionRunning?: boolean;
  backdropRetentionTimer?: NodeJS.Timeout;
};

/**
 * Runs `fn` only if no other process (Postgres advisory lock, held by an open transaction for the
 * whole run) and no other call in this process is running retention. Embedded PGlite belongs to one
 * process, so the in-process guard is enough there (and a long transaction would block its single connection).
 */
async function withRetentionLock<T>(fn: () => Promise<T>): Promise<{ locked: false } | { locked: true; value: T }> {
  if (globalForRetention.backdropRetentionRunning) return { locked: false };
  globalForRetention.backdropRetentionRunning = true;
  try {
    const handle = await getDbHandle();
    if (handle.kind === "embedded") return { locked: true, value: await fn() };
    return await handle.prisma.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<
          Array<{ locked: boolean }>
        >`SELECT pg_try_advisory_xact_lock(${RETENTION_LOCK_KEY}::bigint) AS locked`;
        if (!rows[0]?.locked) return { locked: false as const };
        return { locked: true as const, value: await fn() };
      },
      { maxWait: 10_000, timeout: 60 * 60_000 },
    );
  } finally {
    globalForRetention.backdropRetentionRunning = false;
  }
}

/**
 * Deletes the bytes of every asset older than ASSET_RETENTION_DAYS (or past its own expiresAt);
 * rows stay with deletedAt set, so history, jobs and the ledger keep their references.
 * Rows are claimed in small batches (`FOR UPDATE SKIP LOCKED`), then their files removed.
 */
export async function runRetention(
  params: { now?: Date; trigger?: "timer" | "manual" | "test"; retentionDays?: number } = {},
): Promise<RetentionResult> {
  const now = params.now ?? new Date();
  const days = params.retentionDays ?? getEnv().ASSET_RETENTION_DAYS;
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  const outcome = await withRetentionLock(async () => {
    const db = await getDb();
    const runId = newId("ret");
    await db.retentionRun.create({
      data: { id: runId, trigger: params.trigger ?? "manual", startedAt: new Date(), cutoff },
    });
    let deleted = 0;
    let bytes = 0;
    let error: string | null = null;
    try {
      const storage = getStorage();
      for (;;) {
        const claimed = await db.$queryRaw<Array<{ id: string; storageKey: string; bytes: number }>>`
          UPDATE "Asset" SET "deletedAt" = ${now}
           WHERE id IN (
             SELECT id FROM "Asset"
              WHERE "deletedAt" IS NULL AND ("createdAt" < ${cutoff} OR ("expiresAt" IS NOT NULL AND "expiresAt" < ${now}))
              ORDER BY "createdAt"
              FOR UPDATE SKIP LOCKED
              LIMIT ${CLAIM_BATCH})
          RETURNING id, "storageKey", bytes`;
        for (const asset of claimed) {
          try {
            await storage.delete(asset.storageKey);
          } catch (cause) {
            logger.warn("retention could not delete a file", { assetId: asset.id, error: String(cause) });
          }
          deleted++;
          bytes += Number(asset.bytes);
        }
        if (claimed.length < CLAIM_BATCH) break;
      }
    } catch (cause) {
      error = cause instanceof Error ? cause.message : String(cause);
      logger.error("retention run failed", { error });
    }
    const run = await db.retentionRun.update({
      where: { id: runId },
      data: { finishedAt: new Date(), assetsDeleted: deleted, bytesFreed: BigInt(bytes), error },
    });
    if (deleted > 0 || error)
      logger.info("retention run finished", {
        assetsDeleted: deleted,
        bytesFreed: bytes,
        cutoff: cutoff.toISOString(),
      });
    return run;
  });
  return outcome.locked ? { ran: true, run: outcome.value } : { ran: false, reason: "locked", run: null };
}

export async function listRetentionRuns(limit = 20): Promise<RetentionRun[]> {
  const db = await getDb();
  return db.retentionRun.findMany({ orderBy: { startedAt: "desc" }, take: limit });
}

/** Assets that the next run would delete, and bytes still stored (for the admin page). */
export async function getRetentionStatus(now = new Date()) {
  const db = await getDb();
  const env = getEnv();
  const cutoff = new Date(now.getTime() - env.ASSET_RETENTION_DAYS * 86_400_000);
  const [due, stored, lastRun] = await Promise.all([
    db.asset.count({ where: { deletedAt: null, OR: [{ createdAt: { lt: cutoff } }, { expiresAt: { lt: now } }] } }),
    db.asset.aggregate({ where: { deletedAt: null }, _count: true, _sum: { bytes: true } }),
    db.retentionRun.findFirst({ orderBy: { startedAt: "desc" } }),
  ]);
  return {
    retentionDays: env.ASSET_RETENTION_DAYS,
    intervalMinutes: env.RETENTION_INTERVAL_MINUTES,
    cutoff,
    dueNow: due,
    storedAssets: stored._count,
    storedBytes: stored._sum.bytes ?? 0,
    lastRun,
  };
}

/** Starts the retention timer once per process (first run a minute after boot, then every RETENTION_INTERVAL_MINUTES). */
export function startRetentionSchedule(): void {
  const minutes = getEnv().RETENTION_INTERVAL_MINUTES;
  if (minutes <= 0 || globalForRetention.backdropRetentionTimer) return;
  const tick = () => {
    void runRetention({ trigger: "timer" }).catch((error: unknown) =>
      logger.error("retention failed", { error: String(error) }),
    );
  };
  const first = setTimeout(tick, Math.min(60_000, minutes * 60_000));
  first.unref();
  globalForRetention.backdropRetentionTimer = setInterval(tick, minutes * 60_000);
  globalForRetention.backdropRetentionTimer.unref();
}
