import "server-only";
import { getStorage } from "@/lib/assets/storage";
import { getDbHandle } from "@/lib/db";
import { getEnv } from "@/lib/env";

type Check = { ok: boolean; latencyMs: number; detail?: string; error?: string };

async function timed(run: () => Promise<string | undefined>): Promise<Check> {
  const started = performance.now();
  try {
    const detail = await run();
    return { ok: true, latencyMs: Math.round(performance.now() - started), ...(detail ? { detail } : {}) };
  } catch (error) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: (error as Error).message };
  }
}

export async function checkHealth() {
  const [database, storage] = await Promise.all([
    timed(async () => {
      const db = await getDbHandle();
      await db.prisma.$queryRaw`SELECT 1`;
      return db.kind;
    }),
    timed(async () => {
      const storage = getStorage();
      await storage.check();
      return storage.kind;
    }),
  ]);
  return {
    ok: database.ok && storage.ok,
    checks: { database, storage },
    paymentsMode: getEnv().PAYMENTS_MODE,
    time: new Date().toISOString(),
  };
}
