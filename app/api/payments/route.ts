import { z } from "zod";
import { createPayment } from "@/lib/billing/payments";
import { getEnv } from "@/lib/env";
import { readJson, route } from "@/lib/http";
import { publicOrigin } from "@/lib/net/base-url";
import { createRateLimiter, enforceRateLimit } from "@/lib/rate-limit";
import { clientIp } from "@/lib/net/client-address";
import { resolveServiceId } from "@/lib/tools/api";
import { existingOwnerId } from "@/lib/tools/request";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const createPaymentSchema = z.object({
  serviceId: z.string().min(1).max(64),
  units: z.number().int().min(1).max(100).optional(),
  providerId: z.string().max(64).optional(),
  /** Where Checkout's "back" link returns (a path on this site, e.g. /studio); the API guide otherwise. */
  returnPath: z
    .string()
    .max(200)
    .regex(/^\/(?!\/)[A-Za-z0-9/_-]*$/, "returnPath must be a path on this site, such as /studio")
    .optional(),
});

const globalForLimiter = globalThis as unknown as { backdropPaymentLimiter?: ReturnType<typeof createRateLimiter> };

function limiter() {
  const perMinute = getEnv().PAYMENT_RATE_LIMIT_PER_MINUTE;
  globalForLimiter.backdropPaymentLimiter ??= createRateLimiter({ capacity: perMinute, refillPerMinute: perMinute });
  return globalForLimiter.backdropPaymentLimiter;
}

// POST /api/payments – create a payment for one service (sandbox: token at once; stripe: checkout URL)
export const POST = route(async ({ req }) => {
  enforceRateLimit(limiter(), clientIp(req), "payments");
  const body = createPaymentSchema.parse(await readJson(req));
  const payment = await createPayment({
    serviceId: resolveServiceId(body.serviceId),
    units: body.units,
    ownerId: existingOwnerId(req),
    origin: publicOrigin(req),
    returnPath: body.returnPath,
  });
  return Response.json(payment, { status: 201, headers: { "Cache-Control": "no-store" } });
});
