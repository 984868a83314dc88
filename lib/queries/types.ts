/**
 * Wire shapes the browser reads: the server's own types, imported by type only (erased at build, so no
 * server module reaches the browser bundle). One declaration per shape, on the side that produces it.
 */
import type { PublicJob } from "@/lib/jobs/public";

export type { CatalogDiscovery } from "@/lib/tools/discovery";
export type { PublicPreset as Preset } from "@/lib/previews/presets";
export type { PreviewResult as Preview } from "@/lib/previews/previews";
export type { PublicJob as JobView } from "@/lib/jobs/public";
export type { PublicPayment as PaymentCreated } from "@/lib/billing/payments";
export type { HistoryItem } from "@/lib/history/history";
export type { BatchItemView, BatchView } from "@/lib/batches/batches";

export type JobStatus = PublicJob["status"];

export function isFinished(status: JobStatus): boolean {
  return status === "succeeded" || status === "failed" || status === "canceled";
}
