import type { Metadata } from "next";
import Link from "next/link";
import { formatDateTime, formatDuration, formatMoney } from "@/components/admin/format";
import { DataTable, type Column, type ColumnSort } from "@/components/admin/data-table";
import { IdLink, PageHeader, Pagination, StatusBadge, inputStyles, labelStyles } from "@/components/admin/ui";
import { buttonStyles } from "@/components/ui/button";
import {
  JOB_STATUSES,
  listAdminJobs,
  listJobProviders,
  parseJobFilters,
  type AdminJobRow,
  type JobFilters,
} from "@/lib/admin/jobs";
import { requireAdminPage } from "@/lib/admin/page-auth";
import { SERVICES, SERVICE_IDS } from "@/lib/catalog/services";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Jobs" };

function hrefWith(filters: JobFilters, patch: Partial<JobFilters>): string {
  const merged = { ...filters, ...patch };
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(merged)) {
    if (value === undefined || value === "") continue;
    if (key === "page" && value === 1) continue;
    if (key === "pageSize" && value === 25) continue;
    if (key === "sort" && value === "time") continue;
    if (key === "dir" && value === "desc") continue;
    query.set(key, String(value));
  }
  const text = query.toString();
  return `/admin/jobs${text ? `?${text}` : ""}`;
}

function sortBy(filters: JobFilters, sort: JobFilters["sort"]): ColumnSort {
  const current = filters.sort === sort ? filters.dir : null;
  const next = current === "desc" ? "asc" : "desc";
  return { href: hrefWith(filters, { sort, dir: next, page: 1 }), current, next };
}

function jobColumns(filters: JobFilters): Array<Column<AdminJobRow>> {
  return [
    {
      key: "job",
      header: "Job",
      cell: (row) => (
        <>
          <IdLink href={`/admin/jobs/${row.id}`} id={row.id} />
          {row.rerunOfJobId ? <span className="ml-1 text-xs text-violet-600">re-run</span> : null}
          {row.batchId ? <span className="ml-1 text-xs text-slate-500">batch</span> : null}
        </>
      ),
    },
    {
      key: "service",
      header: "Service",
      cell: (row) => SERVICES[row.serviceId as keyof typeof SERVICES]?.name ?? row.serviceId,
    },
    { key: "status", header: "Status", cell: (row) => <StatusBadge status={row.status} /> },
    { key: "provider", header: "Provider", cell: (row) => row.provider ?? "—" },
    {
      key: "queued",
      header: "Queued",
      sort: sortBy(filters, "time"),
      className: "tabular-nums",
      cell: (row) => formatDateTime(row.queuedAt),
    },
    {
      key: "duration",
      header: "Duration",
      sort: sortBy(filters, "duration"),
      className: "tabular-nums",
      cell: (row) => formatDuration(row.durationMs),
    },
    {
      key: "price",
      header: "Price",
      className: "tabular-nums",
      cell: (row) => (row.priceMinor === null ? "free" : formatMoney(row.priceMinor, row.currency ?? "USD")),
    },
    {
      key: "payment",
      header: "Payment",
      cell: (row) => (row.paymentStatus ? <StatusBadge status={row.paymentStatus} /> : "—"),
    },
    {
      key: "error",
      header: "Error",
      className: "max-w-48 truncate text-xs text-red-700 dark:text-red-300",
      cell: (row) => <span title={row.errorCode ?? undefined}>{row.errorCode ?? ""}</span>,
    },
  ];
}

export default async function AdminJobsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireAdminPage();
  const filters = parseJobFilters(await searchParams);
  const [result, providers] = await Promise.all([listAdminJobs(filters), listJobProviders()]);
  return (
    <>
      <PageHeader
        title="Jobs"
        description="Every edit: status, provider, timing and what it cost. Filter, sort, and open one to refund or re-run it."
      />
      <form
        method="get"
        action="/admin/jobs"
        className="mb-4 grid gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-2 lg:grid-cols-6 dark:border-slate-800 dark:bg-slate-900"
        aria-label="Filter jobs"
      >
        <div className="lg:col-span-2">
          <label htmlFor="f-q" className={labelStyles}>
            Search (job, payment, batch or request id; error)
          </label>
          <input
            id="f-q"
            name="q"
            type="search"
            defaultValue={filters.q ?? ""}
            className={inputStyles}
            placeholder="job_…"
          />
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

      <DataTable
        label="Jobs"
        columns={jobColumns(filters)}
        rows={result.rows}
        rowKey={(row) => row.id}
        empty="No jobs match these filters."
        bodyTestId="jobs-table-body"
      />
      <Pagination
        page={result.page}
        pages={result.pages}
        total={result.total}
        hrefFor={(page) => hrefWith(filters, { page })}
      />
    </>
  );
}
