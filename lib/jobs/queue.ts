import "server-only";
import type { Job, JobStatus, Payment, Prisma } from "@/generated/prisma/client";
import {
  authorizePaymentForJob,
  capturePaymentForJob,
  releasePaymentForJob,
  reservePaymentToken,
} from "@/lib/billing/payments";
import { reserveX402Payment, type VerifiedX402Payment } from "@/lib/billing/x402";
import { captureCreditsForJob, releaseCreditsForJob, reserveCredits, type CreditPayer } from "@/lib/billing/credits";
import type { ServiceId } from "@/lib/catalog/services";
import { getDb } from "@/lib/db";
import { AppError, isAppError } from "@/lib/errors";
import { isWellFormedId, newId } from "@/lib/ids";
import { notifyJobFinished, notifyJobQueued, waitForEvent } from "./events";

/** Embedded Postgres has one connection: under load a transaction may wait its turn for a while. */
const TX_OPTIONS = { maxWait: 30_000, timeout: 30_000 };

const TERMINAL_STATUSES: readonly JobStatus[] = ["succeeded", "failed", "canceled"];

function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/**
 * Reserves the payment token and queues the job in one transaction: either both happen or
 * neither (a refused token never leaves a job behind, a failed insert never holds a token).
 */
export async function enqueuePaidJob(params: {
  serviceId: ServiceId;
  input: Record<string, unknown>;
  paymentToken: string | null;
  /** Free services (price 0) run without a token. */
  free?: boolean;
  ownerId?: string | null;
  requestId?: string;
  batchId?: string;
  maxAttempts?: number;
  /** A verified x402 payment (claimed here instead of a token). */
  x402?: VerifiedX402Payment | null;
  /** Prepaid credits of an account (an API key, or the signed-in studio), used when no token or x402 is given. */
  credits?: CreditPayer | null;
}): Promise<Job> {
  const db = await getDb();
  const id = newId("job");
  const job = await db.$transaction(async (tx) => {
    let payment: Payment | null = null;
    let credits: CreditPayer | null = null;
    if (params.x402) {
      payment = await reserveX402Payment(tx, { verified: params.x402, ownerId: params.ownerId });
    } else if (params.paymentToken) {
      payment = await reservePaymentToken(tx, { token: params.paymentToken, serviceId: params.serviceId });
    } else if (params.credits && !params.free) {
      credits = params.credits;
      await reserveCredits(tx, { payer: credits, jobIds: [id] });
    } else if (!params.free) {
      throw new AppError("payment_required", "This edit needs a payment token.");
    }
    const imageAssetId = typeof params.input.imageAssetId === "string" ? params.input.imageAssetId : null;
    const created = await tx.job.create({
      data: {
        id,
        serviceId: params.serviceId,
        params: params.input as Prisma.InputJsonValue,
        inputAssetIds: imageAssetId ? [imageAssetId] : [],
        paymentId: payment?.id ?? null,
        ownerId: params.ownerId ?? null,
        requestId: params.requestId ?? null,
        batchId: params.batchId ?? null,
        creditAccountId: credits?.accountId ?? null,
        apiKeyId: credits?.apiKeyId ?? null,
        ...(params.maxAttempts ? { maxAttempts: params.maxAttempts } : {}),
      },
    });
    if (payment) await authorizePaymentForJob(tx, { payment, jobId: id });
    return created;
  }, TX_OPTIONS);
  notifyJobQueued();
  return job;
}

/**
 * Claims the next runnable job for `workerId` with a lease: a queued job whose time has come, or
 * a running one whose worker stopped heart-beating (lease expired) and has attempts left.
 * `FOR UPDATE SKIP LOCKED` lets any number of workers claim concurrently without blocking.
 */
export async function claimNextJob(params: { workerId: string; leaseSeconds: number }): Promise<Job | null> {
  const db = await getDb();
  const rows = await db.$queryRaw<Array<{ id: string }>>`
    UPDATE "Job"
       SET status = 'running',
           attempts = attempts + 1,
           "leaseExpiresAt" = now() + (${params.leaseSeconds}::float8 * interval '1 second'),
           "lockedBy" = ${params.workerId},
           "startedAt" = COALESCE("startedAt", now())
     WHERE id = (
       SELECT id FROM "Job"
        WHERE (status = 'queued' AND "runAt" <= now())
           OR (status = 'running' AND "leaseExpiresAt" < now() AND attempts < "maxAttempts")
        ORDER BY "runAt"
        FOR UPDATE SKIP LOCKED
        LIMIT 1)
    RETURNING id`;
  const id = rows[0]?.id;
  return id ? db.job.findUnique({ where: { id } }) : null;
}

/**
 * Jobs whose lease expired after their last attempt are dead: fail them (payment released).
 * Returns how many were failed.
 */
export async function failDeadJobs(params: { workerId: string; leaseSeconds: number }): Promise<number> {
  const db = await getDb();
  const rows = await db.$queryRaw<Array<{ id: string }>>`
    UPDATE "Job"
       SET "lockedBy" = ${params.workerId},
           "leaseExpiresAt" = now() + (${params.leaseSeconds}::float8 * interval '1 second')
     WHERE id IN (
       SELECT id FROM "Job"
        WHERE status = 'running' AND "leaseExpiresAt" < now() AND attempts >= "maxAttempts"
        FOR UPDATE SKIP LOCKED
        LIMIT 20)
    RETURNING id`;
  for (const row of rows) {
    await finishJobFailure({
      jobId: row.id,
      workerId: params.workerId,
      error: new AppError("job_timeout", "The edit stopped responding too many times and was given up."),
      retryBaseMs: 0,
    });
  }
  return rows.length;
}

/** Extends the lease and records progress. `lost` = another worker owns the job now. */
export async function heartbeatJob(params: {
  jobId: string;
  workerId: string;
  leaseSeconds: number;
  progress?: number;
}): Promise<{ lost: boolean; cancelRequested: boolean }> {
  const db = await getDb();
  const progress = params.progress === undefined ? null : Math.max(0, Math.min(0.99, params.progress));
  const rows = await db.$queryRaw<Array<{ cancelRequested: boolean }>>`
    UPDATE "Job"
       SET "leaseExpiresAt" = now() + (${params.leaseSeconds}::float8 * interval '1 second'),
           progress = COALESCE(${progress}::float8, progress)
     WHERE id = ${params.jobId} AND "lockedBy" = ${params.workerId} AND status = 'running'
    RETURNING "cancelRequested"`;
  const row = rows[0];
  return row ? { lost: false, cancelRequested: row.cancelRequested } : { lost: true, cancelRequested: false };
}

export type JobSuccess = {
  resultAssetId: string;
  maskAssetId?: string | null;
  inputAssetIds?: string[];
  provider: string;
  providerRequestId?: string | null;
  providerCostMinor?: number;
  meta?: Record<string, unknown>;
};

/**
 * Marks the job succeeded and captures its payment in one transaction, fenced by the lease
 * owner: a worker that lost its job (and whoever took it over) cannot both finish it.
 * Returns false when this worker no longer owns the job.
 */
export async function finishJobSuccess(params: {
  jobId: string;
  workerId: string;
  success: JobSuccess;
}): Promise<boolean> {
  const db = await getDb();
  const done = await db.$transaction(async (tx) => {
    const { count } = await tx.job.updateMany({
      where: { id: params.jobId, lockedBy: params.workerId, status: "running" },
      data: {
        status: "succeeded",
        progress: 1,
        resultAssetId: params.success.resultAssetId,
        maskAssetId: params.success.maskAssetId ?? null,
        ...(params.success.inputAssetIds ? { inputAssetIds: params.success.inputAssetIds } : {}),
        provider: params.success.provider,
        providerRequestId: params.success.providerRequestId ?? null,
        providerCostMinor: params.success.providerCostMinor ?? 0,
        resultMeta: (params.success.meta ?? {}) as Prisma.InputJsonValue,
        errorCode: null,
        errorMessage: null,
        finishedAt: new Date(),
        leaseExpiresAt: null,
      },
    });
    if (count === 0) return false;
    const job = await tx.job.findUniqueOrThrow({
      where: { id: params.jobId },
      select: { paymentId: true, creditAccountId: true },
    });
    if (job.paymentId) await capturePaymentForJob(tx, { paymentId: job.paymentId, jobId: params.jobId });
    if (job.creditAccountId) await captureCreditsForJob(tx, { jobId: params.jobId });
    return true;
  }, TX_OPTIONS);
  if (done) notifyJobFinished(params.jobId);
  return done;
}

/**
 * Records a failed attempt. Retryable errors with attempts left go back to the queue with
 * exponential backoff (the payment stays reserved); anything else fails or cancels the job and
 * releases its payment in the same transaction.
 */
export async function finishJobFailure(params: {
  jobId: string;
  workerId: string;
  error: unknown;
  canceled?: boolean;
  retryBaseMs: number;
}): Promise<"retry" | "failed" | "canceled" | "lost"> {
  const appError = toAppError(params.error);
  const db = await getDb();
  const outcome = await db.$transaction(async (tx) => {
    const job = await tx.job.findUnique({ where: { id: params.jobId } });
    if (!job || job.lockedBy !== params.workerId || job.status !== "running") return "lost" as const;
    const canRetry = !params.canceled && appError.retryable && job.attempts < job.maxAttempts;
    if (canRetry) {
      const delay = params.retryBaseMs * 2 ** Math.max(0, job.attempts - 1);
      await tx.job.update({
        where: { id: job.id },
        data: {
          status: "queued",
          runAt: new Date(Date.now() + Math.min(delay, 5 * 60_000)),
          lockedBy: null,
          leaseExpiresAt: null,
          errorCode: appError.code,
          errorMessage: appError.message,
        },
      });
      return "retry" as const;
    }
    const status = params.canceled ? ("canceled" as const) : ("failed" as const);
    await tx.job.update({
      where: { id: job.id },
      data: {
        status,
        errorCode: appError.code,
        errorMessage: appError.message,
        finishedAt: new Date(),
        leaseExpiresAt: null,
      },
    });
    if (job.paymentId)
      await releasePaymentForJob(tx, { paymentId: job.paymentId, jobId: job.id, reason: appError.code });
    if (job.creditAccountId) await releaseCreditsForJob(tx, { jobId: job.id, reason: appError.code });
    return status;
  }, TX_OPTIONS);
  if (outcome === "retry") notifyJobQueued();
  else if (outcome !== "lost") notifyJobFinished(params.jobId);
  return outcome;
}

/**
 * Cancels a job: a queued one at once (payment released), a running one at its worker's next
 * heartbeat. Finished jobs are left as they are.
 */
export async function cancelJob(jobId: string): Promise<Job> {
  const db = await getDb();
  const job = await getJobOrThrow(jobId);
  if (job.status === "queued") {
    const canceled = await db.$transaction(async (tx) => {
      const { count } = await tx.job.updateMany({
        where: { id: jobId, status: "queued" },
        data: {
          status: "canceled",
          errorCode: "job_canceled",
          errorMessage: "The job was canceled.",
          finishedAt: new Date(),
        },
      });
      if (count === 1 && job.paymentId)
        await releasePaymentForJob(tx, { paymentId: job.paymentId, jobId, reason: "job_canceled" });
      if (count === 1 && job.creditAccountId) await releaseCreditsForJob(tx, { jobId, reason: "job_canceled" });
      return count === 1;
    }, TX_OPTIONS);
    if (canceled) notifyJobFinished(jobId);
  } else if (job.status === "running") {
    await db.job.update({ where: { id: jobId }, data: { cancelRequested: true } });
  }
  return getJobOrThrow(jobId);
}

export async function getJobOrThrow(id: string): Promise<Job> {
  const db = await getDb();
  const job = isWellFormedId(id, "job") ? await db.job.findUnique({ where: { id } }) : null;
  if (!job) throw new AppError("job_not_found", "No job with this id.");
  return job;
}

/** Waits until the job is finished or `timeoutMs` passed; returns its latest state. */
export async function waitForJob(jobId: string, timeoutMs: number): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJobOrThrow(jobId);
    const left = deadline - Date.now();
    if (isTerminal(job.status) || left <= 0) return job;
    // In-process workers signal at once; external workers are seen by polling.
    await waitForEvent(`finished:${jobId}`, Math.min(left, 250));
  }
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isAppError(error)) {
    const foreign = error as AppError & { retryable?: boolean; details?: unknown };
    return new AppError(foreign.code, foreign.message, {
      details: foreign.details,
      retryable: foreign.retryable === true,
      cause: error,
    });
  }
  if (error instanceof Error && error.name === "AbortError") {
    return new AppError("job_canceled", "The job was canceled.");
  }
  return new AppError("engine_failed", "The edit failed unexpectedly.", { cause: error, retryable: false });
}
