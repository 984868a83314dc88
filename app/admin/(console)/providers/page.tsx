import type { Metadata } from "next";
import { formatDateTime, formatDuration } from "@/components/admin/format";
import { Badge, PageHeader, StatusBadge, TableWrap, td, th } from "@/components/admin/ui";
import { requireAdminPage } from "@/lib/admin/page-auth";
import { getProvidersOverview } from "@/lib/admin/providers";
import { SERVICES } from "@/lib/catalog/services";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Providers" };

export default async function AdminProvidersPage() {
  await requireAdminPage();
  const providers = await getProvidersOverview();
  return (
    <>
      <PageHeader title="Providers" description="Which engines are configured (PROVIDER_* lists and keys), how the last 24 hours went, and each circuit breaker." />
      <TableWrap label="Providers">
        <thead className="bg-slate-50 dark:bg-slate-950">
          <tr>
            <th scope="col" className={th}>Provider</th>
            <th scope="col" className={th}>Configured</th>
            <th scope="col" className={th}>Used for (fallback order)</th>
            <th scope="col" className={th}>Calls 24 h</th>
            <th scope="col" className={th}>Success</th>
            <th scope="col" className={th}>Latency p50 / p95</th>
            <th scope="col" className={th}>Circuit</th>
            <th scope="col" className={th}>Last error</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {providers.map((p) => (
            <tr key={p.id}>
              <th scope="row" className={`${td} text-left font-medium`}>{p.id}</th>
              <td className={td}>
                <Badge tone={p.configured ? "green" : "slate"}>{p.configured ? "yes" : "no"}</Badge>
                <div className="mt-1 text-xs text-slate-500">{p.detail}</div>
              </td>
              <td className={`${td} whitespace-normal text-xs`}>
                {p.services.length ? p.services.map((s) => `${SERVICES[s.serviceId].name} (#${s.position})`).join(", ") : "not in any list"}
              </td>
              <td className={`${td} tabular-nums`}>{p.calls24h}</td>
              <td className={`${td} tabular-nums`}>
                {p.successRate === null ? "—" : (
                  <span className={p.successRate < 0.9 ? "text-red-700 dark:text-red-300" : undefined}>{(p.successRate * 100).toFixed(1)}%</span>
                )}
              </td>
              <td className={`${td} tabular-nums`}>{formatDuration(p.latencyP50Ms)} / {formatDuration(p.latencyP95Ms)}</td>
              <td className={td}>
                {p.circuit ? (
                  <>
                    <StatusBadge status={p.circuit.state} />
                    {p.circuit.consecutiveFailures ? <div className="mt-1 text-xs text-slate-500">{p.circuit.consecutiveFailures} failures in a row</div> : null}
                    {p.circuit.retryAt ? <div className="text-xs text-slate-500">retry {formatDateTime(p.circuit.retryAt)}</div> : null}
                  </>
                ) : (
                  <span className="text-xs text-slate-500">closed (no calls yet)</span>
                )}
              </td>
              <td className={`${td} max-w-72 whitespace-normal text-xs text-red-700 dark:text-red-300`}>
                {p.lastError ? `${formatDateTime(p.lastError.at)} · ${p.lastError.code ?? ""}: ${p.lastError.message ?? ""}` : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </TableWrap>
    </>
  );
}
