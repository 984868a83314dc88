import "server-only";
import Stripe from "stripe";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { generatePaymentToken } from "./tokens";

let client: { key: string; base: string; stripe: Stripe } | undefined;

/** The Stripe SDK, pointed at STRIPE_API_BASE when set (the in-repo fake server in tests). */
export function getStripe(): Stripe {
  const env = getEnv();
  const key = env.STRIPE_SECRET_KEY;
  if (!key) throw new AppError("unavailable", "Card payments are not configured (STRIPE_SECRET_KEY).");
  const base = env.STRIPE_API_BASE ?? "";
  if (client?.key === key && client.base === base) return client.stripe;
  const options: Stripe.StripeConfig = { maxNetworkRetries: 1, telemetry: false, timeout: 20_000 };
  if (base) {
    const url = new URL(base);
    options.host = url.hostname;
    options.port = url.port || (url.protocol === "https:" ? 443 : 80);
    options.protocol = url.protocol === "http:" ? "http" : "https";
  }
  client = { key, base, stripe: new Stripe(key, options) };
  return client.stripe;
}

export async function createCheckoutSession(params: {
  paymentId: string;
  serviceId: string;
  serviceName: string;
  unitAmountMinor: number;
  units: number;
  currency: string;
  origin: string;
  returnPath?: string;
}): Promise<{ id: string; url: string }> {
  const session = await getStripe().checkout.sessions.create(
    {
      mode: "payment",
      line_items: [
        {
          quantity: params.units,
          price_data: {
            currency: params.currency.toLowerCase(),
            unit_amount: params.unitAmountMinor,
            product_data: { name: `Backdrop ${params.serviceName}` },
          },
        },
      ],
      client_reference_id: params.paymentId,
      metadata: { paymentId: params.paymentId, serviceId: params.serviceId },
      success_url: `${params.origin}/checkout/success?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${params.origin}${params.returnPath ?? "/docs/api"}?checkout=canceled`,
    },
    { idempotencyKey: `checkout:${params.paymentId}` },
  );
  if (!session.url) throw new AppError("provider_unavailable", "Stripe did not return a checkout URL.");
  return { id: session.id, url: session.url };
}

/** A Checkout Session for a credit pack; Stripe sends the buyer back to the top-up's receipt. */
export async function createTopupCheckoutSession(params: {
  topupId: string;
  packName: string;
  credits: number;
  amountMinor: number;
  currency: string;
  origin: string;
  email?: string;
}): Promise<{ id: string; url: string }> {
  const session = await getStripe().checkout.sessions.create(
    {
      mode: "payment",
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: params.currency.toLowerCase(),
            unit_amount: params.amountMinor,
            product_data: { name: `Backdrop credits: ${params.packName}` },
          },
        },
      ],
      client_reference_id: params.topupId,
      ...(params.email ? { customer_email: params.email } : {}),
      metadata: { topupId: params.topupId, credits: String(params.credits) },
      success_url: `${params.origin}/account/receipts/${params.topupId}?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${params.origin}/account?checkout=canceled`,
    },
    { idempotencyKey: `checkout:${params.topupId}` },
  );
  if (!session.url) throw new AppError("provider_unavailable", "Stripe did not return a checkout URL.");
  return { id: session.id, url: session.url };
}

/**
 * Marks the payment of a Checkout Session paid, once. Safe to call from the webhook and the
 * success page at the same time, and for duplicate or late deliveries: only `pending → paid`
 * is applied, by one conditional UPDATE. Returns whether this call did it.
 */
export async function fulfillCheckoutSession(
  sessionOrId: string | Stripe.Checkout.Session,
): Promise<{ fulfilled: boolean; paymentId: string | null }> {
  let session =
    typeof sessionOrId === "string" ? await getStripe().checkout.sessions.retrieve(sessionOrId) : sessionOrId;
  // An event may carry a stale copy (events can arrive out of order); Stripe's current view decides.
  if (session.payment_status !== "paid" && typeof sessionOrId !== "string") {
    session = await getStripe().checkout.sessions.retrieve(session.id);
  }
  const db = await getDb();
  const payment = await db.payment.findUnique({ where: { externalRef: session.id } });
  if (!payment) {
    logger.warn("stripe session without payment", { sessionId: session.id });
    return { fulfilled: false, paymentId: null };
  }
  if (session.payment_status !== "paid") return { fulfilled: false, paymentId: payment.id };
  const now = new Date();
  const { count } = await db.payment.updateMany({
    where: { id: payment.id, status: "pending" },
    data: {
      status: "paid",
      paidAt: now,
      tokenExpiresAt: new Date(now.getTime() + getEnv().PAYMENT_TOKEN_TTL_SECONDS * 1000),
      payer: typeof session.customer_details?.email === "string" ? session.customer_details.email : null,
    },
  });
  if (count === 1) logger.info("payment fulfilled", { paymentId: payment.id, sessionId: session.id });
  return { fulfilled: count === 1, paymentId: payment.id };
}

/**
 * Hands out the token of a paid Checkout Session, exactly once: the token is generated here and
 * only its hash stored, so whoever comes second (a reload, a second tab) gets `null`.
 */
export async function revealCheckoutToken(
  sessionId: string,
): Promise<{ paymentId: string | null; token: string | null }> {
  const { paymentId } = await fulfillCheckoutSession(sessionId);
  if (!paymentId) return { paymentId: null, token: null };
  const { token, tokenHash } = generatePaymentToken();
  const db = await getDb();
  const { count } = await db.payment.updateMany({
    where: { id: paymentId, externalRef: sessionId, status: "paid", tokenHash: null },
    data: { tokenHash },
  });
  return { paymentId, token: count === 1 ? token : null };
}

/** Verifies and applies one webhook delivery. Duplicates and out-of-order deliveries are no-ops. */
export async function handleStripeWebhook(params: {
  rawBody: string;
  signature: string | null;
}): Promise<{ type: string; handled: boolean }> {
  const secret = getEnv().STRIPE_WEBHOOK_SECRET;
  if (!secret) throw new AppError("unavailable", "Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET).");
  let event: Stripe.Event;
  try {
    event = getStripe().webhooks.constructEvent(params.rawBody, params.signature ?? "", secret);
  } catch (error) {
    throw new AppError("webhook_signature_invalid", "The Stripe signature does not match this body.", { cause: error });
  }
  // Credit packs carry their top-up id; everything else is a per-edit payment.
  const object = event.data.object as { object?: string; metadata?: Record<string, string> | null };
  if (object.object === "checkout.session" && object.metadata?.topupId) {
    const session = event.data.object as Stripe.Checkout.Session;
    const topups = await import("./topups");
    switch (event.type) {
      case "checkout.session.completed":
      case "checkout.session.async_payment_succeeded":
        return { type: event.type, handled: (await topups.fulfilTopupSession(session)).fulfilled };
      case "checkout.session.expired":
      case "checkout.session.async_payment_failed":
        return {
          type: event.type,
          handled: await topups.closeTopupSession({
            sessionId: session.id,
            status: event.type === "checkout.session.expired" ? "expired" : "canceled",
          }),
        };
      default:
        return { type: event.type, handled: false };
    }
  }
  switch (event.type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded": {
      const result = await fulfillCheckoutSession(event.data.object);
      return { type: event.type, handled: result.fulfilled };
    }
    case "checkout.session.expired":
    case "checkout.session.async_payment_failed": {
      const db = await getDb();
      const { count } = await db.payment.updateMany({
        where: { externalRef: event.data.object.id, status: "pending" },
        data: { status: event.type === "checkout.session.expired" ? "expired" : "canceled" },
      });
      return { type: event.type, handled: count === 1 };
    }
    default:
      return { type: event.type, handled: false };
  }
}

/**
 * Refunds `amountMinor` of the Checkout Session's payment intent (a partial refund for one edit of
 * a multi-edit payment). The caller's idempotency key makes a repeat return the same refund.
 */
export async function refundStripePayment(params: {
  sessionId: string;
  amountMinor: number;
  idempotencyKey: string;
}): Promise<void> {
  const stripe = getStripe();
  const session = await stripe.checkout.sessions.retrieve(params.sessionId);
  const intent = typeof session.payment_intent === "string" ? session.payment_intent : session.payment_intent?.id;
  if (!intent) throw new AppError("payment_not_refundable", "Stripe has no payment for this session.");
  try {
    await stripe.refunds.create(
      { payment_intent: intent, amount: params.amountMinor },
      { idempotencyKey: params.idempotencyKey },
    );
  } catch (error) {
    if (error instanceof Stripe.errors.StripeInvalidRequestError) {
      throw new AppError("payment_not_refundable", `Stripe refused the refund: ${error.message}`, { cause: error });
    }
    throw new AppError("provider_unavailable", "Stripe could not be reached for the refund; try again shortly.", {
      cause: error,
      retryable: true,
    });
  }
}
