import { getPaymentOrThrow, toPublicPayment } from "@/lib/billing/payments";
import { revealCheckoutToken } from "@/lib/billing/stripe";
import { AppError } from "@/lib/errors";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/payments/{id}[?session_id=cs_…] – read a payment; with its Stripe session id, the token once
export const GET = route<{ id: string }>(async ({ req, params }) => {
  const payment = await getPaymentOrThrow(params.id);
  const sessionId = new URL(req.url).searchParams.get("session_id");
  if (sessionId && payment.method === "stripe") {
    if (sessionId !== payment.externalRef)
      throw new AppError("forbidden", "This session id does not belong to this payment.");
    const { token } = await revealCheckoutToken(sessionId);
    const fresh = await getPaymentOrThrow(params.id);
    return Response.json(
      { ...toPublicPayment(fresh), ...(token ? { token } : { tokenShown: fresh.tokenHash !== null }) },
      { headers: { "Cache-Control": "no-store" } },
    );
  }
  return Response.json(toPublicPayment(payment), { headers: { "Cache-Control": "no-store" } });
});
