import "server-only";
import type { Payment, Prisma } from "@/generated/prisma/client";
import { getServiceOrThrow } from "@/lib/catalog/catalog";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { AppError, isAppError } from "@/lib/errors";
import { isWellFormedId, newId } from "@/lib/ids";
import { formatPrice } from "@/lib/utils";
import { appendLedgerEntry } from "./ledger";
import { createCheckoutSession, refundStripePayment } from "./stripe";
import { generatePaymentToken, hashPaymentToken, isWellFormedToken } from "./tokens";

type Tx = Prisma.TransactionClient;

const MAX_UNITS = 100;

/** What clients see of a payment. Never the token hash; the token itself only once (see createPayment). */
export type PublicPayment = {
  paymentId: string;
  serviceId: string;
  amountMinor: number;
  /** Server402 name for amountMinor (USD cents). */
  amountCents: number;
  currency: string;
  display: string;
  status: Payment["status"];
  /** Whether a tool call may use this payment's token now. */
  usable: boolean;
  method: Payment["method"];
  sandbox: boolean;
  billingMode: "per_call";
  units: number;
  usesLeft: number;
  createdAt: string;
  paidAt: string | null;
  expiresAt: string | null;
  checkoutUrl: string | null;
  token?: string;
};

export function toPublicPayment(payment: Payment, now = new Date()): PublicPayment {
  const expired = payment.tokenExpiresAt !== null && payment.tokenExpiresAt <= now;
  return {
    paymentId: payment.id,
    serviceId: payment.serviceId,
    amountMinor: payment.amountMinor,
    amountCents: payment.amountMinor,
    currency: payment.currency,
    display: formatPrice(payment.amountMinor, payment.currency),
    status: payment.status,
    usable: (payment.status === "paid" || payment.status === "released") && payment.usesLeft > 0 && !expired,
    method: payment.method,
    sandbox: payment.method === "sandbox",
    billingMode: "per_call",
    units: payment.units,
    usesLeft: payment.usesLeft,
    createdAt: payment.createdAt.toISOString(),
    paidAt: payment.paidAt?.toISOString() ?? null,
    expiresAt: payment.tokenExpiresAt?.toISOString() ?? null,
    checkoutUrl: payment.checkoutUrl,
  };
}

/**
 * Creates a payment for `units` edits of one service at the catalog price (never a client's).
 * Sandbox: paid at once, the token is in the answer (shown this once). Stripe: pending, with a
 * Checkout URL; the token is released on the success page once Stripe says it is paid.
 */
export async function createPayment(params: {
  serviceId: string;
  units?: number;
  ownerId?: string | null;
  origin: string;
  /** Same-site path Checkout's cancel link returns to (validated by the route). */
  returnPath?: string;
}): Promise<PublicPayment> {
  const service = await getServiceOrThrow(params.serviceId);
  const units = params.units ?? 1;
  if (!Number.isInteger(units) || units < 1 || units > MAX_UNITS) {
    throw new AppError("validation_failed", `units must be a whole number from 1 to ${MAX_UNITS}.`);
  }
  const env = getEnv();
  const db = await getDb();
  const id = newId("pay");
  const amountMinor = service.priceMinor * units;
  const base = {
    id,
    serviceId: service.id,
    amountMinor,
    currency: service.currency,
    units,
    usesLeft: units,
    ownerId: params.ownerId ?? null,
  };

  if (env.PAYMENTS_MODE === "sandbox" || amountMinor === 0) {
    const { token, tokenHash } = generatePaymentToken();
    const now = new Date();
    const payment = await db.payment.create({
      data: {
        ...base,
        method: "sandbox",
        status: "paid",
        paidAt: now,
        tokenHash,
        tokenExpiresAt: new Date(now.getTime() + env.PAYMENT_TOKEN_TTL_SECONDS * 1000),
      },
    });
    return { ...toPublicPayment(payment), token };
  }

  await db.payment.create({ data: { ...base, method: "stripe", status: "pending" } });
  try {
    const session = await createCheckoutSession({
      paymentId: id,
      serviceName: service.name,
      serviceId: service.id,
      unitAmountMinor: service.priceMinor,
      units,
      currency: service.currency,
      origin: params.origin,
      returnPath: params.returnPath,
    });
    const payment = await db.payment.update({
      where: { id },
      data: { externalRef: session.id, checkoutUrl: session.url },
    });
    return toPublicPayment(payment);
  } catch (error) {
    await db.payment.update({ where: { id }, data: { status: "canceled" } });
    if (isAppError(error)) throw error;
    throw new AppError("provider_unavailable", "The card payment provider could not be reached; try again shortly.", {
      cause: error,
      retryable: true,
    });
  }
}

export async function getPaymentOrThrow(id: string): Promise<Payment> {
  const db = await getDb();
  const payment = isWellFormedId(id, "pay") ? await db.payment.findUnique({ where: { id } }) : null;
  if (!payment) throw new AppError("payment_not_found", "No payment with this id.");
  return payment;
}

/**
 * Reserves `units` edits of a paid token, inside the caller's transaction: one for a tool call or a
 * studio edit, N for a batch. One conditional UPDATE decides the race: of many concurrent calls with
 * the same token exactly one matches `status IN (paid, released)`; the others see `reserved` and get
 * `token_in_use`. `spend` (batches) also clears the token's hash, so the token cannot pay single
 * edits while the batch's jobs run on the payment.
 */
export async function reservePaymentToken(
  tx: Tx,
  params: { token: string; serviceId: string; units?: number; spend?: boolean },
): Promise<Payment> {
  const units = params.units ?? 1;
  const tokenHash = isWellFormedToken(params.token) ? hashPaymentToken(params.token) : null;
  const now = new Date();
  const found = tokenHash ? await tx.payment.findUnique({ where: { tokenHash } }) : null;
  if (found) {
    const { count } = await tx.payment.updateMany({
      where: {
        id: found.id,
        tokenHash,
        serviceId: params.serviceId,
        status: { in: ["paid", "released"] },
        usesLeft: { gte: units },
        OR: [{ tokenExpiresAt: null }, { tokenExpiresAt: { gt: now } }],
      },
      data: { status: "reserved", ...(params.spend ? { tokenHash: null } : {}) },
    });
    if (count === 1) return tx.payment.findUniqueOrThrow({ where: { id: found.id } });
  }
  // Read again: a concurrent call may have reserved it since.
  const payment = found ? await tx.payment.findUnique({ where: { id: found.id } }) : null;
  throw tokenRefusal({ payment, serviceId: params.serviceId, units, now });
}

/**
 * Reserves one more edit of a payment already held by a batch, for a retried item (no token: the batch spent it). The payment row is locked;
 * edits in use = captures + jobs still queued or running, so a payment never covers more edits than it paid for.
 */
export async function reserveRetryOfPayment(tx: Tx, params: { paymentId: string; jobId: string }): Promise<void> {
  await tx.$queryRaw`SELECT id FROM "Payment" WHERE id = ${params.paymentId} FOR UPDATE`;
  const payment = await tx.payment.findUniqueOrThrow({ where: { id: params.paymentId } });
  if (
    payment.status === "refunded" ||
    payment.status === "canceled" ||
    payment.status === "expired" ||
    payment.status === "pending"
  ) {
    throw new AppError("token_already_used", `The payment is ${payment.status}; create a new payment to retry.`, {
      details: { paymentId: payment.id },
    });
  }
  const [captures, inFlight] = await Promise.all([
    tx.ledgerEntry.count({ where: { paymentId: payment.id, kind: "capture" } }),
    tx.job.count({
      where: { paymentId: payment.id, id: { not: params.jobId }, status: { in: ["queued", "running"] } },
    }),
  ]);
  if (captures + inFlight >= payment.units) {
    throw new AppError(
      "token_already_used",
      "Every edit this payment covers is used or in progress; create a new payment to retry.",
      { details: { paymentId: payment.id } },
    );
  }
  if (payment.status === "paid" || payment.status === "released")
    await tx.payment.update({ where: { id: payment.id }, data: { status: "reserved" } });
  await authorizePaymentForJob(tx, { payment, jobId: params.jobId });
}

/** Books the reservation of one unit for a job (after the job row exists, same transaction). */
export async function authorizePaymentForJob(tx: Tx, params: { payment: Payment; jobId: string }): Promise<void> {
  await appendLedgerEntry(tx, {
    paymentId: params.payment.id,
    jobId: params.jobId,
    kind: "authorize",
    amountMinor: params.payment.amountMinor / params.payment.units,
    currency: params.payment.currency,
    idempotencyKey: `authorize:${params.jobId}`,
  });
}

function tokenRefusal(params: { payment: Payment | null; serviceId: string; units: number; now: Date }): AppError {
  const { payment, serviceId, units, now } = params;
  if (!payment)
    return new AppError("token_invalid", "This payment token is not known. Create a payment with POST /api/payments.");
  if (payment.serviceId !== serviceId) {
    return new AppError("token_wrong_service", `This token pays for ${payment.serviceId}, not ${serviceId}.`, {
      details: { paymentId: payment.id, tokenServiceId: payment.serviceId },
    });
  }
  if (payment.status === "pending")
    return new AppError("payment_not_paid", "This payment has not been paid yet.", {
      details: { paymentId: payment.id },
    });
  if (payment.status === "reserved") {
    return new AppError("token_in_use", "This token is being used by another request right now.", {
      details: { paymentId: payment.id },
    });
  }
  if (payment.status === "captured" || payment.status === "refunded" || payment.usesLeft <= 0) {
    return new AppError("token_already_used", "This token has already paid for an edit; create a new payment.", {
      details: { paymentId: payment.id },
    });
  }
  if ((payment.tokenExpiresAt && payment.tokenExpiresAt <= now) || payment.status === "expired") {
    return new AppError("token_expired", "This payment token has expired; create a new payment.", {
      details: { paymentId: payment.id },
    });
  }
  if (payment.usesLeft < units) {
    return new AppError(
      "payment_required",
      `This payment covers ${payment.usesLeft} edit${payment.usesLeft === 1 ? "" : "s"}; the batch has ${units} photos.`,
      { details: { paymentId: payment.id, usesLeft: payment.usesLeft, units } },
    );
  }
  return new AppError("token_invalid", "This payment token cannot be used.", {
    details: { paymentId: payment.id, status: payment.status },
  });
}

/** The job succeeded: capture one unit (idempotent per job). Call inside the job's final transaction. */
export async function capturePaymentForJob(tx: Tx, params: { paymentId: string; jobId: string }): Promise<void> {
  const payment = await tx.payment.findUniqueOrThrow({ where: { id: params.paymentId } });
  if (payment.method === "x402") return; // x402: captured by settleX402Payment once the money moved on chain
  const applied = await appendLedgerEntry(tx, {
    paymentId: payment.id,
    jobId: params.jobId,
    kind: "capture",
    amountMinor: payment.amountMinor / payment.units,
    currency: payment.currency,
    idempotencyKey: `capture:${params.jobId}`,
  });
  if (!applied) return;
  // One statement, so concurrent captures on a multi-edit payment cannot lose an update.
  await tx.$executeRaw`UPDATE "Payment"
    SET "usesLeft" = GREATEST("usesLeft" - 1, 0),
        status = (CASE WHEN "usesLeft" - 1 > 0 THEN 'paid' ELSE 'captured' END)::"PaymentStatus",
        "updatedAt" = now()
    WHERE id = ${payment.id}`;
}

/** The job failed or was refused: release the reservation; the token is usable again. */
export async function releasePaymentForJob(
  tx: Tx,
  params: { paymentId: string; jobId: string; reason: string },
): Promise<void> {
  const payment = await tx.payment.findUniqueOrThrow({ where: { id: params.paymentId } });
  const applied = await appendLedgerEntry(tx, {
    paymentId: payment.id,
    jobId: params.jobId,
    kind: "release",
    amountMinor: payment.amountMinor / payment.units,
    currency: payment.currency,
    idempotencyKey: `release:${params.jobId}`,
    note: params.reason.slice(0, 200),
  });
  if (applied && payment.status === "reserved") {
    await tx.payment.update({ where: { id: payment.id }, data: { status: "released" } });
  }
}

export type RefundState = "none" | "partial" | "full";

/** Refunds are per edit, so a multi-edit payment can be partly refunded; `full` once all of it is. */
export function refundStateOf(params: { amountMinor: number; refundedMinor: number }): RefundState {
  if (params.refundedMinor <= 0) return "none";
  return params.refundedMinor >= params.amountMinor ? "full" : "partial";
}

/** Money captured and refunded on a payment, as ledger sums. `full` once the whole amount paid is refunded. */
async function getPaymentRefundTotals(
  tx: Tx,
  payment: Payment,
): Promise<{ capturedMinor: number; refundedMinor: number; state: RefundState }> {
  const sums = await tx.ledgerEntry.groupBy({
    by: ["kind"],
    where: { paymentId: payment.id, kind: { in: ["capture", "refund"] } },
    _sum: { amountMinor: true },
  });
  const sum = (kind: string) => sums.find((row) => row.kind === kind)?._sum.amountMinor ?? 0;
  const refundedMinor = sum("refund");
  return {
    capturedMinor: sum("capture"),
    refundedMinor,
    state: refundStateOf({ amountMinor: payment.amountMinor, refundedMinor }),
  };
}

export type JobRefund = {
  /** False when this job's edit had already been refunded (nothing was done this time). */
  applied: boolean;
  payment: Payment;
  /** What this job's refund returned (its own capture), not the payment's total. */
  amountMinor: number;
  refundedMinor: number;
  capturedMinor: number;
  state: RefundState;
};

/**
 * Refunds the one edit a job was charged for: exactly the amount of its `capture:<jobId>` entry,
 * so refunding one photo of a 100-edit batch returns one edit. Stripe payments get a partial
 * refund of that amount first (idempotency key `refund:<jobId>`, safe to repeat); the ledger entry
 * has the same key, so a second call for the job changes nothing and says so (`applied: false`).
 * The payment becomes `refunded` only when everything it paid for has been refunded.
 */
export async function refundJobCharge(params: { jobId: string; reason?: string }): Promise<JobRefund> {
  const db = await getDb();
  const capture = await db.ledgerEntry.findUnique({ where: { idempotencyKey: `capture:${params.jobId}` } });
  if (!capture)
    throw new AppError(
      "payment_not_refundable",
      "This job was never charged (its payment was released), so there is nothing to refund.",
    );
  const payment = await getPaymentOrThrow(capture.paymentId);
  const already = async () => {
    const current = await getPaymentOrThrow(payment.id);
    const own = await db.ledgerEntry.findUnique({ where: { idempotencyKey: `refund:${params.jobId}` } });
    return {
      applied: false,
      payment: current,
      amountMinor: own?.amountMinor ?? capture.amountMinor,
      ...(await getPaymentRefundTotals(db, current)),
    };
  };
  // Before per-job refunds, a refund returned the whole payment (`refund:<paymentId>`): its jobs are all refunded.
  const prior = await db.ledgerEntry.findFirst({
    where: { kind: "refund", idempotencyKey: { in: [`refund:${params.jobId}`, `refund:${payment.id}`] } },
  });
  if (prior) return already();
  if (payment.method === "stripe") {
    if (!payment.externalRef) throw new AppError("payment_not_refundable", "This card payment has no Stripe session.");
    await refundStripePayment({
      sessionId: payment.externalRef,
      amountMinor: capture.amountMinor,
      idempotencyKey: `refund:${params.jobId}`,
    });
  }
  const outcome = await db.$transaction(async (tx) => {
    // Serialises refunds of one payment, so the full-refund check below sees every earlier refund.
    await tx.$queryRaw`SELECT id FROM "Payment" WHERE id = ${payment.id} FOR UPDATE`;
    const applied = await appendLedgerEntry(tx, {
      paymentId: payment.id,
      jobId: params.jobId,
      kind: "refund",
      amountMinor: capture.amountMinor,
      currency: capture.currency,
      idempotencyKey: `refund:${params.jobId}`,
      note: params.reason?.slice(0, 200),
    });
    const current = await tx.payment.findUniqueOrThrow({ where: { id: payment.id } });
    const totals = await getPaymentRefundTotals(tx, current);
    const updated =
      applied && totals.state === "full"
        ? await tx.payment.update({ where: { id: payment.id }, data: { status: "refunded", usesLeft: 0 } })
        : current;
    return { applied, payment: updated, ...totals };
  });
  if (!outcome.applied) return already();
  return { ...outcome, amountMinor: capture.amountMinor };
}
