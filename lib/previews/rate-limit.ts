import "server-only";
import { AppError } from "@/lib/errors";
import { createRateLimiter } from "@/lib/rate-limit";

/** 30 previews per 10 minutes per visitor (owner cookie) and, more loosely, per IP address. */
const PREVIEW_LIMIT = { perOwner: 30, perIp: 60, windowMinutes: 10 } as const;

const globalForLimits = globalThis as unknown as {
  backdropPreviewLimiters?: { owner: ReturnType<typeof createRateLimiter>; ip: ReturnType<typeof createRateLimiter> };
};

function limiters() {
  globalForLimits.backdropPreviewLimiters ??= {
    owner: createRateLimiter({
      capacity: PREVIEW_LIMIT.perOwner,
      refillPerMinute: PREVIEW_LIMIT.perOwner / PREVIEW_LIMIT.windowMinutes,
    }),
    ip: createRateLimiter({
      capacity: PREVIEW_LIMIT.perIp,
      refillPerMinute: PREVIEW_LIMIT.perIp / PREVIEW_LIMIT.windowMinutes,
    }),
  };
  return globalForLimits.backdropPreviewLimiters;
}

/** Throws 429 `rate_limited` with a friendly message when this visitor has asked for too many previews. */
export function enforcePreviewRateLimit(params: { ownerId: string; ip: string }): void {
  const { owner, ip } = limiters();
  const byOwner = owner.take(`owner:${params.ownerId}`);
  const byIp = byOwner.ok ? ip.take(`ip:${params.ip}`) : byOwner;
  if (!byIp.ok) {
    const wait = byIp.retryAfterSeconds;
    const when = wait >= 60 ? `${Math.ceil(wait / 60)} min` : `${wait} s`;
    throw new AppError(
      "rate_limited",
      `You've made a lot of previews in a short time — take a breath and try again in ${when}. Paid edits are not limited.`,
      { details: { retryAfterSeconds: wait } },
    );
  }
}

export function resetPreviewRateLimitsForTests(): void {
  globalForLimits.backdropPreviewLimiters = undefined;
}
