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
        { method: "POST", body: {} },
      );
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
            disabled={busy !== null}
            onClick={() => void refund()}
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
