import "server-only";
import { getDbHandle } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { startEmbeddedWorkers } from "@/lib/jobs/worker";
import { logger } from "@/lib/logger";
import { validateProviderConfig } from "@/lib/providers/chain";

/** Boot sequence of a web process; started from instrumentation.ts. */
export async function startServer(): Promise<void> {
  const env = getEnv();
  // A provider list that cannot work (missing keys, Alibaba without PUBLIC_BASE_URL) stops the boot.
  validateProviderConfig(env);
  const db = await getDbHandle();
  logger.info("database ready", { kind: db.kind, location: db.location });
  logger.info("payments mode", { mode: env.PAYMENTS_MODE });
  // Embedded mode: the job workers live in this process (external mode: `npm run worker`).
  startEmbeddedWorkers();
  await (await import("@/lib/admin/boot")).startAdminServices();
}
