import type { ServiceId } from "@/lib/catalog/services";
import type { Env } from "@/lib/env";
import type { Clock } from "./backoff";
import type { ImageProvider } from "./types";

/** A preset or described scene, rendered by the embedded engine as a reference image for a vendor. */
type ReferenceRequest = {
  kind: "sky" | "background";
  source: { kind: "preset"; presetId: string } | { kind: "prompt"; prompt: string };
  width: number;
  height: number;
};
/** Renders a reference (JPEG bytes) off the calling thread, in the engine's worker pool. */
export type ReferenceRenderer = (req: ReferenceRequest, signal: AbortSignal) => Promise<Buffer>;

/** What a provider gets when the chain creates it. */
export type ProviderDeps = {
  env: Env;
  renderReference: ReferenceRenderer;
  clock: Clock;
};

/**
 * Everything the rest of Backdrop knows about one provider. Adding a provider is one folder
 * with one of these, and one line in lib/providers/registry.ts.
 */
export type ProviderDescriptor = {
  /** The name used in PROVIDER_<SERVICE> lists. */
  id: string;
  /** The services it can do at all (the adapter may still decline a request: `canHandle`). */
  services: readonly ServiceId[];
  /** Why it cannot be used with this configuration, or null when it can. */
  missingConfig(env: Env): string | null;
  create(deps: ProviderDeps): ImageProvider | Promise<ImageProvider>;
  /** What one edit of each service costs us as configured (minor units), for the admin's margin check. */
  configuredCosts?(env: Env): Partial<Record<ServiceId, number>>;
  /** Problems worth a warning at boot that do not stop the provider from being used. */
  bootWarnings?(env: Env): string[];
};
