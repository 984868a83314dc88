import "server-only";
import { AppError } from "@/lib/errors";
import { getCatalogDb } from "./seed";
import { SERVICES, isServiceId, type ServiceId } from "./services";

export type CatalogService = {
  id: ServiceId;
  name: string;
  action: string;
  tool: string;
  description: string;
  priceMinor: number;
  currency: string;
  enabled: boolean;
};

const CACHE_MS = 10_000;
let cache: { at: number; services: CatalogService[] } | undefined;

/** The services and their current prices (database is the truth; cached for a few seconds). */
export async function listServices(): Promise<CatalogService[]> {
  if (cache && Date.now() - cache.at < CACHE_MS) return cache.services;
  const db = await getCatalogDb();
  const rows = await db.service.findMany({ orderBy: { priceMinor: "desc" } });
  const services = rows
    .filter((row) => isServiceId(row.id))
    .map((row) => {
      const id = row.id as ServiceId;
      return {
        id,
        name: row.name,
        action: row.action,
        tool: SERVICES[id].tool,
        description: row.description,
        priceMinor: row.priceMinor,
        currency: row.currency,
        enabled: row.enabled,
      };
    });
  cache = { at: Date.now(), services };
  return services;
}

export function invalidateCatalogCache(): void {
  cache = undefined;
}

export async function getServiceOrThrow(
  id: string,
  options: { requireEnabled?: boolean } = {},
): Promise<CatalogService> {
  const service = (await listServices()).find((candidate) => candidate.id === id);
  if (!service)
    throw new AppError("service_not_found", `No service "${id}". Known services: ${Object.keys(SERVICES).join(", ")}.`);
  if (options.requireEnabled !== false && !service.enabled) {
    throw new AppError("service_disabled", `The ${service.name} service is switched off right now.`);
  }
  return service;
}
