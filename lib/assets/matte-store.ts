import "server-only";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { newId } from "@/lib/ids";
import { logger } from "@/lib/logger";
import { processSingleton } from "@/lib/process-singleton";
import { MatteCache } from "./matte-cache";
import { getStorage } from "./storage";

/**
 * Stored mattes are `mask` assets without an owner that expire after MATTE_CACHE_TTL_HOURS; the
 * retention sweep deletes their bytes like any expired asset. Storing the same key again (after it
 * expired, or from another process) renews the row.
 */
async function registerMatte(entry: { storageKey: string; bytes: number }): Promise<void> {
  const db = await getDb();
  const expiresAt = new Date(Date.now() + getEnv().MATTE_CACHE_TTL_HOURS * 3_600_000);
  await db.asset.upsert({
    where: { storageKey: entry.storageKey },
    create: {
      id: newId("ast"),
      kind: "mask",
      storageKey: entry.storageKey,
      mime: "application/octet-stream",
      bytes: entry.bytes,
      sha256: "",
      fileName: "matte-cache",
      expiresAt,
    },
    update: { bytes: entry.bytes, createdAt: new Date(), expiresAt, deletedAt: null },
  });
}

const cache = processSingleton<MatteCache>(
  "matteCache",
  () =>
    new MatteCache({
      storage: getStorage(),
      maxMemoryBytes: getEnv().MATTE_CACHE_MEMORY_MB * 1024 * 1024,
      register: registerMatte,
      onError: (error, context) =>
        logger.warn("matte cache unavailable", { ...context, error: error instanceof Error ? error.message : error }),
    }),
);

/** This process's matte cache over the configured storage. */
export function getMatteCache(): MatteCache {
  return cache.get();
}
