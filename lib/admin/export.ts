import "server-only";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { csvRow } from "./csv";
import { dayRange } from "./jobs";

export type ExportKind = "jobs" | "payments";

const PAGE = 500;

const JOB_COLUMNS = [
  "job_id",
  "queued_at",
  "started_at",
  "finished_at",
  "duration_ms",
  "service",
  "status",
  "provider",
  "provider_request_id",
  "provider_cost_minor",
  "payment_id",
  "payment_method",
  "payment_status",
  "price_minor",
  "currency",
  "error_code",
  "error_message",
  "batch_id",
  "rerun_of_job_id",
  "attempts",
];
const PAYMENT_COLUMNS = [
  "payment_id",
  "created_at",
  "paid_at",
  "service",
  "method",
  "status",
  "units",
  "uses_left",
  "amount_minor",
  "currency",
  "captured_minor",
  "released_minor",
  "refunded_minor",
  "external_ref",
  "jobs",
];

/**
 * Streams jobs or payments created in [from, to] (whole UTC days) as CSV, 500 rows per query
 * (keyset pagination), so an export of any size never sits in memory.
 */
export function exportCsv(params: { kind: ExportKind; from: string; to: string }): ReadableStream<Uint8Array> {
  const { start, end } = dayRange(params.from, params.to);
  if (!start || !end || end <= start)
    throw new AppError("validation_failed", "Give `from` and `to` as YYYY-MM-DD, from ≤ to.");
  const encoder = new TextEncoder();
  let cursor: { at: Date; id: string } | null = null;
  let headerSent = false;
  let done = false;

  async function nextChunk(): Promise<string | null> {
    if (!headerSent) {
      headerSent = true;
      return csvRow(params.kind === "jobs" ? JOB_COLUMNS : PAYMENT_COLUMNS);
    }
    if (done) return null;
    const db = await getDb();
    const after = cursor
      ? { OR: [{ createdAt: { gt: cursor.at } }, { createdAt: cursor.at, id: { gt: cursor.id } }] }
      : {};
    if (params.kind === "jobs") {
      const afterJob = cursor
        ? { OR: [{ queuedAt: { gt: cursor.at } }, { queuedAt: cursor.at, id: { gt: cursor.id } }] }
        : {};
      const jobs = await db.job.findMany({
        where: { queuedAt: { gte: start, lt: end }, ...afterJob },
        orderBy: [{ queuedAt: "asc" }, { id: "asc" }],
        take: PAGE,
        include: {
          payment: { select: { method: true, status: true, amountMinor: true, units: true, currency: true } },
        },
      });
      if (jobs.length < PAGE) done = true;
      const last = jobs.at(-1);
      if (last) cursor = { at: last.queuedAt, id: last.id };
      return jobs
        .map((j) =>
          csvRow([
            j.id,
            j.queuedAt,
            j.startedAt,
            j.finishedAt,
            j.startedAt && j.finishedAt ? j.finishedAt.getTime() - j.startedAt.getTime() : null,
            j.serviceId,
            j.status,
            j.provider,
            j.providerRequestId,
            j.providerCostMinor,
            j.paymentId,
            j.payment?.method,
            j.payment?.status,
            j.payment ? Math.round(j.payment.amountMinor / Math.max(1, j.payment.units)) : null,
            j.payment?.currency,
            j.errorCode,
            j.errorMessage,
            j.batchId,
            j.rerunOfJobId,
            j.attempts,
          ]),
        )
        .join("");
    }
    const payments = await db.payment.findMany({
      where: { createdAt: { gte: start, lt: end }, ...after },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: PAGE,
      include: { ledgerEntries: { select: { kind: true, amountMinor: true } }, _count: { select: { jobs: true } } },
    });
    if (payments.length < PAGE) done = true;
    const last = payments.at(-1);
    if (last) cursor = { at: last.createdAt, id: last.id };
    return payments
      .map((p) => {
        const sum = (kind: string) =>
          p.ledgerEntries.filter((e) => e.kind === kind).reduce((t, e) => t + e.amountMinor, 0);
        return csvRow([
          p.id,
          p.createdAt,
          p.paidAt,
          p.serviceId,
          p.method,
          p.status,
          p.units,
          p.usesLeft,
          p.amountMinor,
          p.currency,
          sum("capture"),
          sum("release"),
          sum("refund"),
          p.externalRef,
          p._count.jobs,
        ]);
      })
      .join("");
  }

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const chunk = await nextChunk();
          if (chunk === null) {
            controller.close();
            return;
          }
          if (chunk) {
            controller.enqueue(encoder.encode(chunk));
            return;
          }
        }
      } catch (error) {
        controller.error(error);
      }
    },
  });
}
