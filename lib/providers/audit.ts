import "server-only";
import type { PrismaClient } from "@/generated/prisma/client";
import { newId } from "@/lib/ids";
import type { ProviderCallRecord, ProviderContext } from "./types";

export type { ProviderCallRecord } from "./types";

/** Reports one outbound call through the router's hook; the audit never fails a vendor call. */
export async function recordHttp(ctx: ProviderContext, call: Omit<ProviderCallRecord, "jobId">): Promise<void> {
  if (!ctx.recordCall) return;
  try {
    await ctx.recordCall({ ...call, jobId: ctx.jobId, errorMessage: call.errorMessage?.slice(0, 500) });
  } catch {
    // The audit must never turn a finished vendor call into a failed job.
  }
}

/** Writes one ProviderCall row (the audit of an outbound provider request). */
export async function recordProviderCall(db: PrismaClient, record: ProviderCallRecord): Promise<void> {
  await db.providerCall.create({
    data: {
      id: newId("pc"),
      jobId: record.jobId ?? null,
      provider: record.provider.slice(0, 40),
      action: record.action.slice(0, 80),
      ok: record.ok,
      httpStatus: record.httpStatus ?? null,
      latencyMs: Math.max(0, Math.round(record.latencyMs)),
      requestId: record.requestId?.slice(0, 200) ?? null,
      errorCode: record.errorCode?.slice(0, 80) ?? null,
      errorMessage: record.errorMessage?.slice(0, 1000) ?? null,
      costMinor: record.costMinor ?? 0,
    },
  });
}

/** A `recordCall` for routeCall that persists to `db` (rows of a job that does not exist yet get no jobId). */
export function providerCallRecorder(db: PrismaClient): (record: ProviderCallRecord) => Promise<void> {
  return (record) => recordProviderCall(db, record);
}
