import "server-only";
import type { AuditLog, Prisma } from "@/generated/prisma/client";
import { getDb } from "@/lib/db";
import { newId } from "@/lib/ids";

type Tx = Prisma.TransactionClient;

export type AuditEntry = {
  actor: string;
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
};

function json(value: unknown): Prisma.InputJsonValue | undefined {
  return value === undefined || value === null
    ? undefined
    : (JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue);
}

/** Appends one audit row (inside the caller's transaction when given). */
export async function recordAudit(entry: AuditEntry, tx?: Tx): Promise<void> {
  const client = tx ?? (await getDb());
  await client.auditLog.create({
    data: {
      id: newId("aud"),
      actor: entry.actor,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId ?? null,
      before: json(entry.before),
      after: json(entry.after),
    },
  });
}

export async function listAudit(
  params: { targetType?: string; targetId?: string; limit?: number } = {},
): Promise<AuditLog[]> {
  const db = await getDb();
  return db.auditLog.findMany({
    where: {
      ...(params.targetType ? { targetType: params.targetType } : {}),
      ...(params.targetId ? { targetId: params.targetId } : {}),
    },
    orderBy: { createdAt: "desc" },
    take: Math.min(params.limit ?? 100, 500),
  });
}
