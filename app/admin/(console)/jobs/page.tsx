import type { Metadata } from "next";
import Link from "next/link";
import { formatDateTime, formatDuration, formatMoney, shortId } from "@/components/admin/format";
import { EmptyRow, PageHeader, Pagination, StatusBadge, TableWrap, inputStyles, labelStyles, td, th } from "@/components/admin/ui";
import { buttonStyles } from "@/components/ui/button";
import { JOB_STATUSES, listAdminJobs, listJobProviders, parseJobFilters, type JobFilters } from "@/lib/admin/jobs";
import { requireAdminPage } from "@/lib/admin/page-auth";
import { SERVICES, SERVICE_IDS } from "@/lib/catalog/services";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Jobs" };

function hrefWith(filters: JobFilters, patch: Partial<JobFilters>): string {
  const merged = { ...filters, ...patch };
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(merged)) {
    if (value === undefined || value === "" ) continue;
    if (key === "page" && value === 1) continue;
    if (key === "pageSize" && value === 25) continue;
    if (key === "sort" && value === "time") continue;
    if (key === "dir" && value === "desc") continue;
    query.set(key, String(value));
  }
  const text = query.toString();
  return `/admin/jobs${text ? `?${text}` : ""}`;
}

function SortHeader({ filters, sort, label }: { filters: JobFilters; sort: "time" | "duration"; label: string }) {
  const active = filters.sort === sort;
  const nextDir = active && filters.dir === "desc" ? "asc" : "desc";
  return (
    <th scope="col" className={th} aria-sort={active ? (filters.dir === "asc" ? "ascending" : "descending") : "none"}>
      <Link href={hrefWith(filters, { sort, dir: nextDir, page: 1 })} className="inline-flex items-center gap-1 hover:text-slate-900 dark:hover:text-white">
        {label}
        <span aria-hidden>{active ? (filters.dir === "asc" ? "▲" : "▼") : "↕"}</span>
        <span className="sr-only">, sort {nextDir === "asc" ? "ascending" : "descending"}</span>
      </Link>
    </th>
  );
}

export default async function AdminJobsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireAdminPage();
  const filters = parseJobFilters(await searchParams);
  const [result, providers] = await Promise.all([listAdminJobs(filters), listJobProviders()]);
  return (
    <>
      <PageHeader title="Jobs" description="Every edit: status, provider, timing and what it cost. Filter, sort, and open one to refund or re-run it." />
      <form method="get" action="/admin/jobs" className="mb-4 grid gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-2 lg:grid-cols-6 dark:border-slate-800 dark:bg-slate-900" aria-label="Filter jobs">
        <div className="lg:col-span-2">
          <label htmlFor="f-q" className={labelStyles}>
            Search (job, payment, batch or request id; error)
          </label>
          <input id="f-q" name="q" type="search" defaultValue={filters.q ?? ""} className={inputStyles} placeholder="job_…" />
        </div>
        <div>
          <label htmlFor="f-status" className={labelStyles}>
            Status
          </label>
          <select id="f-status" name="status" defaultValue={filters.status ?? ""} className={inputStyles}>
            <option value="">Any</option>
            {JOB_STATUSES.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="f-service" className={labelStyles}>
            Service
          </label>
          <select id="f-service" name="service" defaultValue={filters.service ?? ""} className={inputStyles}>
            <option value="">Any</option>
            {SERVICE_IDS.map((id) => (
              <option key={id} value={id}>
                {SERVICES[id].name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="f-provider" className={labelStyles}>
            Provider
          </label>
          <select id="f-provider" name="provider" defaultValue={filters.provider ?? ""} className={inputStyles}>
            <option value="">Any</option>
            {[...new Set([...providers, ...(filters.provider ? [filters.provider] : [])])].map((provider) => (
              <option key={provider} value={provider}>
                {provider}
              </option>
            ))}
          </select>
        </div>
        <div className="grid grid-cols-2 gap-2 lg:col-span-1">
          <div>
            <label htmlFor="f-from" className={labelStyles}>
              From
            </label>
            <input id="f-from" name="from" type="date" defaultValue={filters.from ?? ""} className={inputStyles} />
          </div>
          <div>
            <label htmlFor="f-to" className={labelStyles}>
              To
            </label>
            <input id="f-to" name="to" type="date" defaultValue={filters.to ?? ""} className={inputStyles} />
          </div>
        </div>
        <input type="hidden" name="sort" value={filters.sort} />
        <input type="hidden" name="dir" value={filters.dir} />
        <div className="flex items-end gap-2 sm:col-span-2 lg:col-span-6">
          <button type="submit" className={buttonStyles({ size: "sm" })}>
            Apply filters
          </button>
          <Link href="/admin/jobs" className={buttonStyles({ variant: "ghost", size: "sm" })}>
            Clear
          </Link>
        </div>
      </form>

      <TableWrap label="Jobs">
        <thead className="bg-slate-50 dark:bg-slate-950">
          <tr>
            <th scope="col" className={th}>
              Job
            </th>
            <th scope="col" className={th}>
              Service
            </th>
            <th scope="col" className={th}>
              Status
            </th>
            <th scope="col" className={th}>
              Provider
            </th>
            <SortHeader filters={filters} sort="time" label="Queued" />
            <SortHeader filters={filters} sort="duration" label="Duration" />
            <th scope="col" className={th}>
              Price
            </th>
            <th scope="col" className={th}>
              Payment
            </th>
            <th scope="col" className={th}>
              Error
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800" data-testid="jobs-table-body">
          {result.rows.length === 0 ? (
            <EmptyRow colSpan={9}>No jobs match these filters.</EmptyRow>
          ) : (
            result.rows.map((row) => (
              <tr key={row.id} className="hover:bg-slate-50 dark:hover:bg-slate-800/50">
                <td className={td}>
                  <Link href={`/admin/jobs/${row.id}`} className="font-mono text-xs font-medium text-brand-700 hover:underline dark:text-brand-300" title={row.id}>
                    {shortId(row.id)}
                  </Link>
                  {row.rerunOfJobId ? <span className="ml-1 text-xs text-violet-600">re-run</span> : null}
                  {row.batchId ? <span className="ml-1 text-xs text-slate-500">batch</span> : null}
                </td>
                <td className={td}>{SERVICES[row.serviceId as keyof typeof SERVICES]?.name ?? row.serviceId}</td>
                <td className={td}>
                  <StatusBadge status={row.status} />
                </td>
                <td className={td}>{row.provider ?? "—"}</td>
                <td className={`${td} tabular-nums`}>{formatDateTime(row.queuedAt)}</td>
                <td className={`${td} tabular-nums`}>{formatDuration(row.durationMs)}</td>
                <td className={`${td} tabular-nums`}>{row.priceMinor === null ? "free" : formatMoney(row.priceMinor, row.currency ?? "USD")}</td>
                <td className={td}>{row.paymentStatus ? <StatusBadge status={row.paymentStatus} /> : "—"}</td>
                <td className={`${td} max-w-48 truncate text-xs text-red-700 dark:text-red-300`} title={row.errorCode ?? undefined}>
                  {row.errorCode ?? ""}
                </td>
              </tr>
            ))
          )}
        </tbody>
      </TableWrap>
      <Pagination page={result.page} pages={result.pages} total={result.total} hrefFor={(page) => hrefWith(filters, { page })} />
    </>
  );
}
