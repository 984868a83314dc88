// `npm run worker`: a standalone job worker for scale mode (WORKER_MODE=external on the web
// processes). Claims jobs from the Postgres at DATABASE_URL; any number may run on any machine.
import { getDbHandle } from "@/lib/db";
import { engineConfigFromEnv, getEnv } from "@/lib/env";
import { configureEngine } from "@/lib/image/config";
import { logger } from "@/lib/logger";
import { warmLocalEngine } from "@/lib/providers/local";
import { startWorkers } from "./worker";

async function main(): Promise<void> {
  const env = getEnv();
  configureEngine(engineConfigFromEnv(env));
  if (!env.DATABASE_URL)
    logger.warn("no DATABASE_URL: this worker uses the embedded database in DATA_DIR (only one process may open it)");
  const db = await getDbHandle();
  const workers = startWorkers({ concurrency: Math.max(1, env.WORKER_CONCURRENCY) });
  logger.info("worker ready", { id: workers.id, database: db.location });
  if (env.ENGINE_WARMUP) {
    warmLocalEngine().catch((error: unknown) =>
      logger.warn("image engine warm-up failed", { error: error instanceof Error ? error.message : String(error) }),
    );
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("worker stopping; finishing jobs in hand", { signal });
    await workers.stop();
    await db.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  logger.error("worker failed to start", { error: error instanceof Error ? error.stack : String(error) });
  process.exit(1);
});
