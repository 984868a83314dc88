"use client";

import { useState } from "react";
import { savePendingEdit } from "@/components/checkout/pending-edit";
import { buttonStyles } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { ApiError } from "@/lib/api-client";
import type { ServiceId } from "@/lib/catalog/services";
import { createPayment, useCreateJobMutation } from "@/lib/queries/jobs";
import type { CatalogService } from "@/lib/queries/catalog";
import { formatPrice } from "@/lib/utils";

type Props = {
  open: boolean;
  onClose: () => void;
  service: CatalogService;
  paymentsMode: "sandbox" | "stripe";
  edit: { serviceId: ServiceId; input: Record<string, unknown>; label: string };
  outputSize: { width: number; height: number } | null;
  onStarted: (jobId: string) => void;
};

const inputClass =
  "block w-full rounded-lg border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-sm dark:border-slate-700 dark:bg-slate-800";

/** Pay for one edit: a clearly labelled test checkout in sandbox mode, a redirect to Stripe otherwise. */
export function CheckoutDialog({ open, onClose, service, paymentsMode, edit, outputSize, onStarted }: Props) {
  const [stage, setStage] = useState<"idle" | "paying" | "starting">("idle");
  const [error, setError] = useState<string | null>(null);
  const createJob = useCreateJobMutation();
  const price = formatPrice(service.priceMinor, service.currency);
  const busy = stage !== "idle";

  const pay = async () => {
    setError(null);
    setStage("paying");
    try {
      const payment = await createPayment(edit.serviceId);
      if (payment.checkoutUrl && !payment.token) {
        savePendingEdit({
          paymentId: payment.paymentId,
          serviceId: edit.serviceId,
          input: edit.input,
          label: edit.label,
          savedAt: Date.now(),
        });
        window.location.assign(payment.checkoutUrl);
        return;
      }
      if (!payment.token) throw new ApiError(500, "payment_incomplete", "The payment did not return a token.");
      setStage("starting");
      const job = await createJob.mutateAsync({
        serviceId: edit.serviceId,
        input: edit.input,
        paymentToken: payment.token,
      });
      setStage("idle");
      onStarted(job.id);
    } catch (caught) {
      setStage("idle");
      setError(
        caught instanceof ApiError
          ? caught.message
          : "The payment could not be completed. Nothing was charged; try again.",
      );
    }
  };

  const summary = (
    <dl className="divide-y divide-slate-200 rounded-xl border border-slate-200 text-sm dark:divide-slate-800 dark:border-slate-800">
      <div className="flex justify-between gap-4 px-3 py-2">
        <dt className="text-slate-600 dark:text-slate-400">Edit</dt>
        <dd className="truncate text-right font-medium">
          {service.name} · {edit.label}
        </dd>
      </div>
      {outputSize && (
        <div className="flex justify-between gap-4 px-3 py-2">
          <dt className="text-slate-600 dark:text-slate-400">Output</dt>
          <dd className="font-medium">
            {outputSize.width} × {outputSize.height} px, no watermark
          </dd>
        </div>
      )}
      <div className="flex justify-between gap-4 px-3 py-2">
        <dt className="text-slate-600 dark:text-slate-400">Total</dt>
        <dd className="text-base font-semibold">{price}</dd>
      </div>
    </dl>
  );

  return (
    <Dialog
      open={open}
      onClose={busy ? () => undefined : onClose}
      title={paymentsMode === "sandbox" ? "Test checkout" : "Checkout"}
      description={
        paymentsMode === "sandbox" ? (
          <span>This server runs in sandbox mode: no real money moves and no card is charged.</span>
        ) : (
          <span>You&apos;ll pay on Stripe&apos;s secure page and come straight back to your edit.</span>
        )
      }
    >
      <div className="space-y-4">
        {paymentsMode === "sandbox" && (
          <p
            className="inline-flex items-center gap-2 rounded-full border border-amber-300 bg-amber-50 px-3 py-1 text-xs font-semibold uppercase tracking-wide text-amber-900 dark:border-amber-700 dark:bg-amber-950/60 dark:text-amber-200"
            data-testid="sandbox-badge"
          >
            Sandbox — no real money
          </p>
        )}
        {summary}
        {paymentsMode === "sandbox" && (
          <fieldset className="space-y-2">
            <legend className="text-sm font-medium">Test card</legend>
            <label className="block text-xs text-slate-600 dark:text-slate-400">
              Card number
              <input className={inputClass} value="4242 4242 4242 4242" readOnly aria-readonly />
            </label>
            <div className="grid grid-cols-2 gap-2">
              <label className="block text-xs text-slate-600 dark:text-slate-400">
                Expiry
                <input className={inputClass} value="12 / 34" readOnly aria-readonly />
              </label>
              <label className="block text-xs text-slate-600 dark:text-slate-400">
                CVC
                <input className={inputClass} value="123" readOnly aria-readonly />
              </label>
            </div>
          </fieldset>
        )}
        <p className="text-sm text-slate-600 dark:text-slate-400">
          If the edit fails, the payment is released automatically — you are never charged for a failed edit.
        </p>
        {error && (
          <p
            role="alert"
            className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950/50 dark:text-red-200"
          >
            {error}
          </p>
        )}
        <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
          <button type="button" onClick={onClose} disabled={busy} className={buttonStyles({ variant: "secondary" })}>
            Cancel
          </button>
          <button
            type="button"
            onClick={() => void pay()}
            disabled={busy}
            className={buttonStyles()}
            data-testid="confirm-pay"
          >
            {stage === "paying"
              ? "Paying…"
              : stage === "starting"
                ? "Starting your edit…"
                : paymentsMode === "sandbox"
                  ? `Pay ${price}`
                  : `Continue to payment · ${price}`}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
