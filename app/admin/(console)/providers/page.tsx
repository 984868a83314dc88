import type { Metadata } from "next";
import { DataTable, type Column } from "@/components/admin/data-table";
import { formatDateTime, formatDuration, formatMoney } from "@/components/admin/format";
import { Badge, PageHeader, StatusBadge } from "@/components/admin/ui";
import { requireAdminPage } from "@/lib/admin/page-auth";
import { getCostWarnings, getProvidersOverview } from "@/lib/admin/providers";
import { SERVICES } from "@/lib/catalog/services";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Providers" };

type Provider = Awaited<ReturnType<typeof getProvidersOverview>>[number];

const PROVIDER_COLUMNS: Array<Column<Provider>> = [
  { key: "provider", header: "Provider", rowHeader: true, cell: (p) => p.id },
  {
    key: "configured",
    header: "Configured",
    cell: (p) => (
      <>
        <Badge tone={p.configured ? "green" : "slate"}>{p.configured ? "yes" : "no"}</Badge>
        <div className="mt-1 text-xs text-slate-500">{p.detail}</div>
      </>
    ),
  },
  {
    key: "services",
    header: "Used for (fallback order)",
    className: "whitespace-normal text-xs",
    cell: (p) =>
      p.services.length
        ? p.services.map((s) => `${SERVICES[s.serviceId].name} (#${s.position})`).join(", ")
        : "not in any list",
  },
  { key: "calls", header: "Calls 24 h", className: "tabular-nums", cell: (p) => p.calls24h },
  {
    key: "success",
    header: "Success",
    className: "tabular-nums",
    cell: (p) =>
      p.successRate === null ? (
        "—"
      ) : (
        <span className={p.successRate < 0.9 ? "text-red-700 dark:text-red-300" : undefined}>
          {(p.successRate * 100).toFixed(1)}%
        </span>
      ),
  },
  {
    key: "latency",
    header: "Latency p50 / p95",
    className: "tabular-nums",
    cell: (p) => `${formatDuration(p.latencyP50Ms)} / ${formatDuration(p.latencyP95Ms)}`,
  },
  {
    key: "circuit",
    header: "Circuit",
    cell: (p) =>
      p.circuit ? (
        <>
          <StatusBadge status={p.circuit.state} />
          {p.circuit.consecutiveFailures ? (
            <div className="mt-1 text-xs text-slate-500">{p.circuit.consecutiveFailures} failures in a row</div>
          ) : null}
          {p.circuit.retryAt ? (
            <div className="text-xs text-slate-500">retry {formatDateTime(p.circuit.retryAt)}</div>
          ) : null}
        </>
      ) : (
        <span className="text-xs text-slate-500">closed (no calls yet)</span>
      ),
  },
  {
    key: "error",
    header: "Last error",
    className: "max-w-72 whitespace-normal text-xs text-red-700 dark:text-red-300",
    cell: (p) =>
      p.lastError ? `${formatDateTime(p.lastError.at)} · ${p.lastError.code ?? ""}: ${p.lastError.message ?? ""}` : "",
  },
];

export default async function AdminProvidersPage() {
  await requireAdminPage();
  const [providers, costWarnings] = await Promise.all([getProvidersOverview(), getCostWarnings()]);
  return (
    <>
      <PageHeader
        title="Providers"
        description="Which engines are configured (PROVIDER_* lists and keys), how the last 24 hours went, and each circuit breaker."
      />
      {costWarnings.length > 0 ? (
        <div
          role="alert"
          className="mb-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
        >
          <p className="font-medium">Some edits cost more than they sell for</p>
          <ul className="mt-1 list-disc pl-5">
            {costWarnings.map((w) => (
              <li key={`${w.providerId}-${w.serviceId}`}>
                {w.providerId} · {SERVICES[w.serviceId].name}: costs {formatMoney(w.costMinor, w.currency)} per edit,
                sells for {formatMoney(w.priceMinor, w.currency)}. Raise the price in Catalog or lower the
                provider&apos;s cost setting.
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <DataTable
        label="Providers"
        columns={PROVIDER_COLUMNS}
        rows={providers}
        rowKey={(p) => p.id}
        empty="No provider is known."
      />
    </>
  );
}
