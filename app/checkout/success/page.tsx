import type { Metadata } from "next";
import Link from "next/link";
import { ResumePaidEdit } from "@/components/checkout/resume-paid-edit";
import { getPaymentOrThrow, toPublicPayment } from "@/lib/billing/payments";
import { revealCheckoutToken } from "@/lib/billing/stripe";
import { isAppError } from "@/lib/errors";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Payment received · Backdrop", robots: { index: false } };

type Outcome =
  | { kind: "token"; token: string; paymentId: string; serviceId: string; display: string; units: number }
  | { kind: "shown"; serviceId: string }
  | { kind: "pending" }
  | { kind: "error"; message: string };

async function settle(sessionId: string | undefined): Promise<Outcome> {
  if (!sessionId || !/^cs_[A-Za-z0-9_]{1,200}$/.test(sessionId))
    return { kind: "error", message: "This page needs the session id Stripe adds to the link." };
  try {
    const { paymentId, token } = await revealCheckoutToken(sessionId);
    if (!paymentId) return { kind: "error", message: "We could not find a payment for this checkout." };
    const payment = toPublicPayment(await getPaymentOrThrow(paymentId));
    if (token)
      return {
        kind: "token",
        token,
        paymentId,
        serviceId: payment.serviceId,
        display: payment.display,
        units: payment.units,
      };
    if (payment.status === "pending") return { kind: "pending" };
    return { kind: "shown", serviceId: payment.serviceId };
  } catch (error) {
    return {
      kind: "error",
      message: isAppError(error) ? error.message : "Something went wrong while confirming the payment.",
    };
  }
}

// /checkout/success?session_id=cs_… – Stripe returns here; confirms the payment and shows its token once
export default async function CheckoutSuccessPage({
  searchParams,
}: {
  searchParams: Promise<{ session_id?: string }>;
}) {
  const { session_id: sessionId } = await searchParams;
  const outcome = await settle(sessionId);
  return (
    <div className="mx-auto max-w-2xl px-4 py-16">
      {outcome.kind === "token" ? (
        <>
          {/* A studio edit that was waiting for this checkout starts now and opens its job page. */}
          <ResumePaidEdit paymentId={outcome.paymentId} token={outcome.token} />
          <h1 className="text-3xl font-bold tracking-tight">Payment received</h1>
          <p className="mt-3 text-slate-700 dark:text-slate-300">
            You paid {outcome.display} for {outcome.units > 1 ? `${outcome.units} edits of ` : ""}
            <strong>{outcome.serviceId}</strong>. Here is your payment token.{" "}
            <strong>Copy it now: it is shown only once.</strong>
          </p>
          <pre
            className="mt-6 overflow-x-auto rounded-xl bg-slate-900 p-4 text-sm text-slate-100"
            data-testid="payment-token"
          >
            <code>{outcome.token}</code>
          </pre>
          {outcome.units > 1 ? (
            <p className="mt-4 text-sm text-slate-600 dark:text-slate-400">
              Send it as <code>paymentToken</code> in the body of <code>POST /api/batches</code> to process up to{" "}
              {outcome.units} photos, or as the <code>X-Payment-Token</code> header of{" "}
              <code>POST /api/tools/{outcome.serviceId}</code> calls, one edit each. Each edit is charged only when it
              succeeds.
            </p>
          ) : (
            <p className="mt-4 text-sm text-slate-600 dark:text-slate-400">
              Send it as the <code>X-Payment-Token</code> header of your{" "}
              <code>POST /api/tools/{outcome.serviceId}</code> call, or as the <code>paymentToken</code> argument of the
              MCP tool. It is charged only when the edit succeeds.
            </p>
          )}
        </>
      ) : outcome.kind === "shown" ? (
        <>
          <h1 className="text-3xl font-bold tracking-tight">This payment is confirmed</h1>
          <p className="mt-3 text-slate-700 dark:text-slate-300">
            Its token was already shown once and cannot be shown again.
          </p>
        </>
      ) : outcome.kind === "pending" ? (
        <>
          <h1 className="text-3xl font-bold tracking-tight">Waiting for the payment</h1>
          <p className="mt-3 text-slate-700 dark:text-slate-300">
            Stripe has not confirmed the payment yet. Reload this page in a moment.
          </p>
        </>
      ) : (
        <>
          <h1 className="text-3xl font-bold tracking-tight">We could not confirm this payment</h1>
          <p className="mt-3 text-slate-700 dark:text-slate-300">{outcome.message}</p>
        </>
      )}
      <p className="mt-10">
        <Link href="/docs/api" className="font-medium text-brand-700 hover:underline dark:text-brand-300">
          ← Back to the API guide
        </Link>
      </p>
    </div>
  );
}
