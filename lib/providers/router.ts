import "server-only";
import type { ServiceId } from "@/lib/catalog/services";
import { AppError, isAppError } from "@/lib/errors";
import { backoffDelay, sleep } from "./backoff";
import { httpStatusOf } from "./errors";
import type {
  BackgroundChangeRequest,
  BackgroundRemovalRequest,
  PromptSegmentationRequest,
  SkyReplacementRequest,
} from "@/lib/image/types";
import type { ImageProvider, ProviderCallRecord, ProviderContext, ProviderResult } from "./types";

export type { ProviderCallRecord } from "./types";
export { backoffDelay } from "./backoff";

export type RequestFor<S extends ServiceId> = S extends "sky-replacement"
  ? SkyReplacementRequest
  : S extends "background-change"
    ? BackgroundChangeRequest
    : S extends "background-removal"
      ? BackgroundRemovalRequest
      : S extends "prompt-segmentation"
        ? PromptSegmentationRequest
        : never;

const METHOD = {
  "sky-replacement": "skyReplacement",
  "background-change": "backgroundChange",
  "background-removal": "backgroundRemoval",
  "prompt-segmentation": "promptSegmentation",
} as const satisfies Record<ServiceId, keyof ImageProvider>;

// ---------------------------------------------------------------- options

export type RouterOptions = {
  /** Extra attempts on the same provider for retryable failures (timeouts, 429, 5xx). */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Consecutive failures that open a provider's circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before one trial call is let through (half-open). */
  cooldownMs: number;
  /** A refused key opens the circuit at once, for longer: retrying a bad key helps nobody. */
  authCooldownMs: number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  random: () => number;
  now: () => number;
};

const DEFAULT_ROUTER_OPTIONS: RouterOptions = {
  retries: 2,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  failureThreshold: 5,
  cooldownMs: 30_000,
  authCooldownMs: 10 * 60_000,
  sleep: (ms, signal) => sleep(ms, signal),
  random: Math.random,
  now: Date.now,
};

// ---------------------------------------------------------------- circuit breaker

export type CircuitState = {
  providerId: string;
  state: "closed" | "open" | "half-open";
  consecutiveFailures: number;
  openedAt?: string;
  retryAt?: string;
  lastError?: { code: string; message: string; at: string };
};

type Circuit = {
  failures: number;
  openUntil: number;
  openedAt?: number;
  trialInFlight: boolean;
  lastError?: { code: string; message: string; at: number };
};

const globalCircuits = globalThis as unknown as { backdropCircuits?: Map<string, Circuit> };
function circuits(): Map<string, Circuit> {
  globalCircuits.backdropCircuits ??= new Map();
  return globalCircuits.backdropCircuits;
}
function circuitFor(id: string): Circuit {
  let circuit = circuits().get(id);
  if (!circuit) {
    circuit = { failures: 0, openUntil: 0, trialInFlight: false };
    circuits().set(id, circuit);
  }
  return circuit;
}

function stateOf(circuit: Circuit, now: number): CircuitState["state"] {
  if (circuit.openUntil === 0) return "closed";
  return now < circuit.openUntil ? "open" : "half-open";
}

/** Per-provider breaker state (in this process) for the admin's provider page. */
export function getCircuitStates(now = Date.now()): CircuitState[] {
  return [...circuits().entries()].map(([providerId, c]) => ({
    providerId,
    state: stateOf(c, now),
    consecutiveFailures: c.failures,
    openedAt: c.openedAt ? new Date(c.openedAt).toISOString() : undefined,
    retryAt: c.openUntil ? new Date(c.openUntil).toISOString() : undefined,
    lastError: c.lastError
      ? { code: c.lastError.code, message: c.lastError.message, at: new Date(c.lastError.at).toISOString() }
      : undefined,
  }));
}

/** Tests (and an admin "reset" button) close every circuit. */
export function resetCircuits(): void {
  circuits().clear();
}

/** The embedded engine runs in-process: it has no remote service to protect. */
function hasBreaker(provider: ImageProvider): boolean {
  return provider.id !== "local";
}

/** Whether a call may go out now; in half-open state exactly one trial call passes. */
function admit(provider: ImageProvider, now: number): boolean {
  if (!hasBreaker(provider)) return true;
  const c = circuitFor(provider.id);
  const state = stateOf(c, now);
  if (state === "closed") return true;
  if (state === "open") return false;
  if (c.trialInFlight) return false;
  c.trialInFlight = true;
  return true;
}

function onSuccess(provider: ImageProvider) {
  if (!hasBreaker(provider)) return;
  const c = circuitFor(provider.id);
  c.failures = 0;
  c.openUntil = 0;
  c.openedAt = undefined;
  c.trialInFlight = false;
}

function onFailure(provider: ImageProvider, error: AppError, options: RouterOptions) {
  if (!hasBreaker(provider)) return;
  const c = circuitFor(provider.id);
  const now = options.now();
  c.trialInFlight = false;
  c.failures += 1;
  c.lastError = { code: error.code, message: error.message, at: now };
  const wasTrial = c.openUntil !== 0;
  if (error.code === "provider_auth_failed") {
    c.openUntil = now + options.authCooldownMs;
    c.openedAt = now;
  } else if (wasTrial || c.failures >= options.failureThreshold) {
    c.openUntil = now + options.cooldownMs;
    c.openedAt = now;
  }
}

/** The input was bad (or the job was canceled): that says nothing about the provider's health. */
function releaseTrial(provider: ImageProvider) {
  if (!hasBreaker(provider)) return;
  circuitFor(provider.id).trialInFlight = false;
}

// ---------------------------------------------------------------- routing

/** Errors that end the whole job: no retry, no other provider. */
function isFinal(error: AppError): boolean {
  if (error.code === "provider_rejected_input" || error.code === "job_canceled") return true;
  // The embedded engine's verdicts on the photo itself (no sky, no subject, bad preset, bad image…).
  return (
    !error.code.startsWith("provider_") &&
    error.code !== "engine_failed" &&
    error.code !== "internal_error" &&
    error.code !== "unavailable"
  );
}

function asAppError(error: unknown, providerId: string): AppError {
  if (isAppError(error)) return error;
  return new AppError(
    "provider_failed",
    `${providerId} failed: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error, details: { provider: providerId } },
  );
}

function totalCost(attempts: ProviderCallRecord[]): number {
  return attempts.reduce((sum, call) => sum + (call.costMinor ?? 0), 0);
}

type SkippedProvider = { providerId: string; reason: string };

export type RouteResult = {
  result: ProviderResult;
  providerId: string;
  attempts: ProviderCallRecord[];
  skipped: SkippedProvider[];
  /** What every paid call of this job cost, the failed attempts' included (not only the winner's). */
  costMinor: number;
};

/**
 * Runs one job on the first provider of `chain` that can do it, retrying retryable failures with
 * jittered backoff, skipping providers whose circuit is open, and falling back down the chain.
 *
 * Policy:
 * - retryable (`provider_unavailable`: timeouts, 429, 5xx, network) → up to `retries` more tries
 *   on the same provider, then the next provider;
 * - `provider_auth_failed` → never retried; the provider's circuit opens for `authCooldownMs` so
 *   later jobs do not hammer a bad key; the job falls back (usually to `local`) and the refusal
 *   stays visible in ProviderCall rows, the circuit state and the error log. A chain with no
 *   working provider left fails with that `provider_auth_failed`;
 * - `provider_failed` / `provider_timeout` (task failed, expired link, deadline) → next provider;
 * - `provider_rejected_input` and the engine's own verdicts on the photo → the job fails at once.
 *
 * Every outbound request is reported through `recordCall` (the adapters report each HTTP call;
 * the router adds one record for a provider attempt that made none, e.g. the local engine).
 */
export async function routeCall<S extends ServiceId>(params: {
  serviceId: S;
  request: RequestFor<S>;
  chain: ImageProvider[];
  signal: AbortSignal;
  jobId?: string;
  recordCall: (call: ProviderCallRecord) => Promise<void>;
  onProgress?: (fraction: number) => void;
  options?: Partial<RouterOptions>;
}): Promise<RouteResult> {
  const options = { ...DEFAULT_ROUTER_OPTIONS, ...params.options };
  const attempts: ProviderCallRecord[] = [];
  const skipped: SkippedProvider[] = [];
  let lastError: AppError | undefined;
  const method = METHOD[params.serviceId];

  for (const provider of params.chain) {
    const run = provider[method] as ((req: RequestFor<S>, ctx: ProviderContext) => Promise<ProviderResult>) | undefined;
    if (!run || !provider.capabilities.includes(params.serviceId)) {
      skipped.push({ providerId: provider.id, reason: `does not offer ${params.serviceId}` });
      continue;
    }
    const reason = provider.canHandle?.(params.serviceId, params.request) ?? null;
    if (reason) {
      skipped.push({ providerId: provider.id, reason });
      continue;
    }

    for (let attempt = 0; attempt <= options.retries; attempt += 1) {
      if (params.signal.aborted) throw new AppError("job_canceled", "The job was canceled.");
      if (!admit(provider, options.now())) {
        skipped.push({ providerId: provider.id, reason: "circuit open" });
        break;
      }
      let recorded = 0;
      const ctx: ProviderContext = {
        signal: params.signal,
        jobId: params.jobId,
        onProgress: params.onProgress,
        recordCall: async (call) => {
          recorded += 1;
          attempts.push(call);
          // A failed audit write must not fail (or re-run) a paid vendor call.
          await params.recordCall(call).catch(() => undefined);
        },
      };
      const started = performance.now();
      try {
        const result = await run.call(provider, params.request, ctx);
        onSuccess(provider);
        if (recorded === 0) {
          await ctx.recordCall!({
            provider: provider.id,
            action: `${provider.id}.${params.serviceId}`,
            ok: true,
            latencyMs: Math.round(performance.now() - started),
            requestId: result.requestId,
            costMinor: result.costMinor ?? 0,
            jobId: params.jobId,
          });
        }
        return { result, providerId: provider.id, attempts, skipped, costMinor: totalCost(attempts) };
      } catch (caught) {
        const error = asAppError(caught, provider.id);
        if (recorded === 0) {
          await ctx.recordCall!({
            provider: provider.id,
            action: `${provider.id}.${params.serviceId}`,
            ok: false,
            httpStatus: httpStatusOf(error),
            latencyMs: Math.round(performance.now() - started),
            errorCode: error.code,
            errorMessage: error.message.slice(0, 500),
            jobId: params.jobId,
          });
        }
        if (isFinal(error)) {
          releaseTrial(provider);
          throw error;
        }
        onFailure(provider, error, options);
        lastError = error;
        if (error.code === "provider_auth_failed") break;
        if (!error.retryable || attempt === options.retries) break;
        await options.sleep(backoffDelay(attempt, options), params.signal);
      }
    }
  }

  // The last provider's error is the most relevant one (an earlier auth failure is in the records).
  if (lastError) throw lastError;
  throw new AppError("provider_unavailable", `No configured provider can do ${params.serviceId} right now.`, {
    retryable: true,
    details: { skipped },
  });
}
