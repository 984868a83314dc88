import "server-only";
import { z } from "zod";
import {
  Prisma,
  type Asset,
  type JobStatus,
  type LedgerEntry,
  type Payment,
  type ProviderCall,
} from "@/generated/prisma/client";
import { deleteAssetBytes, toPublicAsset } from "@/lib/assets/assets";
import { refundJobCharge } from "@/lib/billing/payments";
import { SERVICE_IDS, isServiceId } from "@/lib/catalog/services";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { isWellFormedId } from "@/lib/ids";
import { enqueuePaidJob, getJobOrThrow } from "@/lib/jobs/queue";
import { formatPrice } from "@/lib/utils";
import { listAudit, recordAudit } from "./audit";

export const JOB_STATUSES = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "canceled",
] as const satisfies readonly JobStatus[];
const JOB_SORTS = ["time", "duration"] as const;

const dateParam = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/, "must be a date (YYYY-MM-DD)")
  .optional()
  .or(z.literal("").transform(() => undefined));
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((value) => value || undefined);

/** Filters of the jobs table (query string of /admin/jobs and GET /api/admin/jobs). */
const jobFiltersSchema = z.object({
  status: z
    .enum(JOB_STATUSES)
    .optional()
    .or(z.literal("").transform(() => undefined)),
  service: z
    .enum(SERVICE_IDS)
    .optional()
    .or(z.literal("").transform(() => undefined)),
  provider: optionalText(64),
  from: dateParam,
  to: dateParam,
  q: optionalText(100),
  sort: z.enum(JOB_SORTS).default("time"),
  dir: z.enum(["asc", "desc"]).default("desc"),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(5).max(200).default(25),
});
export type JobFilters = z.infer<typeof jobFiltersSchema>;

/** Parses URLSearchParams or a Next.js searchParams object into filters (bad values are dropped). */
export function parseJobFilters(input: URLSearchParams | Record<string, string | string[] | undefined>): JobFilters {
  const raw: Record<string, string> = {};
  const entries =
    input instanceof URLSearchParams
      ? [...input.entries()]
      : Object.entries(input).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v] as const);
  for (const [key, value] of entries) if (typeof value === "string") raw[key] = value;
  const parsed = jobFiltersSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  // Keep what is valid: drop the offending keys one by one.
  const bad = new Set(parsed.error.issues.map((issue) => String(issue.path[0])));
  return jobFiltersSchema.parse(Object.fromEntries(Object.entries(raw).filter(([key]) => !bad.has(key))));
}

/** Inclusive day range → [start, end) instants (UTC). */
export function dayRange(from?: string, to?: string): { start?: Date; end?: Date } {
  const start = from ? new Date(from.length === 10 ? `${from}T00:00:00Z` : from) : undefined;
  let end: Date | undefined;
  if (to) {
    end = new Date(to.length === 10 ? `${to}T00:00:00Z` : to);
    if (to.length === 10) end = new Date(end.getTime() + 86_400_000);
  }
  return {
    start: start && !Number.isNaN(start.getTime()) ? start : undefined,
    end: end && !Number.isNaN(end.getTime()) ? end : undefined,
  };
}

export type AdminJobRow = {
  id: string;
  serviceId: string;
  status: JobStatus;
  provider: string | null;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  errorCode: string | null;
  paymentId: string | null;
  paymentStatus: string | null;
  paymentMethod: string | null;
  priceMinor: number | null;
  currency: string | null;
  providerCostMinor: number;
  batchId: string | null;
  rerunOfJobId: string | null;
};

export async function listAdminJobs(
  filters: JobFilters,
): Promise<{ rows: AdminJobRow[]; total: number; page: number; pageSize: number; pages: number }> {
  const db = await getDb();
  const where: Prisma.Sql[] = [];
  if (filters.status) where.push(Prisma.sql`j.status = ${filters.status}::"JobStatus"`);
  if (filters.service) where.push(Prisma.sql`j."serviceId" = ${filters.service}`);
  if (filters.provider) where.push(Prisma.sql`j.provider = ${filters.provider}`);
  const { start, end } = dayRange(filters.from, filters.to);
  if (start) where.push(Prisma.sql`j."queuedAt" >= ${start}`);
  if (end) where.push(Prisma.sql`j."queuedAt" < ${end}`);
  if (filters.q) {
    const q = filters.q;
    const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(
      Prisma.sql`(j.id = ${q} OR j."paymentId" = ${q} OR j."batchId" = ${q} OR j."requestId" = ${q} OR j."providerRequestId" = ${q} OR j."errorCode" ILIKE ${like} OR j."errorMessage" ILIKE ${like})`,
    );
  }
  const whereSql = where.length ? Prisma.sql`WHERE ${Prisma.join(where, " AND ")}` : Prisma.empty;
  const dir = filters.dir === "asc" ? Prisma.sql`ASC` : Prisma.sql`DESC`;
  const order =
    filters.sort === "duration"
      ? Prisma.sql`ORDER BY ("finishedAt" - "startedAt") ${dir} NULLS LAST, j."queuedAt" DESC, j.id`
      : Prisma.sql`ORDER BY j."queuedAt" ${dir}, j.id`;
  const offset = (filters.page - 1) * filters.pageSize;
  const rows = await db.$queryRaw<Array<AdminJobRow & { total: bigint; durationMs: number | string | null }>>`
    SELECT j.id, j."serviceId", j.status::text AS status, j.provider, j."queuedAt", j."startedAt", j."finishedAt",
           (EXTRACT(EPOCH FROM (j."finishedAt" - j."startedAt")) * 1000)::float8 AS "durationMs",
           j."errorCode", j."paymentId", p.status::text AS "paymentStatus", p.method::text AS "paymentMethod",
           CASE WHEN p.id IS NULL THEN NULL ELSE (p."amountMinor" / GREATEST(p.units, 1)) END AS "priceMinor",
           p.currency, j."providerCostMinor", j."batchId", j."rerunOfJobId",
           COUNT(*) OVER () AS total
      FROM "Job" j LEFT JOIN "Payment" p ON p.id = j."paymentId"
      ${whereSql}
      ${order}
     LIMIT ${filters.pageSize} OFFSET ${offset}`;
  let total = rows[0] ? Number(rows[0].total) : 0;
  if (!rows[0] && offset > 0) {
    const counted = await db.$queryRaw<Array<{ n: bigint }>>`SELECT COUNT(*) AS n FROM "Job" j ${whereSql}`;
    total = Number(counted[0]?.n ?? 0);
  }
  return {
    rows: rows.map(({ total: _total, ...row }) => ({
      ...row,
      durationMs: row.durationMs === null ? null : Math.round(Number(row.durationMs)),
      priceMinor: row.priceMinor === null ? null : Number(row.priceMinor),
      providerCostMinor: Number(row.providerCostMinor),
    })),
    total,
    page: filters.page,
    pageSize: filters.pageSize,
    pages: Math.max(1, Math.ceil(total / filters.pageSize)),
  };
}

/** Distinct providers seen on jobs (for the filter's options). */
export async function listJobProviders(): Promise<string[]> {
  const db = await getDb();
  const rows = await db.job.findMany({
    where: { provider: { not: null } },
    distinct: ["provider"],
    select: { provider: true },
    take: 50,
  });
  return rows
    .map((row) => row.provider)
    .filter((value): value is string => Boolean(value))
    .sort();
}

export type AdminAssetView = {
  id: string;
  kind: string;
  mime: string;
  width: number | null;
  height: number | null;
  bytes: number;
  deleted: boolean;
  url: string | null;
  fileName: string | null;
};

function assetView(asset: Asset): AdminAssetView {
  return {
    id: asset.id,
    kind: asset.kind,
    mime: asset.mime,
    width: asset.width,
    height: asset.height,
    bytes: asset.bytes,
    fileName: asset.fileName,
    deleted: Boolean(asset.deletedAt),
    url: asset.deletedAt ? null : toPublicAsset(asset, { ttlSeconds: 3600 }).url,
  };
}

export type AdminJobDetail = Awaited<ReturnType<typeof getAdminJobDetail>>;

export async function getAdminJobDetail(jobId: string) {
  const db = await getDb();
  const job = await getJobOrThrow(jobId);
  const assetIds = [...job.inputAssetIds, job.resultAssetId, job.maskAssetId].filter((id): id is string => Boolean(id));
  const [assets, payment, ledger, providerCalls, reruns, audit] = await Promise.all([
    assetIds.length ? db.asset.findMany({ where: { id: { in: assetIds } } }) : Promise.resolve([] as Asset[]),
    job.paymentId ? db.payment.findUnique({ where: { id: job.paymentId } }) : Promise.resolve(null as Payment | null),
    job.paymentId
      ? db.ledgerEntry.findMany({ where: { paymentId: job.paymentId }, orderBy: { createdAt: "asc" } })
      : Promise.resolve([] as LedgerEntry[]),
    db.providerCall.findMany({ where: { jobId: job.id }, orderBy: { createdAt: "asc" } }) as Promise<ProviderCall[]>,
    db.job.findMany({
      where: { rerunOfJobId: job.id },
      select: { id: true, status: true, queuedAt: true },
      orderBy: { queuedAt: "desc" },
    }),
    listAudit({ targetType: "job", targetId: job.id, limit: 50 }),
  ]);
  const byId = new Map(assets.map((asset) => [asset.id, asset]));
  const pick = (id: string | null | undefined) => (id && byId.get(id) ? assetView(byId.get(id)!) : null);
  const captured = ledger.some((entry) => entry.kind === "capture" && entry.jobId === job.id);
  // This job's own refund, or a whole-payment refund booked before refunds were per job.
  const refunded = ledger.some(
    (entry) =>
      entry.kind === "refund" && (entry.jobId === job.id || entry.idempotencyKey === `refund:${entry.paymentId}`),
  );
  return {
    job,
    input: pick(job.inputAssetIds[0]),
    result: pick(job.resultAssetId),
    mask: job.maskAssetId && job.maskAssetId !== job.resultAssetId ? pick(job.maskAssetId) : null,
    payment,
    ledger,
    providerCalls,
    reruns,
    audit,
    captured,
    refunded,
    refundable: Boolean(payment) && captured && !refunded,
    paymentRefundedMinor: ledger
      .filter((entry) => entry.kind === "refund")
      .reduce((sum, entry) => sum + entry.amountMinor, 0),
    timings: {
      queueMs: job.startedAt ? job.startedAt.getTime() - job.queuedAt.getTime() : null,
      runMs: job.startedAt && job.finishedAt ? job.finishedAt.getTime() - job.startedAt.getTime() : null,
      totalMs: job.finishedAt ? job.finishedAt.getTime() - job.queuedAt.getTime() : null,
    },
  };
}

export type RefundOutcome = {
  alreadyRefunded: boolean;
  paymentId: string;
  /** The payment's status afterwards: `refunded` only once every edit it paid for is refunded. */
  status: string;
  /** This job's refund: one edit, not the whole payment. */
  amountMinor: number;
  currency: string;
  /** The payment's refunds so far (ledger sum) and whether they cover all of it. */
  refundedMinor: number;
  refund: "partial" | "full";
  message: string;
};

/**
 * Refunds the edit a job was charged for (a Stripe partial refund in Stripe mode, a `refund`
 * ledger entry for that job either way). Idempotent per job: a second call changes nothing and says so.
 */
export async function refundJob(params: { jobId: string; actor: string; reason?: string }): Promise<RefundOutcome> {
  const job = await getJobOrThrow(params.jobId);
  if (!job.paymentId && job.creditAccountId)
    throw new AppError(
      "payment_not_refundable",
      "This edit was paid with prepaid credits: give the credit back with an adjustment on the account's admin page.",
    );
  if (!job.paymentId) throw new AppError("payment_not_refundable", "This job was free: there is nothing to refund.");
  const result = await refundJobCharge({ jobId: job.id, reason: params.reason ?? `admin refund of ${job.id}` });
  const { payment } = result;
  const outcome = {
    alreadyRefunded: !result.applied,
    paymentId: payment.id,
    status: payment.status,
    amountMinor: result.amountMinor,
    currency: payment.currency,
    refundedMinor: result.refundedMinor,
    refund: result.state === "full" ? "full" : "partial",
  } as const;
  if (!result.applied) return { ...outcome, message: "Already refunded — nothing was done this time." };
  await recordAudit({
    actor: params.actor,
    action: "job.refund",
    targetType: "job",
    targetId: job.id,
    before: { paymentId: payment.id, method: payment.method, units: payment.units },
    after: {
      paymentId: payment.id,
      status: payment.status,
      amountMinor: result.amountMinor,
      refundedMinor: result.refundedMinor,
      reason: params.reason ?? null,
    },
  });
  const amount = formatPrice(result.amountMinor, payment.currency);
  const rest =
    result.state === "full"
      ? ""
      : ` (${formatPrice(result.refundedMinor, payment.currency)} of ${formatPrice(payment.amountMinor, payment.currency)} refunded so far)`;
  const where =
    payment.method === "stripe"
      ? " to the card"
      : payment.method === "sandbox"
        ? " (sandbox)"
        : ` in the ledger (send the ${payment.method} payer the money yourself)`;
  return { ...outcome, message: `Refunded ${amount}${where}${rest}.` };
}

/** Runs a job again for free with the same parameters (the stored upload instead of re-fetching a URL). */
export async function rerunJob(params: {
  jobId: string;
  actor: string;
  requestId?: string;
}): Promise<{ jobId: string }> {
  const job = await getJobOrThrow(params.jobId);
  if (!isServiceId(job.serviceId)) throw new AppError("service_not_found", `Unknown service ${job.serviceId}.`);
  const input = { ...(job.params as Record<string, unknown>) };
  if (typeof input.ImageURL === "string" && job.inputAssetIds[0]) {
    delete input.ImageURL;
    input.imageAssetId = job.inputAssetIds[0];
  }
  const rerun = await enqueuePaidJob({
    serviceId: job.serviceId,
    input,
    paymentToken: null,
    free: true,
    ownerId: job.ownerId,
    requestId: params.requestId,
  });
  const db = await getDb();
  await db.job.update({ where: { id: rerun.id }, data: { rerunOfJobId: job.id } });
  await recordAudit({
    actor: params.actor,
    action: "job.rerun",
    targetType: "job",
    targetId: job.id,
    after: { newJobId: rerun.id },
  });
  return { jobId: rerun.id };
}

/** Deletes the job's stored files (input, result, mask); rows stay for the history and the ledger. */
export async function deleteJobAssets(params: {
  jobId: string;
  actor: string;
}): Promise<{ deleted: number; alreadyDeleted: number }> {
  const db = await getDb();
  const job = await getJobOrThrow(params.jobId);
  const ids = [
    ...new Set(
      [...job.inputAssetIds, job.resultAssetId, job.maskAssetId].filter(
        (id): id is string => Boolean(id) && isWellFormedId(id as string, "ast"),
      ),
    ),
  ];
  const assets = ids.length ? await db.asset.findMany({ where: { id: { in: ids } } }) : [];
  let deleted = 0;
  for (const asset of assets) {
    if (asset.deletedAt) continue;
    await deleteAssetBytes(asset);
    deleted++;
  }
  await recordAudit({
    actor: params.actor,
    action: "job.delete_assets",
    targetType: "job",
    targetId: job.id,
    after: { deleted, assetIds: ids },
  });
  return { deleted, alreadyDeleted: assets.length - deleted };
}
