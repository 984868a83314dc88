"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";
import { ApiError } from "@/lib/api-client";
import { useCreateJobMutation } from "@/lib/queries/jobs";
import { clearPendingEdit, readPendingEdit } from "./pending-edit";

/**
 * For the Stripe success page (/checkout/success): when this browser left the studio to pay for
 * an edit, starts that edit with the freshly revealed token and opens its job page.
 * Renders nothing when there is no matching pending edit.
 */
export function ResumePaidEdit({ paymentId, token }: { paymentId: string; token: string }) {
  const router = useRouter();
  const createJob = useCreateJobMutation();
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    const pending = readPendingEdit(paymentId);
    if (!pending) return;
    started.current = true;
    createJob.mutate(
      { serviceId: pending.serviceId, input: pending.input, paymentToken: token },
      {
        onSuccess: (job) => {
          clearPendingEdit();
          router.push(`/jobs/${job.id}`);
        },
      },
    );
  }, [paymentId, token, createJob, router]);

  if (createJob.isIdle) return null;
  return (
    <div role="status" aria-live="polite" className="rounded-xl border border-slate-200 p-4 dark:border-slate-800">
      {createJob.isError ? (
        <p className="text-red-700 dark:text-red-300">
          Your payment went through, but the edit could not start: {createJob.error instanceof ApiError ? createJob.error.message : "please try again"}. Your token is still valid.
        </p>
      ) : (
        <p>Payment received — starting your edit…</p>
      )}
    </div>
  );
}
