"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ApiError } from "@/lib/api-client";
import { buttonStyles } from "@/components/ui/button";
import { useAdminMutation } from "./admin-session";

type Message = { tone: "ok" | "info" | "error"; text: string; link?: { href: string; label: string } };

export function JobActions(props: {
  jobId: string;
  refundable: boolean;
  refunded: boolean;
  hasPayment: boolean;
  units: number;
  assetsLive: number;
}) {
  const router = useRouter();
  const mutate = useAdminMutation();
  const [busy, setBusy] = useState<null | "refund" | "rerun" | "delete">(null);
  const [message, setMessage] = useState<Message | null>(null);
  /** The refund asks first: a reason (kept in the audit log), then "Confirm refund". */
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState("");

  async function run(kind: "refund" | "rerun" | "delete", action: () => Promise<Message>) {
    setBusy(kind);
    setMessage(null);
    try {
      setMessage(await action());
      router.refresh();
    } catch (cause) {
      setMessage({ tone: "error", text: cause instanceof ApiError ? cause.message : "The action failed; try again." });
    } finally {
      setBusy(null);
    }
  }

  const refund = () =>
    run("refund", async () => {
      const result = await mutate<{ alreadyRefunded: boolean; message: string }>(
        `/api/admin/jobs/${props.jobId}/refund`,
        { method: "POST", body: { confirm: true, reason: reason.trim() } },
      );
      setConfirming(false);
      setReason("");
      return { tone: result.alreadyRefunded ? "info" : "ok", text: result.message };
    });
  const rerun = () =>
    run("rerun", async () => {
      const result = await mutate<{ jobId: string }>(`/api/admin/jobs/${props.jobId}/rerun`, { method: "POST" });
      return {
        tone: "ok",
        text: "Queued a free re-run.",
        link: { href: `/admin/jobs/${result.jobId}`, label: "Open the new job" },
      };
    });
  const deleteAssets = () => {
    if (!window.confirm("Delete this job's files (photo, result, mask)? The job and its payment records stay.")) return;
    void run("delete", async () => {
      const result = await mutate<{ deleted: number; alreadyDeleted: number }>(
        `/api/admin/jobs/${props.jobId}/assets`,
        { method: "DELETE" },
      );
      return result.deleted === 0
        ? { tone: "info", text: "The files were already deleted — nothing was done." }
        : { tone: "ok", text: `Deleted ${result.deleted} file${result.deleted === 1 ? "" : "s"}.` };
    });
  };

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap gap-2">
        {props.hasPayment ? (
          <button
            type="button"
            className={buttonStyles({ variant: "danger", size: "sm" })}
            disabled={busy !== null || confirming}
            onClick={() => {
              setMessage(null);
              setConfirming(true);
            }}
          >
            {busy === "refund"
              ? "Refunding…"
              : props.refunded
                ? "Refunded"
                : props.units > 1
                  ? `Refund this edit (1 of ${props.units})`
                  : "Refund"}
          </button>
        ) : null}
        <button
          type="button"
          className={buttonStyles({ variant: "secondary", size: "sm" })}
          disabled={busy !== null}
          onClick={() => void rerun()}
        >
          {busy === "rerun" ? "Queuing…" : "Re-run for free"}
        </button>
        <button
          type="button"
          className={buttonStyles({ variant: "secondary", size: "sm" })}
          disabled={busy !== null || props.assetsLive === 0}
          onClick={deleteAssets}
        >
          {busy === "delete" ? "Deleting…" : props.assetsLive === 0 ? "Files deleted" : "Delete files"}
        </button>
      </div>
      {confirming ? (
        <form
          className="space-y-2 rounded-lg border border-red-200 p-3 dark:border-red-900"
          onSubmit={(event) => {
            event.preventDefault();
            void refund();
          }}
        >
          <label className="block text-sm font-medium" htmlFor="refund-reason">
            Reason for the refund (kept in the audit log)
          </label>
          <input
            id="refund-reason"
            required
            minLength={3}
            maxLength={200}
            value={reason}
            onChange={(event) => setReason(event.target.value)}
            className="w-full rounded-md border border-slate-300 px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900"
            placeholder="e.g. customer complaint: halo around the hair"
          />
          <div className="flex gap-2">
            <button
              type="submit"
              className={buttonStyles({ variant: "danger", size: "sm" })}
              disabled={busy !== null || reason.trim().length < 3}
            >
              {busy === "refund" ? "Refunding…" : "Confirm refund"}
            </button>
            <button
              type="button"
              className={buttonStyles({ variant: "secondary", size: "sm" })}
              disabled={busy !== null}
              onClick={() => setConfirming(false)}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      {props.hasPayment && !props.refundable && !props.refunded ? (
        <p className="text-xs text-slate-500 dark:text-slate-400">
          This job&apos;s payment was not captured, so a refund has nothing to return.
        </p>
      ) : null}
      <div aria-live="polite">
        {message ? (
          <p
            role={message.tone === "error" ? "alert" : "status"}
            data-testid="job-action-message"
            className={
              message.tone === "error"
                ? "rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700 dark:bg-red-950 dark:text-red-300"
                : message.tone === "info"
                  ? "rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-800 dark:bg-amber-950 dark:text-amber-300"
                  : "rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300"
            }
          >
            {message.text}{" "}
            {message.link ? (
              <Link className="font-medium underline" href={message.link.href}>
                {message.link.label}
              </Link>
            ) : null}
          </p>
        ) : null}
      </div>
    </div>
  );
}
