import type { ServiceId } from "@/lib/catalog/services";

/** Wire shapes the browser reads (kept here so components never import server modules). */
export type CatalogService = {
  id: ServiceId;
  name: string;
  description?: string;
  priceMinor: number;
  currency: string;
  enabled: boolean;
};

export type Preset = {
  id: string;
  name: string;
  group: string;
  tags: string[];
  kind: "sky" | "background";
  /** Author and licence of a photographic sky, shown beside it. */
  credit?: string;
  thumbnailUrl: string;
  thumbnailWidth: number;
  thumbnailHeight: number;
};

export type Preview = {
  id: string;
  url: string;
  width: number;
  height: number;
  mime: string;
  serviceId: ServiceId;
  meta: Record<string, unknown>;
  expiresAt: string;
};

export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "canceled";

export type JobView = {
  id: string;
  serviceId: ServiceId;
  status: JobStatus;
  progress: number;
  error: { code: string; message: string } | null;
  charged?: boolean;
  payment?: { id?: string; status: string; amountMinor?: number; currency?: string; method?: string } | null;
  input?: { assetId?: string; url: string; width: number | null; height: number | null } | null;
  result?: {
    assetId?: string;
    url: string;
    downloadUrl: string;
    width: number | null;
    height: number | null;
    mime: string;
  } | null;
  meta?: Record<string, unknown> | null;
  params?: Record<string, unknown>;
  createdAt?: string;
  finishedAt?: string | null;
};

export type PaymentCreated = {
  paymentId: string;
  amountMinor: number;
  currency: string;
  status: string;
  method: string;
  sandbox?: boolean;
  token?: string;
  checkoutUrl?: string | null;
};

export type HistoryItem = {
  id: string;
  serviceId: string;
  serviceName: string;
  status: JobStatus;
  createdAt: string;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
  input: { url: string; width: number | null; height: number | null } | null;
  result: { url: string; width: number | null; height: number | null } | null;
  deleted: boolean;
};

export function isFinished(status: JobStatus): boolean {
  return status === "succeeded" || status === "failed" || status === "canceled";
}

export type BatchItemView = {
  index: number;
  name: string;
  status: JobStatus;
  progress: number;
  jobId: string;
  attempts: number;
  charged: boolean;
  error: { code: string; message: string } | null;
  input: { url: string } | null;
  result: { url: string; downloadUrl: string; width: number | null; height: number | null } | null;
};

export type BatchView = {
  id: string;
  itemCount: number;
  done: boolean;
  counts: Record<JobStatus, number>;
  charged: { edits: number; display: string };
  released: { edits: number };
  refunded: { edits: number };
  payment: { method: string } | null;
  zipUrl: string;
  items: BatchItemView[];
};
