"use client";

import Link from "next/link";
import { CompareSlider } from "@/components/compare/compare-slider";
import { buttonStyles } from "@/components/ui/button";
import { ApiError } from "@/lib/api-client";
import { useJobQuery } from "@/lib/queries/jobs";
import type { JobView as Job } from "@/lib/queries/types";
import { cn, formatPrice } from "@/lib/utils";

type Props = {
  jobId: string;
  /** Shown as "Try another look" (the studio keeps the upload). */
  onTryAnother?: () => void;
  /** The original as a local blob URL, so "before" shows at once (falls back to the job's input link). */
  localBefore?: { src: string; width: number; height: number };
  showPermalink?: boolean;
};

const STEPS = [
  { key: "paid", label: "Paid" },
  { key: "queued", label: "Queued" },
  { key: "running", label: "Rendering" },
  { key: "succeeded", label: "Done" },
] as const;

const SERVICE_NAMES: Record<string, string> = {
  "sky-replacement": "Sky replacement",
  "background-change": "Background change",
  "background-removal": "Background removal",
  "prompt-segmentation": "Mask by prompt",
};

function friendlyJobError(error: { code: string; message: string }): string {
  switch (error.code) {
    case "no_sky_detected":
      return "We couldn't find the sky in this photo. Go back, paint the sky with the brush, and try again.";
    case "sky_uncertain":
      return "We couldn't tell the sky's outline in this photo reliably, so we didn't replace it (not charged). Paint the sky with the brush and try again.";
    case "no_subject_detected":
      return "We couldn't find a clear subject in this photo. Try a photo where the subject stands out from the background.";
    case "prompt_not_supported":
      return error.message || "The mask prompt wasn't understood. Try sky, subject, person or background.";
    case "job_timeout":
      return "The edit took too long and was stopped.";
    default:
      return error.message || "The edit failed.";
  }
}

function stepIndex(job: Job): number {
  if (job.status === "succeeded") return 3;
  if (job.status === "running") return 2;
  return 1;
}

function extension(mime: string | undefined): string {
  if (mime === "image/png") return "PNG";
  if (mime === "image/webp") return "WebP";
  return "JPEG";
}

/** A job's live status (polled), then the before/after, download, and what happened to the payment. */
export function JobView({ jobId, onTryAnother, localBefore, showPermalink = true }: Props) {
  const { data: job, error, isPending, refetch } = useJobQuery(jobId);

  if (isPending) {
    return (
      <div
        role="status"
        aria-live="polite"
        className="rounded-2xl border border-slate-200 p-6 text-slate-600 dark:border-slate-800 dark:text-slate-400"
      >
        Loading your edit…
      </div>
    );
  }
  if (error || !job) {
    const notFound = error instanceof ApiError && error.status === 404;
    return (
      <div
        role="alert"
        className="rounded-2xl border border-red-200 bg-red-50 p-6 text-red-900 dark:border-red-900 dark:bg-red-950/50 dark:text-red-100"
      >
        <p className="font-medium">
          {notFound ? "This edit doesn't exist (or the link is wrong)." : "We couldn't load this edit."}
        </p>
        {!notFound && (
          <button
            type="button"
            onClick={() => void refetch()}
            className={buttonStyles({ variant: "secondary", size: "sm", className: "mt-3" })}
          >
            Try again
          </button>
        )}
      </div>
    );
  }

  const serviceName = SERVICE_NAMES[job.serviceId] ?? job.serviceId;
  const failed = job.status === "failed" || job.status === "canceled";
  const current = stepIndex(job);
  const before =
    localBefore ??
    (job.input ? { src: job.input.url, width: job.input.width ?? 0, height: job.input.height ?? 0 } : undefined);
  const result = job.result;
  const paymentReleased =
    job.payment?.status === "released" || job.payment?.status === "refunded" || job.charged === false;
  const price =
    job.payment?.amountMinor !== undefined && job.payment.currency
      ? formatPrice(job.payment.amountMinor, job.payment.currency)
      : null;

  return (
    <section aria-labelledby={`job-${job.id}`} className="space-y-5" data-testid="job-view" data-status={job.status}>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 id={`job-${job.id}`} className="text-xl font-semibold tracking-tight">
          {serviceName}
        </h2>
        {showPermalink && (
          <Link
            href={`/jobs/${job.id}`}
            className="text-sm font-medium text-brand-700 underline-offset-2 hover:underline dark:text-brand-300"
          >
            Link to this edit
          </Link>
        )}
      </div>

      {!failed && (
        <ol className="grid grid-cols-4 gap-2 text-xs sm:text-sm" aria-label="Progress">
          {STEPS.map((step, index) => {
            const done = index < current || job.status === "succeeded";
            const active = index === current && job.status !== "succeeded";
            return (
              <li key={step.key} aria-current={active ? "step" : undefined} className="space-y-1">
                <div
                  className={cn(
                    "h-1.5 rounded-full",
                    done ? "bg-brand-600" : active ? "animate-pulse bg-brand-300" : "bg-slate-200 dark:bg-slate-800",
                  )}
                />
                <span
                  className={cn(
                    done || active
                      ? "font-medium text-slate-900 dark:text-slate-100"
                      : "text-slate-500 dark:text-slate-400",
                  )}
                >
                  {step.label}
                </span>
              </li>
            );
          })}
        </ol>
      )}

      <div role="status" aria-live="polite" data-testid="job-status">
        {job.status === "queued" && (
          <p className="text-slate-700 dark:text-slate-300">
            Paid — waiting for the engine… your edit starts in a moment.
          </p>
        )}
        {job.status === "running" && (
          <p className="text-slate-700 dark:text-slate-300">
            Rendering at full resolution… {Math.round((job.progress ?? 0) * 100)} %
          </p>
        )}
        {job.status === "succeeded" && (
          <p className="font-medium text-emerald-700 dark:text-emerald-400">Done — your edit is ready.</p>
        )}
      </div>

      {failed && (
        <div
          role="alert"
          className="space-y-2 rounded-2xl border border-amber-300 bg-amber-50 p-5 text-amber-950 dark:border-amber-800 dark:bg-amber-950/40 dark:text-amber-100"
        >
          <p className="font-semibold">
            {job.status === "canceled" ? "This edit was canceled." : "This edit didn't work."}
          </p>
          {job.error && <p>{friendlyJobError(job.error)}</p>}
          <p className="font-semibold" data-testid="not-charged">
            You were not charged{price ? ` — the ${price} payment was released` : " — the payment was released"}
            {paymentReleased ? "." : " (releasing…)."}
          </p>
        </div>
      )}

      {job.status === "succeeded" && result && before && (
        <>
          <CompareSlider
            before={{ ...before, alt: "Your original photo", label: "Before" }}
            after={{
              src: result.url,
              width: result.width ?? before.width,
              height: result.height ?? before.height,
              alt: `${serviceName} result`,
              label: "After",
            }}
            transparent={result.mime === "image/png" || result.mime === "image/webp"}
          />
          <div className="flex flex-wrap items-center gap-3">
            <a href={result.downloadUrl} download className={buttonStyles({ size: "lg" })} data-testid="download">
              <svg
                aria-hidden
                viewBox="0 0 24 24"
                className="h-5 w-5"
                fill="none"
                stroke="currentColor"
                strokeWidth="2"
              >
                <path d="M12 4v11m0 0-4-4m4 4 4-4M5 19h14" strokeLinecap="round" strokeLinejoin="round" />
              </svg>
              Download {extension(result.mime)}
              {result.width && result.height ? ` · ${result.width} × ${result.height}` : ""}
            </a>
            {onTryAnother && (
              <button
                type="button"
                onClick={onTryAnother}
                className={buttonStyles({ variant: "secondary", size: "lg" })}
              >
                Try another look
              </button>
            )}
          </div>
        </>
      )}

      {failed && onTryAnother && (
        <button type="button" onClick={onTryAnother} className={buttonStyles({ variant: "secondary" })}>
          Back to the studio
        </button>
      )}
    </section>
  );
}
