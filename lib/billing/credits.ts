import "server-only";
import type { CreditEntry, CreditKind, Prisma } from "@/generated/prisma/client";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";

type Tx = Prisma.TransactionClient;

/** One credit pays for one edit of any service. */
const CREDITS_PER_EDIT = 1;

/** How each kind moves the spendable balance (`delta` = sign × credits). */
const SIGN: Record<CreditKind, 1 | 0 | -1> = {
  topup: 1,
  reserve: -1,
  capture: 0,
  release: 1,
  refund: -1,
  adjustment: 1,
};

export type CreditAppend = {
  accountId: string;
  kind: CreditKind;
  /** Magnitude (> 0). For an adjustment, pass a signed value in `credits` instead. */
  credits: number;
  idempotencyKey: string;
  topupId?: string | null;
  jobId?: string | null;
  apiKeyId?: string | null;
  amountMinor?: number | null;
  note?: string | null;
  actor?: string | null;
};

/**
 * Appends one credit movement inside the caller's transaction. The unique idempotency key makes a
 * repeat a no-op (`ON CONFLICT DO NOTHING`, which does not abort the surrounding transaction).
 * Returns whether this call applied it.
 */
export async function appendCreditEntry(tx: Tx, entry: CreditAppend): Promise<boolean> {
  const signed = entry.kind === "adjustment" ? entry.credits : SIGN[entry.kind] * entry.credits;
  if (!Number.isInteger(entry.credits) || entry.credits === 0 || (entry.kind !== "adjustment" && entry.credits < 0))
    throw new AppError("validation_failed", "A credit movement needs a whole, non-zero number of credits.");
  const { count } = await tx.creditEntry.createMany({
    data: [
      {
        id: newId("cre"),
        accountId: entry.accountId,
        kind: entry.kind,
        credits: Math.abs(entry.credits),
        delta: signed,
        topupId: entry.topupId ?? null,
        jobId: entry.jobId ?? null,
        apiKeyId: entry.apiKeyId ?? null,
        amountMinor: entry.amountMinor ?? null,
        note: entry.note?.slice(0, 500) ?? null,
        actor: entry.actor?.slice(0, 120) ?? null,
        idempotencyKey: entry.idempotencyKey,
      },
    ],
    skipDuplicates: true,
  });
  return count === 1;
}

/** The spendable balance: the sum of the ledger's deltas (credits held by running edits are not spendable). */
export async function creditBalance(tx: Tx, accountId: string): Promise<number> {
  const sum = await tx.creditEntry.aggregate({ where: { accountId }, _sum: { delta: true } });
  return sum._sum.delta ?? 0;
}

/**
 * Serialises every movement that must see a consistent balance (reservations, refunds,
 * adjustments) for one account: a row lock on the account, held to the end of the transaction.
 * Refuses deleted or unknown accounts.
 */
export async function lockCreditAccount(tx: Tx, accountId: string): Promise<void> {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM "Account" WHERE id = ${accountId} AND "deletedAt" IS NULL FOR UPDATE`;
  if (rows.length === 0) throw new AppError("unauthorized", "This account does not exist any more.");
}

export type CreditPayer = {
  accountId: string;
  /** The API key the call came with (null for the signed-in studio and bulk pages). */
  apiKeyId?: string | null;
};

function monthStart(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/** Credits a key has spent or holds this calendar month (UTC): its reservations minus their releases. */
export async function keyUsageThisMonth(tx: Tx, apiKeyId: string, now = new Date()): Promise<number> {
  const sum = await tx.creditEntry.aggregate({
    where: { apiKeyId, kind: { in: ["reserve", "release"] }, createdAt: { gte: monthStart(now) } },
    _sum: { delta: true },
  });
  return -(sum._sum.delta ?? 0);
}

/**
 * Reserves `count` edits' credits for the given jobs, in the caller's transaction: all of them or
 * none. The account row is locked first, so of any number of concurrent calls each sees the
 * balance left by the ones before it and the balance never goes below zero.
 * Throws 402 `insufficient_credits` (or `api_key_cap_reached`) with the numbers in `details`.
 */
export async function reserveCredits(tx: Tx, params: { payer: CreditPayer; jobIds: string[] }): Promise<void> {
  const { accountId, apiKeyId } = params.payer;
  const needed = params.jobIds.length * CREDITS_PER_EDIT;
  await lockCreditAccount(tx, accountId);
  const balance = await creditBalance(tx, accountId);
  if (balance < needed) {
    throw new AppError(
      "insufficient_credits",
      balance === 0
        ? "This account has no credits left. Buy a credit pack on the account page."
        : `This needs ${needed} credit${needed === 1 ? "" : "s"}; the account has ${balance}.`,
      { details: { balance, needed } },
    );
  }
  if (apiKeyId) {
    const key = await tx.apiKey.findUnique({ where: { id: apiKeyId }, select: { monthlyCap: true } });
    if (key?.monthlyCap !== null && key?.monthlyCap !== undefined) {
      const used = await keyUsageThisMonth(tx, apiKeyId);
      if (used + needed > key.monthlyCap) {
        throw new AppError(
          "api_key_cap_reached",
          `This API key may spend ${key.monthlyCap} credits a month and has used ${used}. Raise its cap on the account page.`,
          { details: { monthlyCap: key.monthlyCap, used, needed } },
        );
      }
    }
  }
  for (const jobId of params.jobIds) {
    await appendCreditEntry(tx, {
      accountId,
      kind: "reserve",
      credits: CREDITS_PER_EDIT,
      jobId,
      apiKeyId: apiKeyId ?? null,
      idempotencyKey: `reserve:${jobId}`,
    });
  }
}

/** The job succeeded: its reserved credit is spent (idempotent per job). */
export async function captureCreditsForJob(tx: Tx, params: { jobId: string }): Promise<void> {
  const reserve = await tx.creditEntry.findUnique({ where: { idempotencyKey: `reserve:${params.jobId}` } });
  if (!reserve) return;
  await appendCreditEntry(tx, {
    accountId: reserve.accountId,
    kind: "capture",
    credits: reserve.credits,
    jobId: params.jobId,
    apiKeyId: reserve.apiKeyId,
    idempotencyKey: `settle:${params.jobId}`,
  });
}

/**
 * The job failed or was canceled: its reserved credit returns to the balance. Shares the
 * idempotency key with the capture (`settle:<jobId>`), so a job is settled one way, once.
 */
export async function releaseCreditsForJob(tx: Tx, params: { jobId: string; reason: string }): Promise<void> {
  const reserve = await tx.creditEntry.findUnique({ where: { idempotencyKey: `reserve:${params.jobId}` } });
  if (!reserve) return;
  await appendCreditEntry(tx, {
    accountId: reserve.accountId,
    kind: "release",
    credits: reserve.credits,
    jobId: params.jobId,
    apiKeyId: reserve.apiKeyId,
    idempotencyKey: `settle:${params.jobId}`,
    note: params.reason.slice(0, 200),
  });
}

export type CreditSummary = {
  balance: number;
  /** Credits held by edits still running. */
  reserved: number;
  /** Credits spent on finished edits. */
  spent: number;
  toppedUp: number;
  refunded: number;
  adjusted: number;
};

/** The balance and its parts, all sums over the ledger. */
export async function getCreditSummary(accountId: string, tx?: Tx): Promise<CreditSummary> {
  const db = tx ?? (await getDb());
  const rows = await db.creditEntry.groupBy({
    by: ["kind"],
    where: { accountId },
    _sum: { credits: true, delta: true },
  });
  const credits = (kind: CreditKind) => rows.find((row) => row.kind === kind)?._sum.credits ?? 0;
  const delta = (kind: CreditKind) => rows.find((row) => row.kind === kind)?._sum.delta ?? 0;
  const balance = rows.reduce((sum, row) => sum + (row._sum.delta ?? 0), 0);
  return {
    balance,
    reserved: credits("reserve") - credits("capture") - credits("release"),
    spent: credits("capture"),
    toppedUp: credits("topup"),
    refunded: credits("refund"),
    adjusted: delta("adjustment"),
  };
}

export type LedgerCheck = { ok: boolean; problems: string[]; summary: CreditSummary };

/**
 * Checks an account's ledger: every reservation settled at most once (capture xor release, for the
 * same amount), no settlement without a reservation, no finished job still holding credits, and a
 * balance that is not negative and equals top-ups + adjustments − spent − held − refunded.
 */
export async function checkCreditLedger(accountId: string): Promise<LedgerCheck> {
  const db = await getDb();
  const entries = await db.creditEntry.findMany({ where: { accountId }, orderBy: { createdAt: "asc" } });
  const problems: string[] = [];
  const byJob = new Map<string, CreditEntry[]>();
  for (const entry of entries) {
    if (!entry.jobId) continue;
    byJob.set(entry.jobId, [...(byJob.get(entry.jobId) ?? []), entry]);
  }
  const jobs = byJob.size
    ? await db.job.findMany({ where: { id: { in: [...byJob.keys()] } }, select: { id: true, status: true } })
    : [];
  const statusOf = new Map(jobs.map((job) => [job.id, job.status]));
  for (const [jobId, list] of byJob) {
    const reserves = list.filter((entry) => entry.kind === "reserve");
    const settles = list.filter((entry) => entry.kind === "capture" || entry.kind === "release");
    if (reserves.length !== 1) problems.push(`${jobId}: ${reserves.length} reservations`);
    if (settles.length > 1) problems.push(`${jobId}: settled ${settles.length} times`);
    if (reserves[0] && settles[0] && settles[0].credits !== reserves[0].credits)
      problems.push(`${jobId}: settled ${settles[0].credits} of ${reserves[0].credits} credits`);
    const status = statusOf.get(jobId);
    if (settles[0]?.kind === "capture" && status !== "succeeded") problems.push(`${jobId}: captured but ${status}`);
    if (settles[0]?.kind === "release" && status === "succeeded") problems.push(`${jobId}: released but succeeded`);
    if (settles.length === 0 && (status === "succeeded" || status === "failed" || status === "canceled"))
      problems.push(`${jobId}: ${status} but still holds its credit`);
  }
  const summary = await getCreditSummary(accountId);
  const expected = summary.toppedUp + summary.adjusted - summary.spent - summary.reserved - summary.refunded;
  if (summary.balance !== expected) problems.push(`balance ${summary.balance} ≠ ${expected} from its parts`);
  if (summary.balance < 0) problems.push(`negative balance ${summary.balance}`);
  return { ok: problems.length === 0, problems, summary };
}

/** The account's movements, newest first. */
export async function listCreditEntries(params: {
  accountId: string;
  limit?: number;
  before?: Date;
}): Promise<CreditEntry[]> {
  const db = await getDb();
  return db.creditEntry.findMany({
    where: { accountId: params.accountId, ...(params.before ? { createdAt: { lt: params.before } } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: params.limit,
  });
}
