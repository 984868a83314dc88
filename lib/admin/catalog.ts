import "server-only";
import { z } from "zod";
import { invalidateCatalogCache } from "@/lib/catalog/catalog";
import { getCatalogDb } from "@/lib/catalog/seed";
import { isServiceId } from "@/lib/catalog/services";
import { AppError } from "@/lib/errors";
import { recordAudit } from "./audit";

export const updateServiceSchema = z
  .object({
    priceMinor: z.number().int().min(0).max(1_000_000).optional(),
    enabled: z.boolean().optional(),
    name: z.string().trim().min(1).max(80).optional(),
    description: z.string().trim().min(1).max(500).optional(),
  })
  .strict()
  .refine((value) => Object.keys(value).length > 0, "Change at least one of priceMinor, enabled, name, description.");
export type UpdateServiceInput = z.infer<typeof updateServiceSchema>;

export async function listCatalogForAdmin() {
  const db = await getCatalogDb();
  return db.service.findMany({ orderBy: { id: "asc" } });
}

/** Changes a service's price or switch, audits before/after, and drops the catalog cache. */
export async function updateService(params: { serviceId: string; input: UpdateServiceInput; actor: string }) {
  if (!isServiceId(params.serviceId)) throw new AppError("service_not_found", `No service "${params.serviceId}".`);
  const db = await getCatalogDb();
  const updated = await db.$transaction(async (tx) => {
    const before = await tx.service.findUnique({ where: { id: params.serviceId } });
    if (!before) throw new AppError("service_not_found", `No service "${params.serviceId}".`);
    const after = await tx.service.update({ where: { id: params.serviceId }, data: params.input });
    const changed = Object.keys(params.input) as Array<keyof UpdateServiceInput>;
    await recordAudit(
      {
        actor: params.actor,
        action: "catalog.update",
        targetType: "service",
        targetId: params.serviceId,
        before: Object.fromEntries(changed.map((key) => [key, before[key]])),
        after: Object.fromEntries(changed.map((key) => [key, after[key]])),
      },
      tx,
    );
    return after;
  });
  invalidateCatalogCache();
  return updated;
}
