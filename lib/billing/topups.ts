import "server-only";
import type Stripe from "stripe";
import type { CreditEntry, CreditTopup, Prisma } from "@/generated/prisma/client";
import { getPackOrThrow } from "@/lib/catalog/packs";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { AppError, isAppError } from "@/lib/errors";
import { isWellFormedId, newId } from "@/lib/ids";
import { logger } from "@/lib/logger";
import { formatPrice } from "@/lib/utils";
import { appendCreditEntry, creditBalance, lockCreditAccount } from "./credits";
import { createTopupCheckoutSession, getStripe, refundStripePayment } from "./stripe";

type Tx = Prisma.TransactionClient;

export type PublicTopup = {
  id: string;
  packId: string;
  packName: string;
  credits: number;
  amountMinor: number;
  currency: string;
  display: string;
  method: CreditTopup["method"];
  sandbox: boolean;
  status: CreditTopup["status"];
  createdAt: string;
  paidAt: string | null;
  checkoutUrl: string | null;
  receiptUrl: string;
  /** Credits and money returned by refunds so far. */
  refundedCredits: number;
  refundedMinor: number;
};

function toPublicTopup(topup: CreditTopup, refunds: CreditEntry[] = []): PublicTopup {
  const own = refunds.filter((entry) => entry.topupId === topup.id);
  return {
    id: topup.id,
    packId: topup.packId,
    packName: topup.packName,
    credits: topup.credits,
    amountMinor: topup.amountMinor,
    currency: topup.currency,
    display: formatPrice(topup.amountMinor, topup.currency),
    method: topup.method,
    sandbox: topup.method === "sandbox",
    status: topup.status,
    createdAt: topup.createdAt.toISOString(),
    paidAt: topup.paidAt?.toISOString() ?? null,
    checkoutUrl: topup.status === "pending" ? topup.checkoutUrl : null,
    receiptUrl: `/account/receipts/${topup.id}`,
    ...refundTotals(own),
  };
}

/** Refunds and their compensations (a refund Stripe refused is booked back as an adjustment with negative money). */
function refundTotals(entries: CreditEntry[]): { refundedCredits: number; refundedMinor: number } {
  let refundedCredits = 0;
  let refundedMinor = 0;
  for (const entry of entries) {
    if (entry.kind === "refund") refundedCredits += entry.credits;
    if (entry.kind === "adjustment" && entry.topupId) refundedCredits -= entry.delta;
    if (entry.kind === "refund" || (entry.kind === "adjustment" && entry.topupId))
      refundedMinor += entry.amountMinor ?? 0;
  }
  return { refundedCredits, refundedMinor };
}

/** Books a paid top-up's credits, once (the ledger key is `topup:<id>`). */
async function creditTopup(tx: Tx, topup: CreditTopup): Promise<boolean> {
  return appendCreditEntry(tx, {
    accountId: topup.accountId,
    kind: "topup",
    credits: topup.credits,
    topupId: topup.id,
    amountMinor: topup.amountMinor,
    idempotencyKey: `topup:${topup.id}`,
    note: topup.packName,
  });
}

/**
 * Buys a credit pack at the catalog's price. Sandbox: paid and credited at once (labelled, no
 * money moves). Stripe: a pending top-up with a Checkout URL; the credits arrive when Stripe says
 * it is paid (webhook or the receipt page, whichever comes first — once).
 */
export async function createTopup(params: {
  accountId: string;
  packId: string;
  origin: string;
  email?: string | null;
}): Promise<PublicTopup> {
  const pack = await getPackOrThrow(params.packId);
  const env = getEnv();
  const db = await getDb();
  const id = newId("top");
  const base = {
    id,
    accountId: params.accountId,
    packId: pack.id,
    packName: pack.name,
    credits: pack.credits,
    amountMinor: pack.priceMinor,
    currency: pack.currency,
  };
  if (env.PAYMENTS_MODE === "sandbox" || pack.priceMinor === 0) {
    const topup = await db.$transaction(async (tx) => {
      await lockCreditAccount(tx, params.accountId);
      const created = await tx.creditTopup.create({
        data: { ...base, method: "sandbox", status: "paid", paidAt: new Date(), payer: params.email ?? null },
      });
      await creditTopup(tx, created);
      return created;
    });
    logger.info("sandbox credits topped up", { topupId: id, accountId: params.accountId, credits: pack.credits });
    return toPublicTopup(topup);
  }
  await db.creditTopup.create({ data: { ...base, method: "stripe", status: "pending" } });
  try {
    const session = await createTopupCheckoutSession({
      topupId: id,
      packName: pack.name,
      credits: pack.credits,
      amountMinor: pack.priceMinor,
      currency: pack.currency,
      origin: params.origin,
      email: params.email ?? undefined,
    });
    const topup = await db.creditTopup.update({
      where: { id },
      data: { externalRef: session.id, checkoutUrl: session.url },
    });
    return toPublicTopup(topup);
  } catch (error) {
    await db.creditTopup.update({ where: { id }, data: { status: "canceled" } });
    if (isAppError(error)) throw error;
    throw new AppError("provider_unavailable", "The card payment provider could not be reached; try again shortly.", {
      cause: error,
      retryable: true,
    });
  }
}

/**
 * Fulfils the top-up of a paid Checkout Session: `pending → paid` and the `topup` ledger entry in
 * one transaction, by a conditional UPDATE, so duplicate or concurrent webhooks and the receipt
 * page credit it exactly once. Returns whether this call did it.
 */
export async function fulfilTopupSession(
  sessionOrId: string | Stripe.Checkout.Session,
): Promise<{ fulfilled: boolean; topupId: string | null }> {
  let session =
    typeof sessionOrId === "string" ? await getStripe().checkout.sessions.retrieve(sessionOrId) : sessionOrId;
  if (session.payment_status !== "paid" && typeof sessionOrId !== "string") {
    session = await getStripe().checkout.sessions.retrieve(session.id);
  }
  const db = await getDb();
  const topup = await db.creditTopup.findUnique({ where: { externalRef: session.id } });
  if (!topup) return { fulfilled: false, topupId: null };
  if (session.payment_status !== "paid") return { fulfilled: false, topupId: topup.id };
  const fulfilled = await db.$transaction(async (tx) => {
    const { count } = await tx.creditTopup.updateMany({
      where: { id: topup.id, status: "pending" },
      data: {
        status: "paid",
        paidAt: new Date(),
        payer: typeof session.customer_details?.email === "string" ? session.customer_details.email : null,
      },
    });
    if (count === 0) return false;
    await creditTopup(tx, topup);
    return true;
  });
  if (fulfilled) logger.info("credits topped up", { topupId: topup.id, accountId: topup.accountId });
  return { fulfilled, topupId: topup.id };
}

/** A Checkout Session that expired or failed: its pending top-up is closed (no credits). */
export async function closeTopupSession(params: {
  sessionId: string;
  status: "expired" | "canceled";
}): Promise<boolean> {
  const db = await getDb();
  const { count } = await db.creditTopup.updateMany({
    where: { externalRef: params.sessionId, status: "pending" },
    data: { status: params.status },
  });
  return count === 1;
}

export async function getTopupOrThrow(id: string): Promise<CreditTopup> {
  const db = await getDb();
  const topup = isWellFormedId(id, "top") ? await db.creditTopup.findUnique({ where: { id } }) : null;
  if (!topup) throw new AppError("topup_not_found", "No top-up with this id.");
  return topup;
}

export async function listTopups(params: { accountId: string; limit?: number }): Promise<PublicTopup[]> {
  const db = await getDb();
  const topups = await db.creditTopup.findMany({
    where: { accountId: params.accountId, status: { not: "canceled" } },
    orderBy: { createdAt: "desc" },
    take: params.limit ?? 100,
  });
  const refunds = topups.length
    ? await db.creditEntry.findMany({
        where: { topupId: { in: topups.map((topup) => topup.id) }, kind: { in: ["refund", "adjustment"] } },
      })
    : [];
  return topups.map((topup) => toPublicTopup(topup, refunds));
}

export async function getPublicTopup(topup: CreditTopup): Promise<PublicTopup> {
  const db = await getDb();
  const refunds = await db.creditEntry.findMany({
    where: { topupId: topup.id, kind: { in: ["refund", "adjustment"] } },
  });
  return toPublicTopup(topup, refunds);
}

/**
 * How many of each paid top-up's credits are still unspent. Credits are spent oldest first, so
 * the unspent part of the balance belongs to the newest top-ups (and to credits an admin granted,
 * which are never refunded as money). Call with the account locked for a figure that holds.
 */
export async function unspentByTopup(tx: Tx, accountId: string): Promise<Map<string, number>> {
  const [balance, topups, entries] = await Promise.all([
    creditBalance(tx, accountId),
    tx.creditTopup.findMany({ where: { accountId, status: "paid" } }),
    tx.creditEntry.findMany({
      where: { accountId, OR: [{ kind: { in: ["topup", "refund"] } }, { kind: "adjustment" }] },
    }),
  ]);
  type Pool = { topupId: string | null; at: Date; remaining: number };
  const pools: Pool[] = [];
  for (const topup of topups) {
    const own = entries.filter((entry) => entry.topupId === topup.id);
    if (!own.some((entry) => entry.kind === "topup")) continue;
    pools.push({
      topupId: topup.id,
      at: topup.paidAt ?? topup.createdAt,
      remaining: topup.credits - refundTotals(own).refundedCredits,
    });
  }
  for (const entry of entries) {
    if (entry.kind === "adjustment" && !entry.topupId && entry.delta > 0)
      pools.push({ topupId: null, at: entry.createdAt, remaining: entry.delta });
  }
  pools.sort((a, b) => b.at.getTime() - a.at.getTime());
  const unspent = new Map<string, number>();
  let left = Math.max(0, balance);
  for (const pool of pools) {
    const take = Math.max(0, Math.min(pool.remaining, left));
    left -= take;
    if (pool.topupId) unspent.set(pool.topupId, take);
  }
  return unspent;
}

export type TopupRefund = { topup: PublicTopup; credits: number; amountMinor: number; display: string };

/**
 * Refunds the unspent part of a top-up: removes those credits from the balance (a `refund` entry,
 * with the account locked so no edit can spend them meanwhile) and returns their share of the
 * price — through Stripe for card top-ups (idempotency key = the entry's key). Spent credits are
 * never refunded. If Stripe refuses, the credits are booked back and the error is thrown.
 */
export async function refundTopupUnspent(params: {
  topupId: string;
  actor: string;
  reason: string;
}): Promise<TopupRefund> {
  const topup = await getTopupOrThrow(params.topupId);
  if (topup.status !== "paid") throw new AppError("payment_not_refundable", `This top-up is ${topup.status}.`);
  const db = await getDb();
  const booked = await db.$transaction(async (tx) => {
    await lockCreditAccount(tx, topup.accountId);
    const unspent = (await unspentByTopup(tx, topup.accountId)).get(topup.id) ?? 0;
    if (unspent <= 0) {
      throw new AppError("payment_not_refundable", "Every credit of this top-up has been spent or refunded already.");
    }
    const own = await tx.creditEntry.findMany({ where: { topupId: topup.id, kind: { in: ["refund", "adjustment"] } } });
    const before = refundTotals(own);
    const amountMinor =
      Math.round((topup.amountMinor * (before.refundedCredits + unspent)) / topup.credits) -
      Math.round((topup.amountMinor * before.refundedCredits) / topup.credits);
    const idempotencyKey = `refund:${topup.id}:${before.refundedCredits}`;
    await appendCreditEntry(tx, {
      accountId: topup.accountId,
      kind: "refund",
      credits: unspent,
      topupId: topup.id,
      amountMinor,
      idempotencyKey,
      note: params.reason,
      actor: params.actor,
    });
    return { credits: unspent, amountMinor, idempotencyKey };
  });
  if (topup.method === "stripe" && booked.amountMinor > 0) {
    try {
      if (!topup.externalRef) throw new AppError("payment_not_refundable", "This card top-up has no Stripe session.");
      await refundStripePayment({
        sessionId: topup.externalRef,
        amountMinor: booked.amountMinor,
        idempotencyKey: booked.idempotencyKey,
      });
    } catch (error) {
      await db.$transaction(async (tx) => {
        await appendCreditEntry(tx, {
          accountId: topup.accountId,
          kind: "adjustment",
          credits: booked.credits,
          topupId: topup.id,
          amountMinor: -booked.amountMinor,
          idempotencyKey: `refund-failed:${booked.idempotencyKey}`,
          note: `Stripe refused the refund; credits restored (${isAppError(error) ? error.message : "error"})`,
          actor: "system",
        });
      });
      throw error;
    }
  }
  logger.info("top-up refunded", { topupId: topup.id, credits: booked.credits, amountMinor: booked.amountMinor });
  return {
    topup: await getPublicTopup(await getTopupOrThrow(topup.id)),
    credits: booked.credits,
    amountMinor: booked.amountMinor,
    display: formatPrice(booked.amountMinor, topup.currency),
  };
}

/**
 * An admin's manual change of a balance (a goodwill grant, a correction). The reason is required
 * and kept on the entry; a removal cannot take the balance below zero.
 */
export async function adjustCredits(params: {
  accountId: string;
  credits: number;
  reason: string;
  actor: string;
  /** Runs in the same transaction once the entry is booked (the admin console's audit row). */
  onBooked?: (tx: Tx, booked: { balanceBefore: number; balance: number; entryId: string }) => Promise<void>;
}): Promise<{ balance: number; entryId: string }> {
  const reason = params.reason.trim();
  if (reason.length < 3) throw new AppError("validation_failed", "Say why the balance changes (a reason is required).");
  if (!Number.isInteger(params.credits) || params.credits === 0 || Math.abs(params.credits) > 1_000_000)
    throw new AppError("validation_failed", "Give a whole number of credits other than 0.");
  const db = await getDb();
  return db.$transaction(async (tx) => {
    await lockCreditAccount(tx, params.accountId);
    const balance = await creditBalance(tx, params.accountId);
    if (balance + params.credits < 0) {
      throw new AppError(
        "insufficient_credits",
        `The balance is ${balance}; removing ${-params.credits} would make it negative.`,
        { details: { balance } },
      );
    }
    const idempotencyKey = `adjust:${newId("adj")}`;
    await appendCreditEntry(tx, {
      accountId: params.accountId,
      kind: "adjustment",
      credits: params.credits,
      idempotencyKey,
      note: reason,
      actor: params.actor,
    });
    const entry = await tx.creditEntry.findUniqueOrThrow({ where: { idempotencyKey } });
    const booked = { balanceBefore: balance, balance: balance + params.credits, entryId: entry.id };
    await params.onBooked?.(tx, booked);
    return { balance: booked.balance, entryId: entry.id };
  });
}
