import "server-only";
import type { LedgerKind, Prisma } from "@/generated/prisma/client";
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
