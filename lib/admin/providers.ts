import "server-only";
import { SERVICE_IDS, type ServiceId } from "@/lib/catalog/services";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { listServices } from "@/lib/catalog/catalog";
import { providerNamesFor } from "@/lib/providers/chain";
import { findProvider, listProviders } from "@/lib/providers/registry";
import { getCircuitStates, type CircuitState } from "@/lib/providers/router";

export type ProviderOverview = {
  id: string;
  configured: boolean;
  /** Why it is or is not usable (keys present, endpoint). */
  detail: string;
  /** Services whose PROVIDER_* list names it, with its position in the fallback order. */
  services: Array<{ serviceId: ServiceId; position: number }>;
  calls24h: number;
  ok24h: number;
  successRate: number | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  lastError: { code: string | null; message: string | null; at: Date } | null;
  circuit: CircuitState | null;
};

function keyStatus(id: string): { configured: boolean; detail: string } {
  const descriptor = findProvider(id);
  if (!descriptor) return { configured: false, detail: "Unknown provider id" };
  if (id === "local") return { configured: true, detail: "Embedded engine (no key needed)" };
  const missing = descriptor.missingConfig(getEnv());
  return missing ? { configured: false, detail: `${id} ${missing}` } : { configured: true, detail: "Keys set" };
}

export type CostWarning = {
  providerId: string;
  serviceId: ServiceId;
  costMinor: number;
  priceMinor: number;
  currency: string;
};

/**
 * Edits whose configured vendor cost (the provider's *_COST_MINOR settings) is more than the
 * service sells for: every such call loses money, so the admin says so on the providers page.
 */
export async function getCostWarnings(): Promise<CostWarning[]> {
  const env = getEnv();
  const prices = new Map((await listServices()).map((service) => [service.id, service]));
  const warnings: CostWarning[] = [];
  for (const serviceId of SERVICE_IDS) {
    const service = prices.get(serviceId);
    if (!service) continue;
    for (const providerId of providerNamesFor(serviceId, env)) {
      const costMinor = findProvider(providerId)?.configuredCosts?.(env)[serviceId];
      if (costMinor !== undefined && costMinor > service.priceMinor)
        warnings.push({ providerId, serviceId, costMinor, priceMinor: service.priceMinor, currency: service.currency });
    }
  }
  return warnings;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? null;
}

/** Configured providers, their last-24-hour success rate and latency (ProviderCall rows), and circuit state. */
export async function getProvidersOverview(now = new Date()): Promise<ProviderOverview[]> {
  const env = getEnv();
  const ids = new Set<string>(listProviders().map((p) => p.id));
  const services = new Map<string, Array<{ serviceId: ServiceId; position: number }>>();
  for (const serviceId of SERVICE_IDS) {
    providerNamesFor(serviceId, env).forEach((id, position) => {
      ids.add(id);
      services.set(id, [...(services.get(id) ?? []), { serviceId, position: position + 1 }]);
    });
  }
  const db = await getDb();
  const since = new Date(now.getTime() - 24 * 3600_000);
  const calls = await db.providerCall.findMany({
    where: { createdAt: { gte: since } },
    select: { provider: true, ok: true, latencyMs: true, errorCode: true, errorMessage: true, createdAt: true },
    orderBy: { createdAt: "asc" },
    take: 50_000,
  });
  for (const call of calls) ids.add(call.provider);
  let circuits: CircuitState[] = [];
  try {
    circuits = getCircuitStates();
  } catch {
    circuits = [];
  }
  return [...ids].map((id) => {
    const mine = calls.filter((call) => call.provider === id);
    const latencies = mine.map((call) => call.latencyMs).sort((a, b) => a - b);
    const ok = mine.filter((call) => call.ok).length;
    const lastFailure = [...mine].reverse().find((call) => !call.ok);
    return {
      id,
      ...keyStatus(id),
      services: services.get(id) ?? [],
      calls24h: mine.length,
      ok24h: ok,
      successRate: mine.length ? ok / mine.length : null,
      latencyP50Ms: percentile(latencies, 0.5),
      latencyP95Ms: percentile(latencies, 0.95),
      lastError: lastFailure
        ? { code: lastFailure.errorCode, message: lastFailure.errorMessage, at: lastFailure.createdAt }
        : null,
      circuit: circuits.find((circuit) => circuit.providerId === id) ?? null,
    };
  });
}
