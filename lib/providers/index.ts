import "server-only";
import type { ServiceId } from "@/lib/catalog/services";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { logger } from "@/lib/logger";
import { localProvider } from "./local";
import type {
  BackgroundChangeRequest,
  BackgroundRemovalRequest,
  ImageProvider,
  PromptSegmentationRequest,
  ProviderContext,
  ProviderResult,
  SkyReplacementRequest,
} from "./types";

export type ServiceRequest = {
  "sky-replacement": SkyReplacementRequest;
  "background-change": BackgroundChangeRequest;
  "background-removal": BackgroundRemovalRequest;
  "prompt-segmentation": PromptSegmentationRequest;
};

const registry = new Map<string, ImageProvider>([["local", localProvider]]);

/** Adds (or replaces) a provider by id; vendor adapters and tests register here. */
export function registerProvider(provider: ImageProvider): void {
  registry.set(provider.id, provider);
}

const ENV_KEYS = {
  "sky-replacement": "PROVIDER_SKY_REPLACEMENT",
  "background-change": "PROVIDER_BACKGROUND_CHANGE",
  "background-removal": "PROVIDER_BACKGROUND_REMOVAL",
  "prompt-segmentation": "PROVIDER_PROMPT_SEGMENTATION",
} as const satisfies Record<ServiceId, string>;

/** The ordered providers for a service, from `PROVIDER_<SERVICE>` (default: the embedded engine). */
export function getProviderChain(serviceId: ServiceId): ImageProvider[] {
  const names = getEnv()[ENV_KEYS[serviceId]];
  const chain: ImageProvider[] = [];
  for (const name of names) {
    const provider = registry.get(name);
    if (!provider) logger.warn("unknown provider in configuration", { serviceId, provider: name });
    else if (provider.capabilities.includes(serviceId)) chain.push(provider);
  }
  if (chain.length === 0) throw new AppError("provider_unavailable", `No provider is configured for ${serviceId}.`);
  return chain;
}

function callProvider<S extends ServiceId>(provider: ImageProvider, serviceId: S, request: ServiceRequest[S], ctx: ProviderContext): Promise<ProviderResult> {
  const method = {
    "sky-replacement": provider.skyReplacement,
    "background-change": provider.backgroundChange,
    "background-removal": provider.backgroundRemoval,
    "prompt-segmentation": provider.promptSegmentation,
  }[serviceId] as ((req: ServiceRequest[S], ctx: ProviderContext) => Promise<ProviderResult>) | undefined;
  if (!method) throw new AppError("provider_unavailable", `Provider ${provider.id} cannot do ${serviceId}.`);
  return method.call(provider, request, ctx);
}

/**
 * Runs one edit on the configured providers, in order, recording a ProviderCall row per attempt.
 * The next provider is tried only when the error is retryable (outage, timeout); a refusal about
 * the photo itself (no sky, no subject) is the answer. This is the single call site a router with
 * retries and circuit breakers will replace.
 */
export async function runWithProviders<S extends ServiceId>(params: {
  serviceId: S;
  request: ServiceRequest[S];
  ctx: ProviderContext;
}): Promise<{ result: ProviderResult; provider: string }> {
  const chain = getProviderChain(params.serviceId);
  let lastError: unknown;
  for (const provider of chain) {
    const started = Date.now();
    try {
      const result = await callProvider(provider, params.serviceId, params.request, params.ctx);
      await recordProviderCall({ jobId: params.ctx.jobId, provider: provider.id, action: params.serviceId, ok: true, latencyMs: Date.now() - started, requestId: result.requestId, costMinor: result.costMinor });
      return { result, provider: provider.id };
    } catch (error) {
      lastError = error;
      const appError = error instanceof AppError ? error : null;
      await recordProviderCall({
        jobId: params.ctx.jobId,
        provider: provider.id,
        action: params.serviceId,
        ok: false,
        latencyMs: Date.now() - started,
        errorCode: appError?.code ?? "engine_failed",
        errorMessage: error instanceof Error ? error.message : String(error),
      });
      if (params.ctx.signal.aborted || !appError?.retryable) throw error;
    }
  }
  throw lastError;
}

async function recordProviderCall(call: {
  jobId?: string;
  provider: string;
  action: string;
  ok: boolean;
  latencyMs: number;
  requestId?: string;
  costMinor?: number;
  errorCode?: string;
  errorMessage?: string;
}): Promise<void> {
  try {
    const db = await getDb();
    await db.providerCall.create({
      data: {
        id: newId("pcl"),
        jobId: call.jobId ?? null,
        provider: call.provider,
        action: call.action,
        ok: call.ok,
        latencyMs: call.latencyMs,
        requestId: call.requestId ?? null,
        costMinor: call.costMinor ?? 0,
        errorCode: call.errorCode ?? null,
        errorMessage: call.errorMessage?.slice(0, 500) ?? null,
      },
    });
  } catch (error) {
    // The audit row must not turn a finished edit into a failure.
    logger.warn("could not record provider call", { error: String(error) });
  }
}
