import "server-only";
import { csvRow } from "@/lib/admin/csv";
import { getCreditSummary, type CreditSummary } from "@/lib/billing/credits";
import { SERVICES, isServiceId } from "@/lib/catalog/services";
import { getDb } from "@/lib/db";

export type ActivityItem = {
  id: string;
  at: string;
  kind: "topup" | "edit" | "refund" | "adjustment";
  /** Change of the balance (a finished edit: -1; a running edit: -1 held; a failed edit: 0). */
  credits: number;
  status: "paid" | "charged" | "held" | "released" | "refunded" | "granted" | "removed";
  description: string;
  jobId: string | null;
  topupId: string | null;
  apiKey: { id: string; name: string } | null;
  serviceId: string | null;
};

export type AccountOverview = {
  account: { id: string; email: string | null; createdAt: string; lastSignInAt: string | null };
  credits: CreditSummary;
};

export async function getAccountOverview(accountId: string): Promise<AccountOverview> {
  const db = await getDb();
  const account = await db.account.findUniqueOrThrow({ where: { id: accountId } });
  return {
    account: {
      id: account.id,
      email: account.email,
      createdAt: account.createdAt.toISOString(),
      lastSignInAt: account.lastSignInAt?.toISOString() ?? null,
    },
    credits: await getCreditSummary(accountId),
  };
}

/**
 * The account's history on every device: each top-up, each edit paid with credits (one row per
 * edit, with how it settled), refunds and adjustments — newest first.
 */
export async function listActivity(params: { accountId: string; limit?: number }): Promise<ActivityItem[]> {
  const db = await getDb();
  const entries = await db.creditEntry.findMany({
    where: { accountId: params.accountId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: Math.min(params.limit ?? 500, 5000) * 2,
  });
  const jobIds = [...new Set(entries.map((entry) => entry.jobId).filter((id): id is string => Boolean(id)))];
  const keyIds = [...new Set(entries.map((entry) => entry.apiKeyId).filter((id): id is string => Boolean(id)))];
  const [jobs, keys] = await Promise.all([
    jobIds.length
      ? db.job.findMany({ where: { id: { in: jobIds } }, select: { id: true, serviceId: true, status: true } })
      : Promise.resolve([]),
    keyIds.length
      ? db.apiKey.findMany({ where: { id: { in: keyIds } }, select: { id: true, name: true } })
      : Promise.resolve([]),
  ]);
  const jobById = new Map(jobs.map((job) => [job.id, job]));
  const keyById = new Map(keys.map((key) => [key.id, key]));
  const settled = new Map<string, "capture" | "release">();
  for (const entry of entries) {
    if (entry.jobId && (entry.kind === "capture" || entry.kind === "release")) settled.set(entry.jobId, entry.kind);
  }
  const items: ActivityItem[] = [];
  for (const entry of entries) {
    if (entry.kind === "capture" || entry.kind === "release") continue;
    const apiKey = entry.apiKeyId ? (keyById.get(entry.apiKeyId) ?? { id: entry.apiKeyId, name: "deleted key" }) : null;
    if (entry.kind === "reserve") {
      const job = entry.jobId ? jobById.get(entry.jobId) : undefined;
      const outcome = entry.jobId ? settled.get(entry.jobId) : undefined;
      const serviceId = job?.serviceId ?? null;
      items.push({
        id: entry.id,
        at: entry.createdAt.toISOString(),
        kind: "edit",
        credits: outcome === "release" ? 0 : -entry.credits,
        status: outcome === "capture" ? "charged" : outcome === "release" ? "released" : "held",
        description:
          (serviceId && isServiceId(serviceId) ? SERVICES[serviceId].name : "Edit") +
          (outcome === "release" ? " (failed, not charged)" : ""),
        jobId: entry.jobId,
        topupId: null,
        apiKey: apiKey ? { id: apiKey.id, name: apiKey.name } : null,
        serviceId,
      });
      continue;
    }
    items.push({
      id: entry.id,
      at: entry.createdAt.toISOString(),
      kind: entry.kind,
      credits: entry.delta,
      status:
        entry.kind === "topup"
          ? "paid"
          : entry.kind === "refund"
            ? "refunded"
            : entry.delta > 0
              ? "granted"
              : "removed",
      description:
        entry.kind === "topup"
          ? `Credit pack: ${entry.note ?? `${entry.credits} credits`}`
          : entry.kind === "refund"
            ? `Refund of unspent credits${entry.note ? ` — ${entry.note}` : ""}`
            : `Adjustment — ${entry.note ?? ""}`,
      jobId: null,
      topupId: entry.topupId,
      apiKey: null,
      serviceId: null,
    });
  }
  return items.slice(0, params.limit ?? 500);
}

/** Every movement as CSV (date, kind, status, credits, service, job, API key, top-up, note). */
export async function usageCsv(accountId: string): Promise<string> {
  const items = await listActivity({ accountId, limit: 5000 });
  const lines = [
    csvRow(["date", "kind", "status", "credits", "description", "service", "job_id", "api_key", "topup_id"]),
  ];
  for (const item of items) {
    lines.push(
      csvRow([
        item.at,
        item.kind,
        item.status,
        item.credits,
        item.description,
        item.serviceId ?? "",
        item.jobId ?? "",
        item.apiKey?.name ?? "",
        item.topupId ?? "",
      ]),
    );
  }
  return lines.join("");
}
