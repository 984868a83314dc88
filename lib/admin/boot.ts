import "server-only";
import { startRetentionSchedule } from "@/lib/assets/retention";
import { logger } from "@/lib/logger";
import { ensureBootstrapAdmin } from "./auth";

/** Boot hook of the admin side: the first admin from ADMIN_PASSWORD, and the hourly retention timer. */
export async function startAdminServices(): Promise<void> {
  try {
    await ensureBootstrapAdmin();
  } catch (error) {
    logger.error("could not create the bootstrap admin", { error: String(error) });
  }
  startRetentionSchedule();
}
