import "server-only";
import { SERVICE_IDS, type ServiceId } from "@/lib/catalog/services";
import { EnvError, type Env } from "@/lib/env";
import { logger } from "@/lib/logger";
import { createAlibabaProvider, createAssetPublisher, type InputPublisher } from "./alibaba";
import { createSellerPicProvider } from "./sellerpic";
import type { ImageProvider } from "./types";
import { createYoucamProvider } from "./youcam";

export const PROVIDER_NAMES = ["alibaba", "sellerpic", "youcam", "local"] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** What each provider can do at all (the router also asks each one per request). */
export const PROVIDER_SERVICES: Record<ProviderName, readonly ServiceId[]> = {
  alibaba: ["sky-replacement", "background-removal", "prompt-segmentation"],
  sellerpic: ["background-change", "background-removal", "prompt-segmentation"],
  youcam: ["background-change", "background-removal"],
  local: SERVICE_IDS,
};

/** Providers that fetch our inputs by URL and therefore need PUBLIC_BASE_URL. */
const URL_BASED: readonly ProviderName[] = ["alibaba"];

type ChainEnv = Pick<
  Env,
  | "PUBLIC_BASE_URL"
  | "ALIBABA_ACCESS_KEY_ID"
  | "ALIBABA_ACCESS_KEY_SECRET"
  | "ALIBABA_ENDPOINT"
  | "SELLERPIC_API_KEY"
  | "SELLERPIC_BASE_URL"
  | "YOUCAM_API_KEY"
  | "YOUCAM_BASE_URL"
  | "YOUCAM_BG_TASK_PATH"
  | "YOUCAM_POLL_INTERVAL_SECONDS"
  | "SELLERPIC_POLL_INTERVAL_SECONDS"
  | "PROVIDER_TASK_TIMEOUT_SECONDS"
  | "PROVIDER_HTTP_TIMEOUT_SECONDS"
  | "ALIBABA_CALL_COST_MINOR"
  | "SELLERPIC_CREDIT_COST_MINOR"
  | "YOUCAM_UNIT_COST_MINOR"
  | "PROVIDER_SKY_REPLACEMENT"
  | "PROVIDER_BACKGROUND_CHANGE"
  | "PROVIDER_BACKGROUND_REMOVAL"
  | "PROVIDER_PROMPT_SEGMENTATION"
>;

export function providerNamesFor(serviceId: ServiceId, env: ChainEnv): string[] {
  const key = `PROVIDER_${serviceId.toUpperCase().replace(/-/g, "_")}` as "PROVIDER_SKY_REPLACEMENT";
  return env[key] ?? ["local"];
}

/** Why a named provider cannot be used with this configuration, or null when it can. */
export function missingConfig(name: ProviderName, env: ChainEnv): string | null {
  if (name === "alibaba") {
    if (!env.ALIBABA_ACCESS_KEY_ID || !env.ALIBABA_ACCESS_KEY_SECRET)
      return "needs ALIBABA_ACCESS_KEY_ID and ALIBABA_ACCESS_KEY_SECRET";
    if (!env.PUBLIC_BASE_URL) return "fetches inputs by URL and needs PUBLIC_BASE_URL (a URL Alibaba Cloud can reach)";
  }
  if (name === "sellerpic" && !env.SELLERPIC_API_KEY) return "needs SELLERPIC_API_KEY";
  if (name === "youcam" && !env.YOUCAM_API_KEY) return "needs YOUCAM_API_KEY";
  return null;
}

/**
 * Boot check (lib/server-start.ts): every name in every PROVIDER_<SERVICE> is known, offers that
 * service and is configured; URL-based providers have PUBLIC_BASE_URL. Throws EnvError listing all.
 */
export function validateProviderConfig(env: ChainEnv): void {
  const issues: string[] = [];
  for (const serviceId of SERVICE_IDS) {
    const key = `PROVIDER_${serviceId.toUpperCase().replace(/-/g, "_")}`;
    for (const name of providerNamesFor(serviceId, env)) {
      if (!(PROVIDER_NAMES as readonly string[]).includes(name)) {
        issues.push(`${key}: unknown provider "${name}" (known: ${PROVIDER_NAMES.join(", ")})`);
        continue;
      }
      const known = name as ProviderName;
      if (!PROVIDER_SERVICES[known].includes(serviceId)) issues.push(`${key}: ${name} does not offer ${serviceId}`);
      const missing = missingConfig(known, env);
      if (missing) issues.push(`${key}: ${name} ${missing}`);
    }
  }
  const usesUrlProvider = SERVICE_IDS.some((s) =>
    providerNamesFor(s, env).some((n) => (URL_BASED as readonly string[]).includes(n)),
  );
  if (
    usesUrlProvider &&
    env.PUBLIC_BASE_URL &&
    /^https?:\/\/(localhost|127\.|\[::1\])/.test(env.PUBLIC_BASE_URL) &&
    env.ALIBABA_ENDPOINT === undefined
  ) {
    logger.warn("PUBLIC_BASE_URL points at this machine; Alibaba Cloud will not be able to fetch inputs", {
      publicBaseUrl: env.PUBLIC_BASE_URL,
    });
  }
  if (issues.length > 0) throw new EnvError(issues);
}

export type ChainOverrides = {
  /** How Alibaba's inputs become URLs (default: temporary assets signed under PUBLIC_BASE_URL). */
  publish?: InputPublisher;
  /** The embedded engine (default: lib/providers/local, imported lazily). */
  local?: ImageProvider;
  /** Providers registered by id at run time (tests, plug-ins); a name found here is used as is. */
  registered?: ReadonlyMap<string, ImageProvider>;
};

/**
 * The ordered providers for one service, from PROVIDER_<SERVICE> (e.g. `alibaba,local`).
 * Unconfigured vendors and vendors that do not offer the service are skipped with a warning
 * (validateProviderConfig refuses them at boot); an unknown name throws.
 */
export async function buildProviderChain(
  serviceId: ServiceId,
  env: ChainEnv,
  overrides: ChainOverrides = {},
): Promise<ImageProvider[]> {
  const chain: ImageProvider[] = [];
  const httpTimeoutMs = env.PROVIDER_HTTP_TIMEOUT_SECONDS * 1000;
  const taskTimeoutMs = env.PROVIDER_TASK_TIMEOUT_SECONDS * 1000;
  for (const name of providerNamesFor(serviceId, env)) {
    const registered = overrides.registered?.get(name);
    if (registered) {
      if (registered.capabilities.includes(serviceId)) chain.push(registered);
      continue;
    }
    if (!(PROVIDER_NAMES as readonly string[]).includes(name))
      throw new EnvError([`unknown provider "${name}" for ${serviceId}`]);
    const known = name as ProviderName;
    if (!PROVIDER_SERVICES[known].includes(serviceId)) {
      logger.warn("provider skipped: does not offer this service", { provider: name, serviceId });
      continue;
    }
    const missing = missingConfig(known, env);
    if (missing) {
      logger.warn("provider skipped: not configured", { provider: name, serviceId, missing });
      continue;
    }
    switch (known) {
      case "alibaba":
        chain.push(
          createAlibabaProvider({
            accessKeyId: env.ALIBABA_ACCESS_KEY_ID!,
            accessKeySecret: env.ALIBABA_ACCESS_KEY_SECRET!,
            endpoint: env.ALIBABA_ENDPOINT,
            publish: overrides.publish ?? createAssetPublisher({ publicBaseUrl: env.PUBLIC_BASE_URL! }),
            httpTimeoutMs,
            callCostMinor: env.ALIBABA_CALL_COST_MINOR,
          }),
        );
        break;
      case "sellerpic":
        chain.push(
          createSellerPicProvider({
            apiKey: env.SELLERPIC_API_KEY!,
            baseUrl: env.SELLERPIC_BASE_URL,
            httpTimeoutMs,
            pollIntervalMs: env.SELLERPIC_POLL_INTERVAL_SECONDS * 1000,
            taskTimeoutMs,
            creditCostMinor: env.SELLERPIC_CREDIT_COST_MINOR,
          }),
        );
        break;
      case "youcam":
        chain.push(
          createYoucamProvider({
            apiKey: env.YOUCAM_API_KEY!,
            baseUrl: env.YOUCAM_BASE_URL,
            bgTaskPath: env.YOUCAM_BG_TASK_PATH,
            httpTimeoutMs,
            pollIntervalMs: env.YOUCAM_POLL_INTERVAL_SECONDS * 1000,
            taskTimeoutMs,
            unitCostMinor: env.YOUCAM_UNIT_COST_MINOR,
          }),
        );
        break;
      case "local":
        chain.push(overrides.local ?? (await import("./local")).localProvider);
        break;
    }
  }
  return chain;
}
