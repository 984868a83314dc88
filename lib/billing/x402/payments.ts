import "server-only";
import { encodePaymentResponseHeader } from "@x402/core/http";
import type { SettleResponse } from "@x402/core/types";
import type { Payment, Prisma } from "@/generated/prisma/client";
import { appendLedgerEntry } from "@/lib/billing/ledger";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { logger } from "@/lib/logger";
import { getX402Config } from "./config";
import { X402SettleError, getX402Settler } from "./settler";
import { replayedError, type VerifiedX402Payment } from "./verify";

type Tx = Prisma.TransactionClient;

/** Marks a payment whose settlement is under way (Payment.txHash until the real hash is known). */
const SETTLING = "settling";

/**
 * Books a verified x402 payment: a `Payment` (method x402, status reserved, payer, externalRef =
 * the authorisation's identity). The unique externalRef decides races: of any number of concurrent
 * calls with the same authorisation exactly one inserts, the others get `x402_replayed` (409) and —
 * inside the job's transaction — no job. Run it in the transaction that creates the job, before the
 * job row (Job.paymentId points here); the ledger `authorize` entry follows once the job exists
 * (`authorizePaymentForJob` in lib/billing/payments, as for token payments).
 */
export async function reserveX402Payment(
  tx: Tx,
  params: { verified: VerifiedX402Payment; ownerId?: string | null },
): Promise<Payment> {
  const { verified } = params;
  const id = newId("pay");
  const { count } = await tx.payment.createMany({
    data: [
      {
        id,
        serviceId: verified.serviceId,
        amountMinor: verified.amountMinor,
        currency: verified.currency,
        method: "x402",
        status: "reserved",
        units: 1,
        usesLeft: 1,
        externalRef: verified.externalRef,
        payer: verified.payer,
        ownerId: params.ownerId ?? null,
      },
    ],
    // ON CONFLICT DO NOTHING: a concurrent twin waits for our commit, then inserts nothing.
    skipDuplicates: true,
  });
  if (count !== 1) {
    const used = await tx.payment.findUnique({
      where: { externalRef: verified.externalRef },
      select: { id: true, status: true },
    });
    throw replayedError(used ?? { id: "", status: "reserved" });
  }
  return tx.payment.findUniqueOrThrow({ where: { id } });
}

export type X402SettleOutcome =
  | { ok: true; txHash: string; response: SettleResponse; /** `PAYMENT-RESPONSE` header value */ header: string }
  | { ok: false; error: AppError; response: SettleResponse; header: string };

function settleOutcomeHeader(response: SettleResponse): string {
  return encodePaymentResponseHeader(response);
}

/**
 * The job succeeded: move the money (facilitator or RPC), then record it — Payment captured with
 * its txHash, ledger `capture:<jobId>`. Never settles twice: the first caller claims the payment
 * (`txHash = "settling"`); a later call returns the recorded result.
 * When the settlement fails the payment is released (ledger `release`), the result must be
 * withheld, and `ok: false` comes back with the failed SettleResponse.
 */
export async function settleX402Payment(params: {
  verified: VerifiedX402Payment;
  paymentId: string;
  jobId: string;
}): Promise<X402SettleOutcome> {
  const { verified } = params;
  const db = await getDb();
  const failure = (error: AppError, reason: string, transaction = ""): X402SettleOutcome => {
    const response: SettleResponse = {
      success: false,
      errorReason: reason,
      errorMessage: error.message,
      transaction,
      network: verified.network as SettleResponse["network"],
      payer: verified.payer,
    };
    return { ok: false, error, response, header: settleOutcomeHeader(response) };
  };
  const success = (txHash: string): X402SettleOutcome => {
    const response: SettleResponse = {
      success: true,
      transaction: txHash,
      network: verified.network as SettleResponse["network"],
      payer: verified.payer,
      amount: verified.value,
    };
    return { ok: true, txHash, response, header: settleOutcomeHeader(response) };
  };

  // Claim. `captured` without a hash = the generic job path captured before us (it should skip x402).
  const { count } = await db.payment.updateMany({
    where: {
      id: params.paymentId,
      method: "x402",
      externalRef: verified.externalRef,
      status: { in: ["reserved", "captured"] },
      txHash: null,
    },
    data: { txHash: SETTLING },
  });
  if (count === 0) {
    const payment = await db.payment.findUnique({ where: { id: params.paymentId } });
    if (payment?.txHash && payment.txHash !== SETTLING && payment.status === "captured") return success(payment.txHash);
    return failure(
      new AppError("x402_settlement_failed", `This payment cannot be settled (it is ${payment?.status ?? "unknown"}).`),
      "invalid_payment_state",
    );
  }

  const secondsLeft = verified.validBefore - Math.floor(Date.now() / 1000);
  let txHash: string;
  try {
    if (secondsLeft < 6)
      throw new X402SettleError(
        "invalid_exact_evm_payload_authorization_valid_before",
        "The authorization expired before the edit finished.",
      );
    txHash = (await getX402Settler(getX402Config()).settle(verified.payload, verified.requirements)).txHash;
  } catch (error) {
    const settleError =
      error instanceof X402SettleError ? error : new X402SettleError("unexpected_settle_error", String(error));
    logger.warn("x402 settlement failed", {
      paymentId: params.paymentId,
      jobId: params.jobId,
      reason: settleError.reason,
      txHash: settleError.txHash,
    });
    if (settleError.txHash) {
      // Broadcast but unconfirmed: the money may still move. Keep the hash for reconciliation;
      // the payment stays reserved (not captured, not released) until an operator looks.
      await db.payment.update({ where: { id: params.paymentId }, data: { txHash: settleError.txHash } });
    } else {
      await db.$transaction(async (tx) => {
        const wasCaptured = await tx.ledgerEntry.findUnique({ where: { idempotencyKey: `capture:${params.jobId}` } });
        const payment = await tx.payment.update({
          where: { id: params.paymentId },
          data: { txHash: null, status: wasCaptured ? "refunded" : "released", usesLeft: 0 },
        });
        await appendLedgerEntry(tx, {
          paymentId: payment.id,
          jobId: params.jobId,
          kind: wasCaptured ? "refund" : "release",
          amountMinor: payment.amountMinor,
          currency: payment.currency,
          idempotencyKey: `${wasCaptured ? "refund" : "release"}:${params.jobId}`,
          note: `x402 settlement failed: ${settleError.reason}`.slice(0, 200),
        });
      });
    }
    return failure(
      new AppError(
        "x402_settlement_failed",
        `The payment could not be settled (${settleError.reason}); the result is withheld and nothing was charged.`,
        {
          details: { reason: settleError.reason },
        },
      ),
      settleError.reason,
      settleError.txHash ?? "",
    );
  }

  await db.$transaction(async (tx) => {
    const payment = await tx.payment.update({
      where: { id: params.paymentId },
      data: { txHash, status: "captured", usesLeft: 0, paidAt: new Date() },
    });
    await appendLedgerEntry(tx, {
      paymentId: payment.id,
      jobId: params.jobId,
      kind: "capture",
      amountMinor: payment.amountMinor,
      currency: payment.currency,
      idempotencyKey: `capture:${params.jobId}`,
      note: `x402 tx ${txHash}`,
    });
  });
  return success(txHash);
}

/**
 * The job failed, timed out or was canceled: release the reservation (ledger `release`, same key
 * as the generic job path, so doing both is harmless). Nothing is settled; the signed
 * authorisation simply expires at validBefore. The authorisation stays burnt here: its
 * externalRef row remains, so replaying it later is refused (`x402_replayed`) — the client was
 * told it was not charged and must not be charged later by someone re-sending its payload.
 */
export async function releaseX402Payment(params: { paymentId: string; jobId: string; reason: string }): Promise<void> {
  const db = await getDb();
  await db.$transaction(async (tx) => {
    const { count } = await tx.payment.updateMany({
      where: { id: params.paymentId, method: "x402", status: "reserved", txHash: null },
      data: { status: "released" },
    });
    if (count === 0) return;
    const payment = await tx.payment.findUniqueOrThrow({ where: { id: params.paymentId } });
    await appendLedgerEntry(tx, {
      paymentId: payment.id,
      jobId: params.jobId,
      kind: "release",
      amountMinor: payment.amountMinor,
      currency: payment.currency,
      idempotencyKey: `release:${params.jobId}`,
      note: params.reason.slice(0, 200),
    });
  });
}

/** How long a call paid with `verified` may wait for its job: until validBefore minus the settlement margin. */
export function x402JobDeadlineMs(verified: VerifiedX402Payment, now = Date.now()): number {
  const config = getX402Config();
  return Math.max(0, verified.validBefore * 1000 - config.settleMarginSeconds * 1000 - now);
}
