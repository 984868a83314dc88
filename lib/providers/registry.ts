import "server-only";
import { alibaba } from "./alibaba/descriptor";
import type { ProviderDescriptor } from "./descriptor";
import { local } from "./local/descriptor";
import { sellerpic } from "./sellerpic/descriptor";
import type { ImageProvider } from "./types";
import { youcam } from "./youcam/descriptor";

/** Every provider Backdrop can route to, by PROVIDER_<SERVICE> name. */
const providers = new Map<string, ProviderDescriptor>(
  [alibaba, sellerpic, youcam, local].map((descriptor) => [descriptor.id, descriptor]),
);

export function listProviders(): ProviderDescriptor[] {
  return [...providers.values()];
}

export function findProvider(id: string): ProviderDescriptor | undefined {
  return providers.get(id);
}

/**
 * Adds (or replaces) a provider: a descriptor, or a ready adapter that needs no configuration
 * (plug-ins and tests register stand-ins this way).
 */
export function registerProvider(provider: ProviderDescriptor | ImageProvider): void {
  const descriptor: ProviderDescriptor =
    "create" in provider
      ? provider
      : { id: provider.id, services: provider.capabilities, missingConfig: () => null, create: () => provider };
  providers.set(descriptor.id, descriptor);
}
