import { handleStripeWebhook } from "@/lib/billing/stripe";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// POST /api/webhooks/stripe – verify the signature on the raw body, then fulfil (idempotently)
export const POST = route(async ({ req }) => {
  const rawBody = await req.text();
  const result = await handleStripeWebhook({ rawBody, signature: req.headers.get("stripe-signature") });
  return Response.json({ received: true, ...result });
});
