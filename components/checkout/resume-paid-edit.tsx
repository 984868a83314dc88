"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";
import { ApiError } from "@/lib/api-client";
import { useCreateBatchMutation } from "@/lib/queries/batches";
import { useCreateJobMutation } from "@/lib/queries/jobs";
import { clearPendingEdit, readPendingEdit } from "./pending-edit";

/**
 * For the Stripe success page (/checkout/success): when this browser left the studio (one edit)
 * or the batch page (N photos, one payment) to pay, starts that work with the freshly revealed
 * token and opens its page. Renders nothing when there is no matching pending checkout.
 */
export function ResumePaidEdit({ paymentId, token }: { paymentId: string; token: string }) {
  const router = useRouter();
  const createJob = useCreateJobMutation();
  const createBatch = useCreateBatchMutation();
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    const pending = readPendingEdit(paymentId);
    if (!pending) return;
    started.current = true;
    const open = (path: string) => {
      clearPendingEdit();
      router.push(path);
    };
    if (pending.kind === "batch") {
      createBatch.mutate(
        { items: pending.items, look: pending.look, paymentToken: token },
        { onSuccess: (batch) => open(`/batch/${batch.id}`) },
      );
      return;
    }
    createJob.mutate(
      { serviceId: pending.serviceId, input: pending.input, paymentToken: token },
      { onSuccess: (job) => open(`/jobs/${job.id}`) },
    );
  }, [paymentId, token, createJob, createBatch, router]);

  const isBatch = !createBatch.isIdle;
  const active = isBatch ? createBatch : createJob;
  if (active.isIdle) return null;
  const what = isBatch ? `batch of ${createBatch.variables?.items.length ?? 0} photos` : "edit";
  return (
    <div role="status" aria-live="polite" className="rounded-xl border border-slate-200 p-4 dark:border-slate-800">
      {active.isError ? (
        <p className="text-red-700 dark:text-red-300">
          Your payment went through, but the {what} could not start:{" "}
          {active.error instanceof ApiError ? active.error.message : "please try again"}. Your token is still valid.
        </p>
      ) : (
        <p>Payment received — starting your {what}…</p>
      )}
    </div>
  );
}
