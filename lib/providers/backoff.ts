import "server-only";
import { AppError, isAppError } from "@/lib/errors";

/** Waiting: a clock the adapters and the router take as a parameter, so tests never sleep. */

export type Clock = {
  now(): number;
  /** Waits `ms`, or rejects with job_canceled when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
};

/** Waits `ms`, or rejects with job_canceled when the job is canceled first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AppError("job_canceled", "The job was canceled."));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AppError("job_canceled", "The job was canceled."));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export const systemClock: Clock = { now: () => Date.now(), sleep };

export type BackoffOptions = { baseDelayMs: number; maxDelayMs: number; random: () => number };

/** Full-jitter exponential backoff: a random delay in [0, min(max, base·2^attempt)]. */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
  return Math.round(options.random() * cap);
}

/**
 * Runs one step of a vendor task (a status poll, a download) and retries it on retryable
 * failures (429, 5xx, timeouts) with jittered backoff. The paid task itself is never re-created
 * here: only the step that failed is repeated.
 */
export async function retryStep<T>(params: {
  run: (attempt: number) => Promise<T>;
  attempts: number;
  clock: Clock;
  signal: AbortSignal;
  backoff?: Partial<BackoffOptions>;
}): Promise<T> {
  const backoff: BackoffOptions = { baseDelayMs: 500, maxDelayMs: 8_000, random: Math.random, ...params.backoff };
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await params.run(attempt);
    } catch (error) {
      const retryable = isAppError(error) && error.retryable && error.code !== "job_canceled";
      if (!retryable || attempt + 1 >= params.attempts) throw error;
      await params.clock.sleep(backoffDelay(attempt, backoff), params.signal);
    }
  }
}
