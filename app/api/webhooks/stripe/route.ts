import { handleStripeWebhook } from "@/lib/billing/stripe";
import { readBodyLimited, route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Stripe's events are a few KB; a body beyond this is refused (413) before it is read or checked. */
const MAX_WEBHOOK_BYTES = 256 * 1024;

// POST /api/webhooks/stripe – verify the signature on the raw body, then fulfil (idempotently)
export const POST = route(async ({ req }) => {
  const rawBody = (await readBodyLimited(req, MAX_WEBHOOK_BYTES)).toString("utf8");
  const result = await handleStripeWebhook({ rawBody, signature: req.headers.get("stripe-signature") });
  return Response.json({ received: true, ...result });
});
