import "server-only";
import { resolveRequestOwner } from "@/lib/accounts/accounts";
import { apiKeyFrom, authenticateApiKey } from "@/lib/accounts/api-keys";
import { getEnv } from "@/lib/env";
import { createRateLimiter, enforceRateLimit } from "@/lib/rate-limit";
import { clientIp } from "@/lib/net/client-address";
import type { Owner } from "@/lib/owner";
import { paymentIdForToken } from "@/lib/billing/caller";

const globalForLimits = globalThis as unknown as {
  backdropUploadLimiters?: {
    uploads: ReturnType<typeof createRateLimiter>;
    visitors: ReturnType<typeof createRateLimiter>;
  };
};

function limiters() {
  const env = getEnv();
  globalForLimits.backdropUploadLimiters ??= {
    uploads: createRateLimiter({
      capacity: env.UPLOAD_RATE_LIMIT_PER_MINUTE,
      refillPerMinute: env.UPLOAD_RATE_LIMIT_PER_MINUTE,
    }),
    visitors: createRateLimiter({
      capacity: env.NEW_VISITORS_PER_HOUR,
      refillPerMinute: env.NEW_VISITORS_PER_HOUR / 60,
    }),
  };
  return globalForLimits.backdropUploadLimiters;
}

/**
 * Who an upload belongs to, after the per-address upload limit (429 `rate_limited`): an API key's
 * account, else the payment of the request's payment token (`X-Payment-Token`: a program without
 * cookies then pays its call with the same token), else the signed-in account or the browser's owner
 * cookie. Only then is a new anonymous visitor started (`admit`, called before the photo is stored), at most NEW_VISITORS_PER_HOUR per address,
 * so uploading without the cookie does not buy a fresh preview allowance each time.
 */
export async function resolveUploadOwner(
  req: Request,
  paymentToken: string | null,
): Promise<Owner & { admit: () => void }> {
  const ip = clientIp(req);
  const { uploads, visitors } = limiters();
  enforceRateLimit(uploads, ip, "uploads");
  const key = apiKeyFrom(req);
  const nothing = () => undefined;
  if (key) return { id: (await authenticateApiKey(key)).accountId, isNew: false, admit: nothing };
  const paymentId = await paymentIdForToken(paymentToken);
  if (paymentId) return { id: paymentId, isNew: false, admit: nothing };
  const owner = await resolveRequestOwner(req);
  // Counted only for uploads that are stored: refused files do not use up the address's visitors.
  const admit = owner.isNew
    ? () => enforceRateLimit(visitors, ip, "new visitors (keep the bd_owner cookie you were given)")
    : nothing;
  return { id: owner.id, isNew: owner.isNew, admit };
}
