import "server-only";
import type { LedgerEntry, LedgerKind, Prisma } from "@/generated/prisma/client";
import { getDb } from "@/lib/db";
import { newId } from "@/lib/ids";

type Tx = Prisma.TransactionClient;

export type LedgerAppend = {
  paymentId: string;
  jobId?: string | null;
  kind: LedgerKind;
  amountMinor: number;
  currency: string;
  /** e.g. `capture:<jobId>`; a second append with the same key is a no-op. */
  idempotencyKey: string;
  note?: string;
};

/**
 * Appends one money movement. Runs inside the caller's transaction; the unique idempotency key
 * makes a repeat a no-op (`ON CONFLICT DO NOTHING`, the same effect as catching P2002 but without
 * aborting the surrounding Postgres transaction). Returns whether this call applied it.
 */
export async function appendLedgerEntry(tx: Tx, entry: LedgerAppend): Promise<boolean> {
  const { count } = await tx.ledgerEntry.createMany({
    data: [
      {
        id: newId("led"),
        paymentId: entry.paymentId,
        jobId: entry.jobId ?? null,
        kind: entry.kind,
        amountMinor: entry.amountMinor,
        currency: entry.currency,
        idempotencyKey: entry.idempotencyKey,
        note: entry.note ?? null,
      },
    ],
    skipDuplicates: true,
  });
  return count === 1;
}

export async function listLedgerEntries(params: { paymentId?: string; jobId?: string }): Promise<LedgerEntry[]> {
  const db = await getDb();
  return db.ledgerEntry.findMany({
    where: {
      ...(params.paymentId ? { paymentId: params.paymentId } : {}),
      ...(params.jobId ? { jobId: params.jobId } : {}),
    },
    orderBy: { createdAt: "asc" },
  });
}

/** Revenue in minor units per currency: captures minus refunds (sums, never counters). */
export async function revenueByCurrency(): Promise<Record<string, number>> {
  const db = await getDb();
  const rows = await db.ledgerEntry.groupBy({
    by: ["currency", "kind"],
    _sum: { amountMinor: true },
    where: { kind: { in: ["capture", "refund"] } },
  });
  const out: Record<string, number> = {};
  for (const row of rows) {
    const sum = row._sum.amountMinor ?? 0;
    out[row.currency] = (out[row.currency] ?? 0) + (row.kind === "capture" ? sum : -sum);
  }
  return out;
}
