import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { PrintButton } from "@/components/account/print-button";
import { requireAccountPage } from "@/lib/accounts/page-auth";
import { fulfilTopupSession, getPublicTopup, getTopupOrThrow } from "@/lib/billing/topups";
import { isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { formatPrice } from "@/lib/utils";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Receipt", robots: { index: false, follow: false } };

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeStyle: "short", timeZone: "UTC" });

const STATUS = { pending: "Waiting for the payment", paid: "Paid", canceled: "Canceled", expired: "Expired" } as const;

// /account/receipts/{topupId}[?session_id=cs_…] – a printable receipt of one credit purchase; Stripe returns here,
// and the purchase is credited now if the webhook has not done it yet (once either way)
export default async function ReceiptPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ session_id?: string }>;
}) {
  const { id } = await params;
  const signedIn = await requireAccountPage(`/account/receipts/${id}`);
  const { session_id: sessionId } = await searchParams;
  let topup;
  try {
    topup = await getTopupOrThrow(id);
  } catch (error) {
    if (isAppError(error) && error.code === "topup_not_found") notFound();
    throw error;
  }
  if (topup.accountId !== signedIn.account.id) notFound();
  if (topup.status === "pending" && sessionId && sessionId === topup.externalRef) {
    try {
      await fulfilTopupSession(sessionId);
      topup = await getTopupOrThrow(id);
    } catch (error) {
      logger.warn("receipt page could not confirm the checkout", {
        topupId: id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  const receipt = await getPublicTopup(topup);
  const rows: Array<[string, string]> = [
    ["Receipt number", receipt.id],
    ["Date", dateFormat.format(new Date(receipt.paidAt ?? receipt.createdAt)) + " UTC"],
    ["Billed to", topup.payer ?? signedIn.account.email ?? "—"],
    ["Item", `Credit pack “${receipt.packName}”`],
    ["Credits", `${receipt.credits} (one pays for one edit)`],
    ["Unit price", formatPrice(receipt.amountMinor / receipt.credits, receipt.currency) + " per edit"],
    ["Paid with", receipt.sandbox ? "Sandbox (test payment, no money moved)" : "Card (Stripe)"],
    ["Status", STATUS[receipt.status]],
  ];
  if (receipt.refundedCredits > 0)
    rows.push([
      "Refunded",
      `${receipt.refundedCredits} unspent credits, ${formatPrice(receipt.refundedMinor, receipt.currency)}`,
    ]);

  return (
    <div className="mx-auto max-w-2xl px-4 py-8 sm:py-12 print:max-w-none print:p-0">
      <div className="mb-6 flex flex-wrap items-center justify-between gap-3 print:hidden">
        <Link href="/account" className="text-sm font-medium text-brand-700 hover:underline dark:text-brand-300">
          ← Your account
        </Link>
        <PrintButton />
      </div>
      <article
        className="rounded-2xl border border-slate-200 p-6 sm:p-8 dark:border-slate-800 print:border-0 print:p-0"
        data-testid="receipt"
      >
        <header className="flex flex-wrap items-start justify-between gap-4 border-b border-slate-200 pb-5 dark:border-slate-800">
          <div>
            <p className="font-semibold tracking-tight">Backdrop</p>
            <h1 className="mt-1 text-2xl font-semibold tracking-tight">Receipt</h1>
          </div>
          {receipt.sandbox && (
            <span className="rounded-full bg-amber-100 px-2.5 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-900 dark:text-amber-100">
              Sandbox — no real money
            </span>
          )}
        </header>
        {receipt.status === "pending" && (
          <p
            role="status"
            className="mt-5 rounded-xl bg-amber-50 p-3 text-sm text-amber-950 dark:bg-amber-950/40 dark:text-amber-100"
          >
            The card payment has not been confirmed yet; the credits arrive as soon as it is. Reload this page in a
            moment.
          </p>
        )}
        <dl className="mt-5 divide-y divide-slate-100 text-sm dark:divide-slate-800">
          {rows.map(([label, value]) => (
            <div key={label} className="grid grid-cols-[9rem_minmax(0,1fr)] gap-3 py-2">
              <dt className="text-slate-600 dark:text-slate-400">{label}</dt>
              <dd className="break-words font-medium">{value}</dd>
            </div>
          ))}
        </dl>
        <div className="mt-5 flex items-baseline justify-between border-t border-slate-200 pt-4 dark:border-slate-800">
          <span className="font-semibold">Total</span>
          <span className="text-2xl font-semibold tabular-nums" data-testid="receipt-total">
            {receipt.display}
          </span>
        </div>
      </article>
    </div>
  );
}
