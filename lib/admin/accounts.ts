import "server-only";
import { z } from "zod";
import type { AuditLog, CreditEntry, Prisma } from "@/generated/prisma/client";
import { getCreditSummary, listCreditEntries, type CreditSummary } from "@/lib/billing/credits";
import {
  adjustCredits,
  getTopupOrThrow,
  listTopups,
  refundTopupUnspent,
  unspentByTopup,
  type PublicTopup,
  type TopupRefund,
} from "@/lib/billing/topups";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { isWellFormedId } from "@/lib/ids";
import { listAudit, recordAudit } from "./audit";

export const accountFiltersSchema = z.object({
  q: z
    .string()
    .trim()
    .max(254)
    .optional()
    .transform((value) => value || undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type AccountFilters = z.infer<typeof accountFiltersSchema>;

export type AdminAccountRow = {
  id: string;
  email: string | null;
  createdAt: Date;
  lastSignInAt: Date | null;
  deletedAt: Date | null;
  balance: number;
  /** Edits paid with credits that succeeded. */
  spent: number;
  toppedUp: number;
  activeKeys: number;
};

const PAGE_SIZE = 25;

/** Accounts with their balances and usage (sums over the credit ledger), newest first; `q` matches email or id. */
export async function listAdminAccounts(
  filters: AccountFilters,
): Promise<{ rows: AdminAccountRow[]; total: number; page: number; pages: number }> {
  const db = await getDb();
  const where: Prisma.AccountWhereInput = filters.q
    ? { OR: [{ email: { contains: filters.q.toLowerCase() } }, { id: filters.q }] }
    : {};
  const [total, accounts] = await Promise.all([
    db.account.count({ where }),
    db.account.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      skip: (filters.page - 1) * PAGE_SIZE,
      take: PAGE_SIZE,
    }),
  ]);
  const ids = accounts.map((account) => account.id);
  const [sums, keys] = ids.length
    ? await Promise.all([
        db.creditEntry.groupBy({
          by: ["accountId", "kind"],
          where: { accountId: { in: ids } },
          _sum: { delta: true, credits: true },
        }),
        db.apiKey.groupBy({ by: ["accountId"], where: { accountId: { in: ids }, revokedAt: null }, _count: true }),
      ])
    : [[], []];
  const rows = accounts.map((account) => {
    const own = sums.filter((row) => row.accountId === account.id);
    const credits = (kind: CreditEntry["kind"]) => own.find((row) => row.kind === kind)?._sum.credits ?? 0;
    return {
      id: account.id,
      email: account.email,
      createdAt: account.createdAt,
      lastSignInAt: account.lastSignInAt,
      deletedAt: account.deletedAt,
      balance: own.reduce((sum, row) => sum + (row._sum.delta ?? 0), 0),
      spent: credits("capture"),
      toppedUp: credits("topup"),
      activeKeys: keys.find((row) => row.accountId === account.id)?._count ?? 0,
    };
  });
  return { rows, total, page: filters.page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
}

export type AdminAccountDetail = {
  account: { id: string; email: string | null; createdAt: Date; lastSignInAt: Date | null; deletedAt: Date | null };
  credits: CreditSummary;
  topups: Array<PublicTopup & { unspent: number }>;
  keys: Array<{ id: string; name: string; prefix: string; lastUsedAt: Date | null; revokedAt: Date | null }>;
  entries: CreditEntry[];
  audit: AuditLog[];
};

export async function getAdminAccount(accountId: string): Promise<AdminAccountDetail> {
  const db = await getDb();
  const account = isWellFormedId(accountId, "acc") ? await db.account.findUnique({ where: { id: accountId } }) : null;
  if (!account) throw new AppError("account_not_found", "No account with this id.");
  const [credits, topups, unspent, keys, entries, audit] = await Promise.all([
    getCreditSummary(account.id),
    listTopups({ accountId: account.id, limit: 100 }),
    db.$transaction((tx) => unspentByTopup(tx, account.id)),
    db.apiKey.findMany({
      where: { accountId: account.id },
      orderBy: { createdAt: "desc" },
      select: { id: true, name: true, prefix: true, lastUsedAt: true, revokedAt: true },
    }),
    listCreditEntries({ accountId: account.id, limit: 100 }),
    listAudit({ targetType: "account", targetId: account.id, limit: 50 }),
  ]);
  return {
    account,
    credits,
    topups: topups.map((topup) => ({ ...topup, unspent: unspent.get(topup.id) ?? 0 })),
    keys,
    entries,
    audit,
  };
}

export const adjustmentSchema = z
  .object({
    credits: z.number().int().min(-1_000_000).max(1_000_000),
    reason: z.string().trim().min(3, "Say why the balance changes.").max(300),
  })
  .strict();

/** A manual credit adjustment: the ledger entry and its audit row are written in one transaction. */
export async function adjustAccountCredits(params: {
  accountId: string;
  credits: number;
  reason: string;
  actor: string;
}): Promise<{ balance: number; entryId: string }> {
  const db = await getDb();
  const account = isWellFormedId(params.accountId, "acc")
    ? await db.account.findUnique({ where: { id: params.accountId } })
    : null;
  if (!account) throw new AppError("account_not_found", "No account with this id.");
  return adjustCredits({
    accountId: account.id,
    credits: params.credits,
    reason: params.reason,
    actor: params.actor,
    onBooked: (tx, booked) =>
      recordAudit(
        {
          actor: params.actor,
          action: "account.credits.adjust",
          targetType: "account",
          targetId: account.id,
          before: { balance: booked.balanceBefore },
          after: { balance: booked.balance, credits: params.credits, reason: params.reason, entryId: booked.entryId },
        },
        tx,
      ),
  });
}

export const topupRefundSchema = z.object({ reason: z.string().trim().min(3, "Give a reason.").max(300) }).strict();

/** Refunds the unspent credits of a top-up (money back through Stripe for card top-ups), audited. */
export async function refundTopupAsAdmin(params: {
  topupId: string;
  reason: string;
  actor: string;
}): Promise<TopupRefund> {
  const topup = await getTopupOrThrow(params.topupId);
  const refund = await refundTopupUnspent({ topupId: topup.id, actor: params.actor, reason: params.reason });
  await recordAudit({
    actor: params.actor,
    action: "account.topup.refund",
    targetType: "account",
    targetId: topup.accountId,
    after: {
      topupId: topup.id,
      credits: refund.credits,
      amountMinor: refund.amountMinor,
      currency: topup.currency,
      reason: params.reason,
    },
  });
  return refund;
}
