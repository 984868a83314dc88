import "server-only";
import { AppError, isAppError } from "@/lib/errors";

/**
 * The four ways a vendor call can fail, as the router reads them:
 * - `provider_auth_failed`: our key was refused (no retry; the circuit opens);
 * - `provider_unavailable` (retryable): timeouts, 429, 5xx, network;
 * - `provider_failed`: this provider cannot do this job now (fall back to the next one);
 * - `provider_rejected_input`: the photo itself was refused (the job ends, no fallback).
 */

export function providerAuthFailed(provider: string, message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("provider_auth_failed", `${provider} refused our credentials: ${message}`, {
    details: { provider, ...details },
  });
}

export function providerRejectedInput(
  provider: string,
  message: string,
  details: Record<string, unknown> = {},
): AppError {
  return new AppError("provider_rejected_input", `${provider} could not process this image: ${message}`, {
    details: { provider, ...details },
  });
}

export function providerUnavailable(
  provider: string,
  message: string,
  details: Record<string, unknown> = {},
): AppError {
  return new AppError("provider_unavailable", `${provider} is unavailable: ${message}`, {
    retryable: true,
    details: { provider, ...details },
  });
}

export function providerFailed(provider: string, message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("provider_failed", `${provider} failed: ${message}`, { details: { provider, ...details } });
}

export function providerTimeout(provider: string, message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("provider_timeout", `${provider} did not finish in time: ${message}`, {
    details: { provider, ...details },
  });
}

/** The usual HTTP status → error class for vendors whose bodies do not say more. */
export function errorForStatus(
  provider: string,
  status: number,
  message: string,
  details: Record<string, unknown> = {},
): AppError {
  const d = { httpStatus: status, ...details };
  if (status === 401 || status === 403) return providerAuthFailed(provider, message, d);
  if (status === 429 || status >= 500) return providerUnavailable(provider, message, d);
  if (status === 400 || status === 413 || status === 415 || status === 422)
    return providerRejectedInput(provider, message, d);
  return providerFailed(provider, message, d);
}

export function httpStatusOf(error: unknown): number | undefined {
  if (isAppError(error) && error.details && typeof error.details === "object") {
    const status = (error.details as { httpStatus?: unknown }).httpStatus;
    return typeof status === "number" ? status : undefined;
  }
  return undefined;
}

/**
 * Once the vendor has accepted (and may charge for) a task, a failure must not make the router
 * run the whole provider again (that would pay twice): a retryable error becomes a plain
 * `provider_failed`, so the router falls back instead. Retries of a single step (a poll, a
 * download) happen inside the adapter.
 */
export function afterPaidStep(error: unknown, provider: string): unknown {
  if (!isAppError(error) || !error.retryable || error.code === "job_canceled") return error;
  return new AppError("provider_failed", `${provider} failed after accepting the task: ${error.message}`, {
    cause: error,
    details: { ...(error.details as Record<string, unknown> | undefined), provider, paid: true },
  });
}
