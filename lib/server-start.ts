import "server-only";
import { getCatalogDb } from "@/lib/catalog/seed";
import { getDbHandle } from "@/lib/db";
import { engineConfigFromEnv, getEnv } from "@/lib/env";
import { configureEngine } from "@/lib/image/config";
import { startEmbeddedWorkers } from "@/lib/jobs/worker";
import { logger } from "@/lib/logger";
import { validateProviderConfig } from "@/lib/providers/chain";
import { warmLocalEngine } from "@/lib/providers/local";

/** Boot sequence of a web process; started from instrumentation.ts. */
export async function startServer(): Promise<void> {
  const env = getEnv();
  // A provider list that cannot work (missing keys, Alibaba without PUBLIC_BASE_URL) stops the boot.
  validateProviderConfig(env);
  configureEngine(engineConfigFromEnv(env));
  const db = await getDbHandle();
  await getCatalogDb();
  logger.info("database ready", { kind: db.kind, location: db.location });
  logger.info("payments mode", { mode: env.PAYMENTS_MODE });
  // Embedded mode: the job workers live in this process (external mode: `npm run worker`).
  startEmbeddedWorkers();
  if (env.ENGINE_WARMUP) warmEngineInBackground();
  await (await import("@/lib/admin/boot")).startAdminServices();
}

/** The embedded engine is every chain's fallback (and the previews' renderer): ready it without delaying the boot. */
function warmEngineInBackground(): void {
  const started = Date.now();
  warmLocalEngine().then(
    () => logger.info("image engine warm", { ms: Date.now() - started }),
    (error: unknown) =>
      logger.warn("image engine warm-up failed", { error: error instanceof Error ? error.message : String(error) }),
  );
}
