"use client";

import Link from "next/link";
import { useState } from "react";
import { buttonStyles } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { useDeleteMyPhotosMutation, useHistoryQuery } from "@/lib/queries/history";
import type { HistoryItem } from "@/lib/queries/types";
import { cn } from "@/lib/utils";

const STATUS: Record<HistoryItem["status"], { label: string; className: string }> = {
  queued: { label: "Queued", className: "bg-slate-100 text-slate-800 dark:bg-slate-800 dark:text-slate-200" },
  running: { label: "Rendering", className: "bg-brand-100 text-brand-800 dark:bg-brand-900 dark:text-brand-100" },
  succeeded: { label: "Done", className: "bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-100" },
  failed: {
    label: "Failed · not charged",
    className: "bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100",
  },
  canceled: {
    label: "Canceled · not charged",
    className: "bg-slate-100 text-slate-800 dark:bg-slate-800 dark:text-slate-200",
  },
};

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short" });

function Thumb({ image, label }: { image: HistoryItem["input"]; label: string }) {
  if (!image) {
    return (
      <div className="flex aspect-square w-full items-center justify-center rounded-lg bg-slate-100 text-center text-xs text-slate-600 dark:bg-slate-800 dark:text-slate-400">
        {label}
      </div>
    );
  }
  return (
    // eslint-disable-next-line @next/next/no-img-element -- signed, expiring links to the user's own files
    <img
      src={image.url}
      alt={label}
      width={image.width ?? 160}
      height={image.height ?? 160}
      loading="lazy"
      decoding="async"
      className="checkerboard aspect-square w-full rounded-lg object-cover"
    />
  );
}

export function History() {
  const { data: items, isPending, error, refetch } = useHistoryQuery();
  const deletion = useDeleteMyPhotosMutation();
  const [confirmOpen, setConfirmOpen] = useState(false);

  if (isPending) {
    return (
      <ul className="grid gap-4 sm:grid-cols-2" aria-busy="true" aria-label="Loading your edits">
        {[0, 1].map((index) => (
          <li key={index} className="h-40 animate-pulse rounded-2xl bg-slate-100 dark:bg-slate-900" />
        ))}
      </ul>
    );
  }
  if (error) {
    return (
      <div
        role="alert"
        className="rounded-2xl border border-red-200 bg-red-50 p-5 text-red-900 dark:border-red-900 dark:bg-red-950/50 dark:text-red-100"
      >
        <p>Your edits could not be loaded.</p>
        <button
          type="button"
          onClick={() => void refetch()}
          className={buttonStyles({ variant: "secondary", size: "sm", className: "mt-3" })}
        >
          Try again
        </button>
      </div>
    );
  }
  if (items.length === 0) {
    return (
      <div className="rounded-2xl border border-dashed border-slate-300 p-10 text-center dark:border-slate-700">
        <p className="font-medium">No edits yet.</p>
        <p className="mt-1 text-slate-600 dark:text-slate-400">
          Your paid edits appear here, with a link to download them again.
        </p>
        <Link href="/studio" className={buttonStyles({ className: "mt-5" })}>
          Open the studio
        </Link>
      </div>
    );
  }

  return (
    <div className="space-y-6">
      <ul className="grid gap-4 sm:grid-cols-2" data-testid="history-list">
        {items.map((item) => {
          const status = STATUS[item.status];
          return (
            <li key={item.id} className="rounded-2xl border border-slate-200 p-4 dark:border-slate-800">
              <div className="grid grid-cols-2 gap-2">
                <Thumb image={item.input} label={item.deleted ? "Original deleted" : "Original"} />
                <Thumb
                  image={item.result}
                  label={item.deleted ? "Result deleted" : item.status === "succeeded" ? "Result" : "No result"}
                />
              </div>
              <div className="mt-3 flex flex-wrap items-center justify-between gap-2">
                <div>
                  <h2 className="font-semibold">{item.serviceName}</h2>
                  <p className="text-sm text-slate-600 dark:text-slate-400">
                    {dateFormat.format(new Date(item.createdAt))}
                  </p>
                </div>
                <span className={cn("rounded-full px-2.5 py-0.5 text-xs font-medium", status.className)}>
                  {status.label}
                </span>
              </div>
              <Link
                href={`/jobs/${item.id}`}
                className={buttonStyles({ variant: "secondary", size: "sm", className: "mt-3 w-full" })}
              >
                Open
                <span className="sr-only">
                  {" "}
                  {item.serviceName} from {dateFormat.format(new Date(item.createdAt))}
                </span>
              </Link>
            </li>
          );
        })}
      </ul>

      <section
        aria-labelledby="privacy-heading"
        className="rounded-2xl border border-slate-200 p-5 dark:border-slate-800"
      >
        <h2 id="privacy-heading" className="font-semibold">
          Your photos, your call
        </h2>
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
          Delete every photo, preview and result of this browser from the server right now. The list of edits (and any
          receipts) stays; the images are gone for good.
        </p>
        <button
          type="button"
          onClick={() => setConfirmOpen(true)}
          className={buttonStyles({ variant: "danger", className: "mt-3" })}
        >
          Delete my photos now
        </button>
        <div aria-live="polite" className="mt-2 text-sm">
          {deletion.isSuccess && (
            <p className="text-emerald-700 dark:text-emerald-400">
              Deleted {deletion.data.deletedFiles} file{deletion.data.deletedFiles === 1 ? "" : "s"}.
            </p>
          )}
          {deletion.isError && (
            <p className="text-red-700 dark:text-red-300">The photos could not be deleted. Try again.</p>
          )}
        </div>
      </section>

      <Dialog
        open={confirmOpen}
        onClose={() => setConfirmOpen(false)}
        title="Delete all your photos?"
        description="Originals, previews and results made in this browser are removed from the server. This cannot be undone."
      >
        <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
          <button
            type="button"
            onClick={() => setConfirmOpen(false)}
            className={buttonStyles({ variant: "secondary" })}
          >
            Keep them
          </button>
          <button
            type="button"
            disabled={deletion.isPending}
            onClick={() => deletion.mutate(undefined, { onSettled: () => setConfirmOpen(false) })}
            className={buttonStyles({ variant: "danger" })}
          >
            {deletion.isPending ? "Deleting…" : "Yes, delete them"}
          </button>
        </div>
      </Dialog>
    </div>
  );
}
