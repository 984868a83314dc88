import "server-only";
import type { ServiceId } from "@/lib/catalog/services";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { providerCallRecorder } from "./audit";
import { buildProviderChain } from "./chain";
import { routeCall, type RequestFor } from "./router";
import type {
  BackgroundChangeRequest,
  BackgroundRemovalRequest,
  PromptSegmentationRequest,
  SkyReplacementRequest,
} from "@/lib/image/types";
import type { ProviderContext, ProviderResult } from "./types";

export { registerProvider } from "./registry";

export type ServiceRequest = {
  "sky-replacement": SkyReplacementRequest;
  "background-change": BackgroundChangeRequest;
  "background-removal": BackgroundRemovalRequest;
  "prompt-segmentation": PromptSegmentationRequest;
};

/**
 * Runs one edit on the providers configured for the service (`PROVIDER_<SERVICE>`, default the
 * embedded engine) through the router: retries with backoff, circuit breakers, fallback to the
 * next provider, and one ProviderCall row per outbound call.
 */
export async function runWithProviders<S extends ServiceId>(params: {
  serviceId: S;
  request: ServiceRequest[S];
  ctx: ProviderContext;
}): Promise<{ result: ProviderResult; provider: string; costMinor: number }> {
  const chain = await buildProviderChain(params.serviceId, getEnv());
  if (chain.length === 0)
    throw new AppError("provider_unavailable", `No provider is configured for ${params.serviceId}.`);
  const routed = await routeCall({
    serviceId: params.serviceId,
    request: params.request as RequestFor<S>,
    chain,
    signal: params.ctx.signal,
    jobId: params.ctx.jobId,
    onProgress: params.ctx.onProgress,
    recordCall: providerCallRecorder(await getDb()),
  });
  return { result: routed.result, provider: routed.providerId, costMinor: routed.costMinor };
}
