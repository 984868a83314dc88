import "server-only";
import { AppError } from "@/lib/errors";

type Bucket = { tokens: number; updatedAt: number };

/**
 * In-memory token buckets (per process): `capacity` requests at once, refilled at
 * `refillPerMinute`. Good enough for one web process; several processes each keep their own.
 */
export function createRateLimiter(params: { capacity: number; refillPerMinute: number; maxKeys?: number }) {
  const buckets = new Map<string, Bucket>();
  const maxKeys = params.maxKeys ?? 10_000;
  return {
    /** Takes one token for `key`; returns the seconds to wait when there is none. */
    take(key: string, now = Date.now()): { ok: true } | { ok: false; retryAfterSeconds: number } {
      const bucket = buckets.get(key) ?? { tokens: params.capacity, updatedAt: now };
      const refilled = Math.min(
        params.capacity,
        bucket.tokens + ((now - bucket.updatedAt) / 60_000) * params.refillPerMinute,
      );
      buckets.delete(key);
      if (buckets.size >= maxKeys) {
        const oldest = buckets.keys().next().value;
        if (oldest !== undefined) buckets.delete(oldest);
      }
      if (refilled < 1) {
        buckets.set(key, { tokens: refilled, updatedAt: now });
        return { ok: false, retryAfterSeconds: Math.ceil(((1 - refilled) / params.refillPerMinute) * 60) };
      }
      buckets.set(key, { tokens: refilled - 1, updatedAt: now });
      return { ok: true };
    },
    reset(): void {
      buckets.clear();
    },
  };
}

/** Throws 429 `rate_limited` when `key` has used up its bucket. */
export function enforceRateLimit(limiter: ReturnType<typeof createRateLimiter>, key: string, what: string): void {
  const result = limiter.take(key);
  if (!result.ok) {
    throw new AppError(
      "rate_limited",
      `Too many ${what} from your address; try again in ${result.retryAfterSeconds} s.`,
      {
        details: { retryAfterSeconds: result.retryAfterSeconds },
      },
    );
  }
}
