import type { Metadata } from "next";
import Link from "next/link";
import { formatDateTime, formatMoney } from "@/components/admin/format";
import { RevenueReportView } from "@/components/admin/revenue-report";
import { DataTable, type Column } from "@/components/admin/data-table";
import {
  Card,
  IdLink,
  PageHeader,
  Pagination,
  PaymentStatusBadges,
  inputStyles,
  labelStyles,
} from "@/components/admin/ui";
import { buttonStyles } from "@/components/ui/button";
import { requireAdminPage } from "@/lib/admin/page-auth";
import {
  PAYMENT_METHODS,
  PAYMENT_STATUSES,
  defaultRange,
  getRevenueReport,
  listAdminPayments,
  parsePaymentFilters,
  type AdminPaymentRow,
  type PaymentFilters,
} from "@/lib/admin/payments";
import { SERVICES, SERVICE_IDS } from "@/lib/catalog/services";
import { isAppError } from "@/lib/errors";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Payments" };

function hrefWith(
  filters: PaymentFilters,
  patch: Partial<PaymentFilters>,
  report: { from: string; to: string },
): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filters, ...patch })) {
    if (value === undefined || value === "" || (key === "page" && value === 1) || (key === "pageSize" && value === 25))
      continue;
    query.set(key, String(value));
  }
  query.set("rfrom", report.from);
  query.set("rto", report.to);
  return `/admin/payments?${query.toString()}`;
}

const PAYMENT_COLUMNS: Array<Column<AdminPaymentRow>> = [
  { key: "payment", header: "Payment", cell: (p) => <IdLink href={`/admin/payments/${p.id}`} id={p.id} /> },
  { key: "created", header: "Created", className: "tabular-nums", cell: (p) => formatDateTime(p.createdAt) },
  {
    key: "service",
    header: "Service",
    cell: (p) => SERVICES[p.serviceId as keyof typeof SERVICES]?.name ?? p.serviceId,
  },
  { key: "method", header: "Method", cell: (p) => p.method },
  {
    key: "status",
    header: "Status",
    cell: (p) => <PaymentStatusBadges status={p.status} amountMinor={p.amountMinor} refundedMinor={p.refundedMinor} />,
  },
  { key: "amount", header: "Amount", className: "tabular-nums", cell: (p) => formatMoney(p.amountMinor, p.currency) },
  {
    key: "refunded",
    header: "Refunded",
    className: "tabular-nums",
    cell: (p) => (p.refundedMinor ? formatMoney(p.refundedMinor, p.currency) : "—"),
  },
  { key: "edits", header: "Edits", className: "tabular-nums", cell: (p) => `${p.units - p.usesLeft} / ${p.units}` },
  { key: "jobs", header: "Jobs", className: "tabular-nums", cell: (p) => p._count.jobs },
];

export default async function AdminPaymentsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireAdminPage();
  const raw = await searchParams;
  const filters = parsePaymentFilters(raw);
  const fallback = defaultRange();
  const pick = (key: string) =>
    typeof raw[key] === "string" && /^\d{4}-\d{2}-\d{2}$/.test(raw[key]) ? raw[key] : undefined;
  const range = { from: pick("rfrom") ?? fallback.from, to: pick("rto") ?? fallback.to };
  let report;
  let reportError: string | null = null;
  try {
    report = await getRevenueReport(range);
  } catch (error) {
    if (!isAppError(error)) throw error;
    reportError = error.message;
    report = await getRevenueReport(fallback);
  }
  const result = await listAdminPayments(filters);
  return (
    <>
      <PageHeader
        title="Payments"
        description="Revenue, refunds, provider cost and margin — all sums of ledger entries and job costs, never counters."
      />
      <form
        method="get"
        action="/admin/payments"
        className="mb-4 flex flex-wrap items-end gap-3"
        aria-label="Report range"
      >
        <div>
          <label htmlFor="r-from" className={labelStyles}>
            Report from
          </label>
          <input id="r-from" type="date" name="rfrom" defaultValue={report.from} className={inputStyles} />
        </div>
        <div>
          <label htmlFor="r-to" className={labelStyles}>
            Report to
          </label>
          <input id="r-to" type="date" name="rto" defaultValue={report.to} className={inputStyles} />
        </div>
        <button type="submit" className={buttonStyles({ size: "sm", variant: "secondary" })}>
          Show
        </button>
        {reportError ? (
          <p role="alert" className="text-sm text-red-600">
            {reportError}
          </p>
        ) : null}
      </form>
      <RevenueReportView report={report} />

      <Card title="Export CSV" className="mt-6">
        <form method="get" action="/api/admin/export" className="flex flex-wrap items-end gap-3">
          <div>
            <label htmlFor="x-kind" className={labelStyles}>
              What
            </label>
            <select id="x-kind" name="kind" className={inputStyles} defaultValue="payments">
              <option value="payments">Payments</option>
              <option value="jobs">Jobs</option>
            </select>
          </div>
          <div>
            <label htmlFor="x-from" className={labelStyles}>
              From
            </label>
            <input id="x-from" type="date" name="from" required defaultValue={report.from} className={inputStyles} />
          </div>
          <div>
            <label htmlFor="x-to" className={labelStyles}>
              To
            </label>
            <input id="x-to" type="date" name="to" required defaultValue={report.to} className={inputStyles} />
          </div>
          <button type="submit" className={buttonStyles({ size: "sm" })}>
            Download CSV
          </button>
        </form>
      </Card>

      <h2 className="mt-10 mb-3 text-lg font-semibold">All payments</h2>
      <form
        method="get"
        action="/admin/payments"
        className="mb-4 grid gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-2 lg:grid-cols-6 dark:border-slate-800 dark:bg-slate-900"
        aria-label="Filter payments"
      >
        <input type="hidden" name="rfrom" value={report.from} />
        <input type="hidden" name="rto" value={report.to} />
        <div className="lg:col-span-2">
          <label htmlFor="p-q" className={labelStyles}>
            Search (payment id, job id, Stripe session)
          </label>
          <input id="p-q" name="q" type="search" defaultValue={filters.q ?? ""} className={inputStyles} />
        </div>
        <div>
          <label htmlFor="p-status" className={labelStyles}>
            Status
          </label>
          <select id="p-status" name="status" defaultValue={filters.status ?? ""} className={inputStyles}>
            <option value="">Any</option>
            {PAYMENT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="p-method" className={labelStyles}>
            Method
          </label>
          <select id="p-method" name="method" defaultValue={filters.method ?? ""} className={inputStyles}>
            <option value="">Any</option>
            {PAYMENT_METHODS.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="p-service" className={labelStyles}>
            Service
          </label>
          <select id="p-service" name="service" defaultValue={filters.service ?? ""} className={inputStyles}>
            <option value="">Any</option>
            {SERVICE_IDS.map((id) => (
              <option key={id} value={id}>
                {SERVICES[id].name}
              </option>
            ))}
          </select>
        </div>
        <div className="flex items-end gap-2">
          <button type="submit" className={buttonStyles({ size: "sm" })}>
            Apply
          </button>
          <Link href="/admin/payments" className={buttonStyles({ size: "sm", variant: "ghost" })}>
            Clear
          </Link>
        </div>
      </form>
      <DataTable
        label="Payments"
        columns={PAYMENT_COLUMNS}
        rows={result.rows}
        rowKey={(p) => p.id}
        empty="No payments match."
      />
      <Pagination
        page={result.page}
        pages={result.pages}
        total={result.total}
        hrefFor={(page) => hrefWith(filters, { page }, report)}
      />
    </>
  );
}
