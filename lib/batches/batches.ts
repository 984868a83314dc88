import "server-only";
import { ZodError } from "zod";
import type { Asset, Job, Payment, Prisma } from "@/generated/prisma/client";
import { extensionFor, readAssetBytes, toPublicAsset } from "@/lib/assets/assets";
import { assertAssetsUsable } from "@/lib/assets/ownership";
import { callerFrom, paymentIdForToken } from "@/lib/billing/caller";
import { csvRow } from "@/lib/admin/csv";
import { authorizePaymentForJob, reservePaymentToken, reserveRetryOfPayment } from "@/lib/billing/payments";
import { reserveCredits, type CreditPayer } from "@/lib/billing/credits";
import { getServiceOrThrow } from "@/lib/catalog/catalog";
import { getDb } from "@/lib/db";
import { AppError, isAppError } from "@/lib/errors";
import { isWellFormedId, newId } from "@/lib/ids";
import { notifyJobQueued } from "@/lib/jobs/events";
import { absoluteUrl } from "@/lib/net/base-url";
import { backgroundChangeInputSchema } from "@/lib/edits/schemas";
import { formatPrice } from "@/lib/utils";
import { zipStream, type ZipEntry } from "@/lib/zip";
import type { CreateBatchInput } from "./schemas";

const BATCH_SERVICE_ID = "background-change" as const;

export type BatchItemView = {
  index: number;
  name: string;
  status: Job["status"];
  progress: number;
  jobId: string;
  attempts: number;
  charged: boolean;
  error: { code: string; message: string } | null;
  input: { url: string; width: number | null; height: number | null } | null;
  result: { url: string; downloadUrl: string; width: number | null; height: number | null; mime: string } | null;
};

export type BatchView = {
  id: string;
  serviceId: string;
  createdAt: string;
  look: Record<string, unknown>;
  itemCount: number;
  done: boolean;
  counts: { queued: number; running: number; succeeded: number; failed: number; canceled: number };
  charged: { edits: number; amountMinor: number; currency: string; display: string };
  /** Prepaid credits (one per photo), a payment token, or nothing (a free service). */
  paidWith: "credits" | "payment" | "free";
  released: { edits: number; amountMinor: number };
  /** Edits refunded by an admin after they were charged (one per job). */
  refunded: { edits: number; amountMinor: number };
  payment: {
    paymentId: string;
    units: number;
    amountMinor: number;
    currency: string;
    method: Payment["method"];
    status: Payment["status"];
  } | null;
  zipUrl: string;
  statusUrl: string;
  items: BatchItemView[];
};

function paymentRequired(message: string, details?: unknown): AppError {
  return new AppError("payment_required", message, { details });
}

function validateItems(input: CreateBatchInput): Array<Record<string, unknown>> {
  return input.items.map((item, index) => {
    try {
      return backgroundChangeInputSchema.parse({ ...input.look, ...item });
    } catch (error) {
      if (error instanceof ZodError) {
        throw new AppError(
          "validation_failed",
          `Item ${index + 1} is not valid: ${error.issues[0]?.message ?? "invalid"}.`,
          { details: { index, issues: error.issues } },
        );
      }
      throw error;
    }
  });
}

/**
 * Creates a batch: one job per photo with the same look. Paid with one token covering N edits
 * (`paymentToken`, from POST /api/payments with units = N) or one token per item (`paymentTokens`).
 * Every job captures or releases its own edit, so a photo that fails costs nothing.
 */
export async function createBatch(params: {
  input: CreateBatchInput;
  ownerId?: string | null;
  requestId?: string;
  origin: string;
  /** An account's prepaid credits (API key or the signed-in bulk page): one credit per photo, all reserved at once. */
  credits?: CreditPayer | null;
}): Promise<BatchView> {
  const service = await getServiceOrThrow(BATCH_SERVICE_ID);
  const inputs = validateItems(params.input);
  // An asset id is not a key: every photo (and the look's background) must be the caller's own upload.
  const caller = await callerFrom({
    ownerId: params.ownerId,
    paymentToken: params.input.paymentToken ?? null,
    extraOwnerIds: await Promise.all((params.input.paymentTokens ?? []).map((token) => paymentIdForToken(token))),
  });
  for (const [index, input] of inputs.entries()) {
    if (typeof input.imageAssetId === "string") {
      try {
        await assertAssetsUsable({ assetIds: [input.imageAssetId], caller });
      } catch (error) {
        if (isAppError(error))
          throw new AppError(error.code, `Item ${index + 1}: ${error.message}`, { details: { index } });
        throw error;
      }
    }
  }
  if (typeof params.input.look.backgroundAssetId === "string")
    await assertAssetsUsable({ assetIds: [params.input.look.backgroundAssetId], caller });
  const units = inputs.length;
  const free = service.priceMinor === 0;
  const { paymentToken, paymentTokens } = params.input;
  const credits = !free && !paymentToken && !paymentTokens ? (params.credits ?? null) : null;
  if (!free && !paymentToken && !paymentTokens && !credits) {
    throw paymentRequired(
      `${units} × ${service.name} costs ${formatPrice(service.priceMinor * units, service.currency)}. Create one payment for ${units} edits, then send its token as paymentToken.`,
      {
        serviceId: service.id,
        units,
        amountMinor: service.priceMinor * units,
        currency: service.currency,
        createPayment: { method: "POST", url: `${params.origin}/api/payments`, body: { serviceId: service.id, units } },
        credits: { header: "Authorization: Bearer <api key>", credits: units, account: `${params.origin}/account` },
      },
    );
  }
  const db = await getDb();
  const batchId = newId("bat");
  const jobIds = inputs.map(() => newId("job"));
  await db.$transaction(
    async (tx) => {
      if (credits) await reserveCredits(tx, { payer: credits, jobIds });
      const batchPayment =
        !free && paymentToken
          ? await reservePaymentToken(tx, { token: paymentToken, serviceId: service.id, units, spend: true })
          : null;
      await tx.batch.create({
        data: {
          id: batchId,
          serviceId: service.id,
          params: params.input.look,
          itemCount: units,
          paymentId: batchPayment?.id ?? null,
          creditAccountId: credits?.accountId ?? null,
          ownerId: params.ownerId ?? null,
        },
      });
      for (const [index, input] of inputs.entries()) {
        const jobId = jobIds[index]!;
        await tx.job.create({
          data: {
            id: jobId,
            serviceId: service.id,
            params: input as Prisma.InputJsonValue,
            inputAssetIds: typeof input.imageAssetId === "string" ? [input.imageAssetId] : [],
            ownerId: params.ownerId ?? null,
            requestId: params.requestId ?? null,
            batchId,
            batchIndex: index,
            creditAccountId: credits?.accountId ?? null,
            apiKeyId: credits?.apiKeyId ?? null,
          },
        });
        const payment =
          batchPayment ??
          (!free && paymentTokens
            ? await reservePaymentToken(tx, { token: paymentTokens[index] ?? "", serviceId: service.id })
            : null);
        if (payment) {
          await tx.job.update({ where: { id: jobId }, data: { paymentId: payment.id } });
          await authorizePaymentForJob(tx, { payment, jobId });
        }
      }
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
  notifyJobQueued();
  return getBatchView({ batchId, origin: params.origin });
}

/** Queues the failed (or canceled) items again — all of them, or those at `indexes` — on the edits already paid for. */
export async function retryBatchItems(params: {
  batchId: string;
  indexes?: number[];
  origin: string;
  requestId?: string;
}): Promise<{ retried: number; batch: BatchView }> {
  const db = await getDb();
  const batch = await getBatchRowOrThrow(params.batchId);
  const service = await getServiceOrThrow(batch.serviceId, { requireEnabled: true });
  const jobs = await db.job.findMany({ where: { batchId: batch.id }, orderBy: [{ queuedAt: "asc" }, { id: "asc" }] });
  const latest = latestPerIndex(jobs);
  const wanted = params.indexes ? new Set(params.indexes) : null;
  const targets = [...latest.values()].filter(
    (job) => (job.status === "failed" || job.status === "canceled") && (!wanted || wanted.has(job.batchIndex ?? -1)),
  );
  if (targets.length > 0) {
    await db.$transaction(
      async (tx) => {
        for (const target of targets) {
          const jobId = newId("job");
          await tx.job.create({
            data: {
              id: jobId,
              serviceId: target.serviceId,
              params: target.params as Prisma.InputJsonValue,
              inputAssetIds: target.inputAssetIds,
              ownerId: target.ownerId,
              requestId: params.requestId ?? null,
              batchId: batch.id,
              batchIndex: target.batchIndex,
              creditAccountId: target.creditAccountId,
              apiKeyId: target.apiKeyId,
            },
          });
          if (service.priceMinor === 0) continue;
          if (target.creditAccountId) {
            await reserveCredits(tx, {
              payer: { accountId: target.creditAccountId, apiKeyId: target.apiKeyId },
              jobIds: [jobId],
            });
            continue;
          }
          const paymentId = target.paymentId ?? batch.paymentId;
          if (!paymentId) throw paymentRequired("This item has no payment to retry on; create a new batch.");
          await tx.job.update({ where: { id: jobId }, data: { paymentId } });
          await reserveRetryOfPayment(tx, { paymentId, jobId });
        }
      },
      { timeout: 60_000, maxWait: 10_000 },
    );
    notifyJobQueued();
  }
  return { retried: targets.length, batch: await getBatchView({ batchId: batch.id, origin: params.origin }) };
}

async function getBatchRowOrThrow(batchId: string) {
  const db = await getDb();
  const batch = isWellFormedId(batchId, "bat") ? await db.batch.findUnique({ where: { id: batchId } }) : null;
  if (!batch) throw new AppError("not_found", "No batch with this id.");
  return batch;
}

function latestPerIndex(jobs: Job[]): Map<number, Job> {
  const latest = new Map<number, Job>();
  for (const job of jobs) latest.set(job.batchIndex ?? 0, job);
  return latest;
}

function sourceName(job: Job, input: Asset | undefined, index: number): string {
  if (input?.fileName) return input.fileName;
  const url = (job.params as Record<string, unknown>).ImageURL;
  if (typeof url === "string") {
    try {
      const last = new URL(url).pathname.split("/").filter(Boolean).pop();
      if (last) return decodeURIComponent(last).slice(0, 120);
    } catch {
      // fall through
    }
  }
  return `photo-${index + 1}`;
}

function zipName(index: number, source: string, mime: string): string {
  const stem =
    source
      .replace(/\.[A-Za-z0-9]{1,5}$/, "")
      .replace(/[^A-Za-z0-9._-]+/g, "_")
      .replace(/^[._]+/, "")
      .slice(0, 60) || "photo";
  return `${String(index + 1).padStart(3, "0")}-${stem}.${extensionFor(mime)}`;
}

type Loaded = {
  batch: Awaited<ReturnType<typeof getBatchRowOrThrow>>;
  jobs: Job[];
  latest: Map<number, Job>;
  assets: Map<string, Asset>;
  /** Jobs charged and not refunded. */
  captured: Set<string>;
  released: Set<string>;
  refunded: Set<string>;
};

async function loadBatch(batchId: string): Promise<Loaded> {
  const db = await getDb();
  const batch = await getBatchRowOrThrow(batchId);
  const jobs = await db.job.findMany({ where: { batchId: batch.id }, orderBy: [{ queuedAt: "asc" }, { id: "asc" }] });
  const latest = latestPerIndex(jobs);
  const assetIds = [...latest.values()]
    .flatMap((job) => [job.inputAssetIds[0], job.resultAssetId])
    .filter((id): id is string => Boolean(id));
  const jobIds = jobs.map((job) => job.id);
  const [assets, ledger, creditLedger] = await Promise.all([
    assetIds.length ? db.asset.findMany({ where: { id: { in: assetIds } } }) : Promise.resolve([] as Asset[]),
    jobs.length
      ? db.ledgerEntry.findMany({
          where: { jobId: { in: jobIds }, kind: { in: ["capture", "release", "refund"] } },
          select: { jobId: true, kind: true },
        })
      : Promise.resolve([]),
    // Items paid with prepaid credits settle in the credit ledger instead.
    batch.creditAccountId && jobs.length
      ? db.creditEntry.findMany({
          where: { jobId: { in: jobIds }, kind: { in: ["capture", "release"] } },
          select: { jobId: true, kind: true },
        })
      : Promise.resolve([]),
  ]);
  const entries = [...ledger, ...creditLedger];
  const jobsOf = (kind: string) =>
    new Set(entries.filter((entry) => entry.kind === kind && entry.jobId).map((entry) => entry.jobId!));
  const refunded = jobsOf("refund");
  return {
    batch,
    jobs,
    latest,
    assets: new Map(assets.map((asset) => [asset.id, asset])),
    captured: new Set([...jobsOf("capture")].filter((jobId) => !refunded.has(jobId))),
    released: jobsOf("release"),
    refunded,
  };
}

/** Counts, money and every item's latest state, with signed absolute URLs. */
export async function getBatchView(params: { batchId: string; origin: string }): Promise<BatchView> {
  const { batch, jobs, latest, assets, captured, released, refunded } = await loadBatch(params.batchId);
  const db = await getDb();
  const service = await getServiceOrThrow(batch.serviceId, { requireEnabled: false });
  const payment = batch.paymentId ? await db.payment.findUnique({ where: { id: batch.paymentId } }) : null;
  const live = (id: string | null | undefined) => {
    const asset = id ? assets.get(id) : undefined;
    return asset && !asset.deletedAt ? asset : undefined;
  };
  const items: BatchItemView[] = [];
  for (let index = 0; index < batch.itemCount; index++) {
    const job = latest.get(index);
    if (!job) continue;
    const input = live(job.inputAssetIds[0]);
    const result = job.status === "succeeded" ? live(job.resultAssetId) : undefined;
    const resultUrl = result ? absoluteUrl(toPublicAsset(result).url, params.origin) : null;
    items.push({
      index,
      name: sourceName(job, job.inputAssetIds[0] ? assets.get(job.inputAssetIds[0]) : undefined, index),
      status: job.status,
      progress: job.status === "succeeded" ? 1 : job.progress,
      jobId: job.id,
      attempts: jobs.filter((candidate) => candidate.batchIndex === index).length,
      charged: captured.has(job.id),
      error:
        job.status === "failed" || job.status === "canceled"
          ? { code: job.errorCode ?? "internal_error", message: job.errorMessage ?? "" }
          : null,
      input: input
        ? { url: absoluteUrl(toPublicAsset(input).url, params.origin), width: input.width, height: input.height }
        : null,
      result:
        result && resultUrl
          ? {
              url: resultUrl,
              downloadUrl: `${resultUrl}&download=1`,
              width: result.width,
              height: result.height,
              mime: result.mime,
            }
          : null,
    });
  }
  const counts = { queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 };
  for (const item of items) counts[item.status]++;
  const unitPrice = payment ? payment.amountMinor / Math.max(1, payment.units) : service.priceMinor;
  const chargedEdits = jobs.filter((job) => captured.has(job.id)).length;
  const releasedEdits = jobs.filter((job) => released.has(job.id)).length;
  const refundedEdits = jobs.filter((job) => refunded.has(job.id)).length;
  const currency = payment?.currency ?? service.currency;
  return {
    id: batch.id,
    serviceId: batch.serviceId,
    createdAt: batch.createdAt.toISOString(),
    look: batch.params as Record<string, unknown>,
    itemCount: batch.itemCount,
    done: counts.queued === 0 && counts.running === 0,
    counts,
    charged: batch.creditAccountId
      ? {
          edits: chargedEdits,
          amountMinor: 0,
          currency,
          display: `${chargedEdits} credit${chargedEdits === 1 ? "" : "s"}`,
        }
      : {
          edits: chargedEdits,
          amountMinor: Math.round(chargedEdits * unitPrice),
          currency,
          display: formatPrice(Math.round(chargedEdits * unitPrice), currency),
        },
    paidWith: batch.creditAccountId ? "credits" : payment ? "payment" : "free",
    released: { edits: releasedEdits, amountMinor: Math.round(releasedEdits * unitPrice) },
    refunded: { edits: refundedEdits, amountMinor: Math.round(refundedEdits * unitPrice) },
    payment: payment
      ? {
          paymentId: payment.id,
          units: payment.units,
          amountMinor: payment.amountMinor,
          currency: payment.currency,
          method: payment.method,
          status: payment.status,
        }
      : null,
    zipUrl: `${params.origin}/api/batches/${batch.id}/zip`,
    statusUrl: `${params.origin}/api/batches/${batch.id}`,
    items,
  };
}

/**
 * The batch's results as a streamed ZIP: one file per finished item (`007-shoe.png`) and a
 * `manifest.csv` naming every item's status, file and error — also for unfinished or partly failed batches.
 */
export async function createBatchZip(
  batchId: string,
): Promise<{ stream: ReadableStream<Uint8Array>; fileName: string }> {
  const { batch, latest, assets, captured } = await loadBatch(batchId);
  async function* entries(): AsyncGenerator<ZipEntry> {
    const manifest: string[] = [
      csvRow(["item", "source", "status", "file", "error_code", "error_message", "job_id", "charged"]),
    ];
    for (let index = 0; index < batch.itemCount; index++) {
      const job = latest.get(index);
      if (!job) {
        manifest.push(csvRow([index + 1, "", "missing", "", "", "", "", false]));
        continue;
      }
      const source = sourceName(job, job.inputAssetIds[0] ? assets.get(job.inputAssetIds[0]) : undefined, index);
      let file = "";
      let status: string = job.status;
      let errorCode = job.errorCode ?? "";
      let errorMessage = job.status === "failed" || job.status === "canceled" ? (job.errorMessage ?? "") : "";
      const result = job.status === "succeeded" && job.resultAssetId ? assets.get(job.resultAssetId) : undefined;
      if (result) {
        try {
          const data = await readAssetBytes(result);
          file = zipName(index, source, result.mime);
          yield { name: file, data, modified: job.finishedAt ?? undefined };
        } catch (error) {
          status = "result_deleted";
          errorCode = isAppError(error) ? error.code : "asset_gone";
          errorMessage = "The result file has been deleted (retention or an admin).";
        }
      } else if (job.status === "succeeded") {
        status = "result_deleted";
      }
      manifest.push(csvRow([index + 1, source, status, file, errorCode, errorMessage, job.id, captured.has(job.id)]));
    }
    yield { name: "manifest.csv", data: Buffer.from(manifest.join(""), "utf8"), compress: true };
  }
  return { stream: zipStream(entries()), fileName: `backdrop-batch-${batch.id}.zip` };
}
