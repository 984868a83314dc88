import "server-only";
import { SERVICE_IDS, type ServiceId } from "@/lib/catalog/services";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
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

const ENV_KEYS = {
  "sky-replacement": "PROVIDER_SKY_REPLACEMENT",
  "background-change": "PROVIDER_BACKGROUND_CHANGE",
  "background-removal": "PROVIDER_BACKGROUND_REMOVAL",
  "prompt-segmentation": "PROVIDER_PROMPT_SEGMENTATION",
} as const satisfies Record<ServiceId, string>;

function keyStatus(id: string): { configured: boolean; detail: string } {
  const env = getEnv();
  switch (id) {
    case "local":
      return { configured: true, detail: "Embedded engine (no key needed)" };
    case "alibaba":
      return env.ALIBABA_ACCESS_KEY_ID && env.ALIBABA_ACCESS_KEY_SECRET
        ? {
            configured: true,
            detail: `Access key set${env.ALIBABA_ENDPOINT ? ` · ${new URL(env.ALIBABA_ENDPOINT).host}` : ""}`,
          }
        : { configured: false, detail: "ALIBABA_ACCESS_KEY_ID / ALIBABA_ACCESS_KEY_SECRET not set" };
    case "sellerpic":
      return env.SELLERPIC_API_KEY
        ? {
            configured: true,
            detail: `API key set${env.SELLERPIC_BASE_URL ? ` · ${new URL(env.SELLERPIC_BASE_URL).host}` : ""}`,
          }
        : { configured: false, detail: "SELLERPIC_API_KEY not set" };
    case "youcam":
      return env.YOUCAM_API_KEY
        ? {
            configured: true,
            detail: `API key set${env.YOUCAM_BASE_URL ? ` · ${new URL(env.YOUCAM_BASE_URL).host}` : ""}`,
          }
        : { configured: false, detail: "YOUCAM_API_KEY not set" };
    default:
      return { configured: false, detail: "Unknown provider id" };
  }
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? null;
}

/** Configured providers, their last-24-hour success rate and latency (ProviderCall rows), and circuit state. */
export async function getProvidersOverview(now = new Date()): Promise<ProviderOverview[]> {
  const env = getEnv();
  const ids = new Set<string>(["local", "alibaba", "sellerpic", "youcam"]);
  const services = new Map<string, Array<{ serviceId: ServiceId; position: number }>>();
  for (const serviceId of SERVICE_IDS) {
    env[ENV_KEYS[serviceId]].forEach((id, position) => {
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
