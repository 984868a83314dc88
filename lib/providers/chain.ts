import "server-only";
import { SERVICE_IDS, type ServiceId } from "@/lib/catalog/services";
import { EnvError, type Env } from "@/lib/env";
import { logger } from "@/lib/logger";
import { systemClock } from "./backoff";
import type { ProviderDeps } from "./descriptor";
import { findProvider, listProviders } from "./registry";
import type { ImageProvider } from "./types";

function providerListKey(serviceId: ServiceId): "PROVIDER_SKY_REPLACEMENT" {
  return `PROVIDER_${serviceId.toUpperCase().replace(/-/g, "_")}` as "PROVIDER_SKY_REPLACEMENT";
}

export function providerNamesFor(serviceId: ServiceId, env: Env): string[] {
  return env[providerListKey(serviceId)] ?? ["local"];
}

/**
 * Boot check (lib/server-start.ts): every name in every PROVIDER_<SERVICE> is known, offers that
 * service and is configured. Throws EnvError listing all problems; logs the providers' warnings.
 */
export function validateProviderConfig(env: Env): void {
  const issues: string[] = [];
  const used = new Set<string>();
  for (const serviceId of SERVICE_IDS) {
    const key = providerListKey(serviceId);
    for (const name of providerNamesFor(serviceId, env)) {
      const descriptor = findProvider(name);
      if (!descriptor) {
        const known = listProviders().map((p) => p.id);
        issues.push(`${key}: unknown provider "${name}" (known: ${known.join(", ")})`);
        continue;
      }
      used.add(name);
      if (!descriptor.services.includes(serviceId)) issues.push(`${key}: ${name} does not offer ${serviceId}`);
      const missing = descriptor.missingConfig(env);
      if (missing) issues.push(`${key}: ${name} ${missing}`);
    }
  }
  for (const name of used)
    for (const warning of findProvider(name)?.bootWarnings?.(env) ?? []) logger.warn(warning, { provider: name });
  if (issues.length > 0) throw new EnvError(issues);
}

export type ChainOverrides = {
  /** Ready adapters used instead of creating the named provider (tests: an inline engine, stand-ins). */
  providers?: ReadonlyMap<string, ImageProvider>;
  /** Replaces parts of what providers are created with (tests: a virtual clock). */
  deps?: Partial<Omit<ProviderDeps, "env">>;
};

async function defaultDeps(env: Env, overrides: ChainOverrides["deps"] = {}): Promise<ProviderDeps> {
  const renderReference = overrides.renderReference ?? (await import("./local/reference")).renderReferenceInPool;
  return { env, clock: overrides.clock ?? systemClock, renderReference };
}

/**
 * The ordered providers for one service, from PROVIDER_<SERVICE> (e.g. `alibaba,local`).
 * Unconfigured providers and providers that do not offer the service are skipped with a warning
 * (validateProviderConfig refuses them at boot); an unknown name throws.
 */
export async function buildProviderChain(
  serviceId: ServiceId,
  env: Env,
  overrides: ChainOverrides = {},
): Promise<ImageProvider[]> {
  const chain: ImageProvider[] = [];
  let deps: ProviderDeps | undefined;
  for (const name of providerNamesFor(serviceId, env)) {
    const ready = overrides.providers?.get(name);
    if (ready) {
      if (ready.capabilities.includes(serviceId)) chain.push(ready);
      continue;
    }
    const descriptor = findProvider(name);
    if (!descriptor) throw new EnvError([`unknown provider "${name}" for ${serviceId}`]);
    if (!descriptor.services.includes(serviceId)) {
      logger.warn("provider skipped: does not offer this service", { provider: name, serviceId });
      continue;
    }
    const missing = descriptor.missingConfig(env);
    if (missing) {
      logger.warn("provider skipped: not configured", { provider: name, serviceId, missing });
      continue;
    }
    deps ??= await defaultDeps(env, overrides.deps);
    chain.push(await descriptor.create(deps));
  }
  return chain;
}
