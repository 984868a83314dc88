"use client";

import Link from "next/link";
import { buttonStyles } from "@/components/ui/button";
import type { ServiceId } from "@/lib/catalog/services";
import { useStartCreditJobMutation, type CreditBalance } from "@/lib/queries/account";

/** The studio's pay button when signed in with credits: starts the edit at once, no checkout. */
export function CreditPayButton(props: {
  credits: CreditBalance;
  serviceId: ServiceId;
  input: Record<string, unknown> | null;
  disabled: boolean;
  onStarted: (jobId: string) => void;
}) {
  const start = useStartCreditJobMutation();
  const { balance, csrfToken } = props.credits;
  return (
    <div className="space-y-2">
      <button
        type="button"
        disabled={props.disabled || !props.input || start.isPending}
        onClick={() => {
          if (!props.input) return;
          start.mutate(
            { serviceId: props.serviceId, input: props.input, csrfToken },
            { onSuccess: (job) => props.onStarted(job.id) },
          );
        }}
        className={buttonStyles({ size: "lg", className: "w-full" })}
        data-testid="pay-with-credits"
      >
        {start.isPending ? "Starting your edit…" : "Use 1 credit & download"}
      </button>
      <p className="text-xs text-slate-600 dark:text-slate-400" data-testid="studio-balance">
        {balance} credit{balance === 1 ? "" : "s"} left on{" "}
        <Link href="/account" className="underline">
          your account
        </Link>
        .
      </p>
      {start.isError && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {start.error.message}
        </p>
      )}
    </div>
  );
}
