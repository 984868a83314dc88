"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { buttonStyles } from "@/components/ui/button";
import { ApiError, apiClient } from "@/lib/api-client";
import { batchQueryOptions } from "@/lib/queries/batches";
import { queryKeys } from "@/lib/queries/keys";
import type { BatchItemView, BatchView } from "@/lib/queries/types";
import { cn } from "@/lib/utils";

const STATUS_STYLE: Record<BatchItemView["status"], string> = {
  queued: "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
  running: "bg-brand-50 text-brand-700 dark:bg-brand-900/40 dark:text-brand-200",
  succeeded: "bg-emerald-50 text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300",
  failed: "bg-red-50 text-red-700 dark:bg-red-950 dark:text-red-300",
  canceled: "bg-slate-100 text-slate-600 dark:bg-slate-800 dark:text-slate-400",
};

export function BatchProgress({ batchId }: { batchId: string }) {
  const queryClient = useQueryClient();
  const query = useQuery(batchQueryOptions(batchId));
  const [retrying, setRetrying] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  if (query.isLoading) return <p role="status">Loading the batch…</p>;
  if (query.error || !query.data) {
    return (
      <p role="alert" className="text-red-700">
        {query.error instanceof ApiError ? query.error.message : "Could not load this batch."}
      </p>
    );
  }
  const batch = query.data;
  const finished = batch.counts.succeeded + batch.counts.failed + batch.counts.canceled;
  const failed = batch.counts.failed + batch.counts.canceled;

  async function retry() {
    setRetrying(true);
    setMessage(null);
    try {
      const result = await apiClient.post<{ retried: number; batch: BatchView }>(`/api/batches/${batchId}/retry`, {});
      queryClient.setQueryData(queryKeys.batch(batchId), result.batch);
      setMessage(
        `Retrying ${result.retried} photo${result.retried === 1 ? "" : "s"} — on the edits you already paid for.`,
      );
    } catch (error) {
      setMessage(error instanceof ApiError ? error.message : "Could not retry.");
    } finally {
      setRetrying(false);
    }
  }

  return (
    <div className="space-y-6">
      <div className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <div className="flex flex-wrap items-center justify-between gap-4">
          <div role="status" aria-live="polite" data-testid="batch-summary">
            <p className="text-lg font-semibold">
              {batch.done ? "Done" : "Processing"} · {finished} of {batch.itemCount} finished
            </p>
            <p className="text-sm text-slate-600 dark:text-slate-400">
              {batch.counts.succeeded} succeeded · {failed} failed · charged {batch.charged.display} for{" "}
              {batch.charged.edits} photo{batch.charged.edits === 1 ? "" : "s"}
              {batch.released.edits ? ` · ${batch.released.edits} not charged` : ""}
              {batch.refunded.edits ? ` · ${batch.refunded.edits} refunded` : ""}
              {batch.payment?.method === "sandbox" ? " (sandbox)" : ""}
            </p>
          </div>
          <div className="flex flex-wrap gap-2">
            {failed > 0 && batch.done ? (
              <button
                type="button"
                className={buttonStyles({ variant: "secondary" })}
                disabled={retrying}
                onClick={() => void retry()}
              >
                {retrying ? "Retrying…" : `Retry ${failed} failed`}
              </button>
            ) : null}
            <a
              href={batch.zipUrl}
              className={buttonStyles({
                className: batch.counts.succeeded === 0 ? "pointer-events-none opacity-50" : undefined,
              })}
              aria-disabled={batch.counts.succeeded === 0}
              download
            >
              Download ZIP ({batch.counts.succeeded} of {batch.itemCount})
            </a>
          </div>
        </div>
        <div
          className="mt-4 h-2 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800"
          role="progressbar"
          aria-label="Batch progress"
          aria-valuemin={0}
          aria-valuemax={batch.itemCount}
          aria-valuenow={finished}
        >
          <div
            className="h-full bg-brand-500 transition-[width]"
            style={{ width: `${(finished / Math.max(1, batch.itemCount)) * 100}%` }}
          />
        </div>
        {message ? (
          <p role="status" className="mt-3 text-sm text-slate-700 dark:text-slate-300">
            {message}
          </p>
        ) : null}
      </div>

      <ul
        className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5"
        aria-label="Photos"
        data-testid="batch-items"
      >
        {batch.items.map((item) => (
          <li
            key={item.index}
            className="overflow-hidden rounded-xl border border-slate-200 bg-white text-sm shadow-sm dark:border-slate-800 dark:bg-slate-900"
          >
            <div className="checkerboard relative aspect-square">
              {item.result || item.input ? (
                // eslint-disable-next-line @next/next/no-img-element -- signed, expiring result URLs
                <img
                  src={(item.result ?? item.input)!.url}
                  alt={item.result ? `Result for ${item.name}` : `${item.name} (original)`}
                  className={cn("h-full w-full object-contain", !item.result && "opacity-60")}
                  loading="lazy"
                />
              ) : null}
              {item.status === "running" || item.status === "queued" ? (
                <div className="absolute inset-x-2 bottom-2 h-1.5 overflow-hidden rounded-full bg-white/80">
                  <div
                    className="h-full bg-brand-500 transition-[width]"
                    style={{ width: `${Math.round(item.progress * 100)}%` }}
                  />
                </div>
              ) : null}
            </div>
            <div className="space-y-1 p-2">
              <p className="truncate font-medium" title={item.name}>
                {item.index + 1}. {item.name}
              </p>
              <span
                className={cn("inline-flex rounded-full px-2 py-0.5 text-xs font-medium", STATUS_STYLE[item.status])}
              >
                {item.status}
              </span>
              {item.error ? (
                <p className="text-xs text-red-700 dark:text-red-300" title={item.error.message}>
                  {item.error.message || item.error.code} · not charged
                </p>
              ) : null}
              {item.result ? (
                <a
                  href={item.result.downloadUrl}
                  className="block text-xs text-brand-700 hover:underline dark:text-brand-300"
                >
                  Download
                </a>
              ) : null}
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
