import "server-only";
import type { Asset, Job, Payment } from "@/generated/prisma/client";
import { toPublicAsset } from "@/lib/assets/assets";
import { mayUseAsset, NOBODY, type Caller } from "@/lib/assets/ownership";
import { getDb } from "@/lib/db";
import { absoluteUrl } from "@/lib/net/base-url";
import { getJobOrThrow } from "./queue";

export type PublicJob = {
  id: string;
  serviceId: string;
  status: Job["status"];
  progress: number;
  attempts: number;
  error: { code: string; message: string } | null;
  charged: boolean;
  /** Paid from an account's prepaid credits (one credit) instead of a payment. */
  paidWithCredits: boolean;
  payment: {
    id: string;
    status: Payment["status"];
    method: Payment["method"];
    amountMinor: number;
    currency: string;
    sandbox: boolean;
  } | null;
  input: { assetId: string; url: string; width: number | null; height: number | null } | null;
  result: {
    assetId: string;
    url: string;
    downloadUrl: string;
    width: number | null;
    height: number | null;
    mime: string;
  } | null;
  meta: Record<string, unknown> | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
};

function liveAsset(asset: Asset | null | undefined): Asset | null {
  return asset && !asset.deletedAt ? asset : null;
}

/**
 * The job as its shareable link shows it: status, the payment's fate, signed absolute URLs. The
 * result is for whoever holds the link; the input photo only for its owner (`viewer`): a job id
 * never hands out a fresh link to someone else's original.
 */
export async function getPublicJob(jobId: string, origin: string, viewer: Caller = NOBODY): Promise<PublicJob> {
  const job = await getJobOrThrow(jobId);
  return toPublicJob(job, origin, viewer);
}

export async function toPublicJob(job: Job, origin: string, viewer: Caller = NOBODY): Promise<PublicJob> {
  const db = await getDb();
  const assetIds = [job.inputAssetIds[0], job.resultAssetId].filter((id): id is string => Boolean(id));
  const [assets, payment, entries, creditEntries] = await Promise.all([
    assetIds.length ? db.asset.findMany({ where: { id: { in: assetIds } } }) : Promise.resolve([]),
    job.paymentId ? db.payment.findUnique({ where: { id: job.paymentId } }) : Promise.resolve(null),
    db.ledgerEntry.findMany({
      where: { idempotencyKey: { in: [`capture:${job.id}`, `refund:${job.id}`] } },
      select: { idempotencyKey: true },
    }),
    job.creditAccountId
      ? db.creditEntry.findMany({ where: { jobId: job.id }, select: { kind: true } })
      : Promise.resolve([]),
  ]);
  const booked = new Set(entries.map((entry) => entry.idempotencyKey));
  const capture = booked.has(`capture:${job.id}`);
  const refund = booked.has(`refund:${job.id}`);
  const byId = new Map(assets.map((asset) => [asset.id, asset]));
  const inputAsset = liveAsset(job.inputAssetIds[0] ? byId.get(job.inputAssetIds[0]) : null);
  const input = inputAsset && mayUseAsset(inputAsset, viewer) ? inputAsset : null;
  const result = liveAsset(job.resultAssetId ? byId.get(job.resultAssetId) : null);
  const resultUrl = result ? absoluteUrl(toPublicAsset(result).url, origin) : null;
  return {
    id: job.id,
    serviceId: job.serviceId,
    status: job.status,
    progress: job.status === "succeeded" ? 1 : job.progress,
    attempts: job.attempts,
    error:
      job.status === "failed" || job.status === "canceled"
        ? { code: job.errorCode ?? "internal_error", message: job.errorMessage ?? "" }
        : null,
    // Refunds are per job: one refunded photo of a batch does not make the others free.
    charged: job.creditAccountId
      ? creditEntries.some((entry) => entry.kind === "capture") &&
        !creditEntries.some((entry) => entry.kind === "adjustment")
      : capture && !refund && payment?.status !== "refunded",
    paidWithCredits: Boolean(job.creditAccountId),
    payment: payment
      ? {
          id: payment.id,
          status: payment.status,
          method: payment.method,
          amountMinor: payment.amountMinor,
          currency: payment.currency,
          sandbox: payment.method === "sandbox",
        }
      : null,
    input: input
      ? {
          assetId: input.id,
          url: absoluteUrl(toPublicAsset(input).url, origin),
          width: input.width,
          height: input.height,
        }
      : null,
    result:
      result && resultUrl
        ? {
            assetId: result.id,
            url: resultUrl,
            downloadUrl: `${resultUrl}&download=1`,
            width: result.width,
            height: result.height,
            mime: result.mime,
          }
        : null,
    meta: (job.resultMeta as Record<string, unknown> | null) ?? null,
    queuedAt: job.queuedAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}
