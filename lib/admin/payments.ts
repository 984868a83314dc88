import "server-only";
import { z } from "zod";
import type { PaymentMethod, PaymentStatus, Prisma } from "@/generated/prisma/client";
import { refundStateOf } from "@/lib/billing/payments";
import { SERVICE_IDS } from "@/lib/catalog/services";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { isWellFormedId } from "@/lib/ids";
import { listAudit } from "./audit";
import { dayRange } from "./jobs";

export const PAYMENT_STATUSES = [
  "pending",
  "paid",
  "reserved",
  "captured",
  "released",
  "refunded",
  "expired",
  "canceled",
] as const satisfies readonly PaymentStatus[];
export const PAYMENT_METHODS = ["sandbox", "stripe", "x402", "credits"] as const satisfies readonly PaymentMethod[];

const blank = z.literal("").transform(() => undefined);
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .optional()
  .or(blank);

const paymentFiltersSchema = z.object({
  status: z.enum(PAYMENT_STATUSES).optional().or(blank),
  method: z.enum(PAYMENT_METHODS).optional().or(blank),
  service: z.enum(SERVICE_IDS).optional().or(blank),
  from: day,
  to: day,
  q: z
    .string()
    .trim()
    .max(100)
    .optional()
    .transform((value) => value || undefined),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(5).max(200).default(25),
});
export type PaymentFilters = z.infer<typeof paymentFiltersSchema>;

export function parsePaymentFilters(
  input: URLSearchParams | Record<string, string | string[] | undefined>,
): PaymentFilters {
  const raw: Record<string, string> = {};
  const entries =
    input instanceof URLSearchParams
      ? [...input.entries()]
      : Object.entries(input).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v] as const);
  for (const [key, value] of entries) if (typeof value === "string") raw[key] = value;
  const parsed = paymentFiltersSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const bad = new Set(parsed.error.issues.map((issue) => String(issue.path[0])));
  return paymentFiltersSchema.parse(Object.fromEntries(Object.entries(raw).filter(([key]) => !bad.has(key))));
}

export async function listAdminPayments(filters: PaymentFilters) {
  const db = await getDb();
  const { start, end } = dayRange(filters.from, filters.to);
  const where: Prisma.PaymentWhereInput = {
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.method ? { method: filters.method } : {}),
    ...(filters.service ? { serviceId: filters.service } : {}),
    ...(start || end ? { createdAt: { ...(start ? { gte: start } : {}), ...(end ? { lt: end } : {}) } } : {}),
    ...(filters.q
      ? {
          OR: [
            { id: filters.q },
            { externalRef: filters.q },
            { txHash: filters.q },
            { jobs: { some: { id: filters.q } } },
          ],
        }
      : {}),
  };
  const [rows, total] = await Promise.all([
    db.payment.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      skip: (filters.page - 1) * filters.pageSize,
      take: filters.pageSize,
      include: { _count: { select: { jobs: true } } },
    }),
    db.payment.count({ where }),
  ]);
  const refunds = rows.length
    ? await db.ledgerEntry.groupBy({
        by: ["paymentId"],
        where: { paymentId: { in: rows.map((row) => row.id) }, kind: "refund" },
        _sum: { amountMinor: true },
      })
    : [];
  const refunded = new Map(refunds.map((entry) => [entry.paymentId, entry._sum.amountMinor ?? 0]));
  return {
    rows: rows.map((row) => ({ ...row, refundedMinor: refunded.get(row.id) ?? 0 })),
    total,
    page: filters.page,
    pageSize: filters.pageSize,
    pages: Math.max(1, Math.ceil(total / filters.pageSize)),
  };
}

export type AdminPaymentRow = Awaited<ReturnType<typeof listAdminPayments>>["rows"][number];

export async function getAdminPaymentDetail(paymentId: string) {
  const db = await getDb();
  const payment = isWellFormedId(paymentId, "pay") ? await db.payment.findUnique({ where: { id: paymentId } }) : null;
  if (!payment) throw new AppError("payment_not_found", "No payment with this id.");
  const [jobs, ledger, audit] = await Promise.all([
    db.job.findMany({
      where: { paymentId },
      orderBy: { queuedAt: "asc" },
      select: {
        id: true,
        status: true,
        serviceId: true,
        queuedAt: true,
        finishedAt: true,
        errorCode: true,
        batchId: true,
      },
    }),
    db.ledgerEntry.findMany({ where: { paymentId }, orderBy: { createdAt: "asc" } }),
    listAudit({ targetType: "payment", targetId: paymentId }),
  ]);
  const sum = (kind: string) =>
    ledger.filter((entry) => entry.kind === kind).reduce((total, entry) => total + entry.amountMinor, 0);
  const totals = {
    captured: sum("capture"),
    released: sum("release"),
    refunded: sum("refund"),
    net: sum("capture") - sum("refund"),
  };
  return {
    payment,
    jobs,
    ledger,
    audit,
    totals,
    refundState: refundStateOf({ amountMinor: payment.amountMinor, refundedMinor: totals.refunded }),
  };
}

export type ReportRow = {
  day: string;
  serviceId: string;
  currency: string;
  revenueMinor: number;
  refundsMinor: number;
  providerCostMinor: number;
  marginMinor: number;
  captures: number;
  refunds: number;
  jobsSucceeded: number;
  jobsFailed: number;
};

export type RevenueReport = {
  from: string;
  to: string;
  days: string[];
  rows: ReportRow[];
  byDay: Array<{
    day: string;
    revenueMinor: number;
    refundsMinor: number;
    providerCostMinor: number;
    marginMinor: number;
  }>;
  byService: Array<{
    serviceId: string;
    revenueMinor: number;
    refundsMinor: number;
    providerCostMinor: number;
    marginMinor: number;
    captures: number;
    jobsSucceeded: number;
    jobsFailed: number;
  }>;
  totals: {
    revenueMinor: number;
    refundsMinor: number;
    providerCostMinor: number;
    marginMinor: number;
    captures: number;
    refunds: number;
  };
  currency: string;
};

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Default report window: the last 30 days including today (UTC). */
export function defaultRange(now = new Date()): { from: string; to: string } {
  return { from: isoDay(new Date(now.getTime() - 29 * 86_400_000)), to: isoDay(now) };
}

/**
 * Revenue (captures), refunds, provider cost and margin per day and service, all computed from
 * LedgerEntry sums and ProviderCall costs — never from counters. The cost counts every paid
 * vendor call of the day's finished jobs: failed attempts before a fallback and failed jobs too,
 * because the vendor charged for them.
 */
export async function getRevenueReport(params: { from?: string; to?: string } = {}): Promise<RevenueReport> {
  const fallback = defaultRange();
  const from = params.from ?? fallback.from;
  const to = params.to ?? fallback.to;
  const { start, end } = dayRange(from, to);
  if (!start || !end || end <= start) throw new AppError("validation_failed", "The date range is not valid.");
  if (end.getTime() - start.getTime() > 366 * 86_400_000)
    throw new AppError("validation_failed", "Choose a range of at most one year.");
  const db = await getDb();
  const [money, jobs] = await Promise.all([
    db.$queryRaw<
      Array<{
        day: Date;
        serviceId: string;
        currency: string;
        captured: bigint | null;
        refunded: bigint | null;
        captures: bigint;
        refunds: bigint;
      }>
    >`
      SELECT date_trunc('day', l."createdAt") AS day, p."serviceId", l.currency,
             SUM(CASE WHEN l.kind = 'capture' THEN l."amountMinor" ELSE 0 END) AS captured,
             SUM(CASE WHEN l.kind = 'refund' THEN l."amountMinor" ELSE 0 END) AS refunded,
             COUNT(*) FILTER (WHERE l.kind = 'capture') AS captures,
             COUNT(*) FILTER (WHERE l.kind = 'refund') AS refunds
        FROM "LedgerEntry" l JOIN "Payment" p ON p.id = l."paymentId"
       WHERE l."createdAt" >= ${start} AND l."createdAt" < ${end} AND l.kind IN ('capture', 'refund')
       GROUP BY 1, 2, 3`,
    db.$queryRaw<Array<{ day: Date; serviceId: string; cost: bigint | null; succeeded: bigint; failed: bigint }>>`
      SELECT date_trunc('day', j."finishedAt") AS day, j."serviceId",
             SUM((SELECT COALESCE(SUM(pc."costMinor"), 0) FROM "ProviderCall" pc WHERE pc."jobId" = j.id)) AS cost,
             COUNT(*) FILTER (WHERE j.status = 'succeeded') AS succeeded,
             COUNT(*) FILTER (WHERE j.status = 'failed') AS failed
        FROM "Job" j
       WHERE j."finishedAt" >= ${start} AND j."finishedAt" < ${end}
       GROUP BY 1, 2`,
  ]);
  const currency = money[0]?.currency ?? "USD";
  const key = (day: string, serviceId: string) => `${day}|${serviceId}`;
  const rows = new Map<string, ReportRow>();
  const row = (day: string, serviceId: string, rowCurrency = currency) => {
    const k = key(day, serviceId);
    let existing = rows.get(k);
    if (!existing) {
      existing = {
        day,
        serviceId,
        currency: rowCurrency,
        revenueMinor: 0,
        refundsMinor: 0,
        providerCostMinor: 0,
        marginMinor: 0,
        captures: 0,
        refunds: 0,
        jobsSucceeded: 0,
        jobsFailed: 0,
      };
      rows.set(k, existing);
    }
    return existing;
  };
  for (const m of money) {
    const r = row(isoDay(m.day), m.serviceId, m.currency);
    r.revenueMinor += Number(m.captured ?? 0);
    r.refundsMinor += Number(m.refunded ?? 0);
    r.captures += Number(m.captures);
    r.refunds += Number(m.refunds);
  }
  for (const j of jobs) {
    const r = row(isoDay(j.day), j.serviceId);
    r.providerCostMinor += Number(j.cost ?? 0);
    r.jobsSucceeded += Number(j.succeeded);
    r.jobsFailed += Number(j.failed);
  }
  for (const r of rows.values()) r.marginMinor = r.revenueMinor - r.refundsMinor - r.providerCostMinor;

  const days: string[] = [];
  for (let t = start.getTime(); t < end.getTime(); t += 86_400_000) days.push(isoDay(new Date(t)));
  const sorted = [...rows.values()].sort(
    (a, b) => a.day.localeCompare(b.day) || a.serviceId.localeCompare(b.serviceId),
  );
  const byDay = days.map((d) => {
    const dayRows = sorted.filter((r) => r.day === d);
    const s = (f: keyof Pick<ReportRow, "revenueMinor" | "refundsMinor" | "providerCostMinor" | "marginMinor">) =>
      dayRows.reduce((t, r) => t + r[f], 0);
    return {
      day: d,
      revenueMinor: s("revenueMinor"),
      refundsMinor: s("refundsMinor"),
      providerCostMinor: s("providerCostMinor"),
      marginMinor: s("marginMinor"),
    };
  });
  const byService = SERVICE_IDS.map((serviceId) => {
    const svc = sorted.filter((r) => r.serviceId === serviceId);
    const s = (f: keyof Omit<ReportRow, "day" | "serviceId" | "currency">) => svc.reduce((t, r) => t + r[f], 0);
    return {
      serviceId,
      revenueMinor: s("revenueMinor"),
      refundsMinor: s("refundsMinor"),
      providerCostMinor: s("providerCostMinor"),
      marginMinor: s("marginMinor"),
      captures: s("captures"),
      jobsSucceeded: s("jobsSucceeded"),
      jobsFailed: s("jobsFailed"),
    };
  });
  const t = (f: keyof Omit<ReportRow, "day" | "serviceId" | "currency" | "jobsSucceeded" | "jobsFailed">) =>
    sorted.reduce((total, r) => total + r[f], 0);
  return {
    from,
    to,
    days,
    rows: sorted,
    byDay,
    byService,
    totals: {
      revenueMinor: t("revenueMinor"),
      refundsMinor: t("refundsMinor"),
      providerCostMinor: t("providerCostMinor"),
      marginMinor: t("marginMinor"),
      captures: t("captures"),
      refunds: t("refunds"),
    },
    currency,
  };
}
