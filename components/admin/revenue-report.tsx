import { SERVICES } from "@/lib/catalog/services";
import type { ReportRow, RevenueReport } from "@/lib/admin/payments";
import { BarChart } from "./bar-chart";
import { formatMoney } from "./format";
import { DataTable, type Column } from "./data-table";
import { Card, Stat } from "./ui";

const serviceName = (serviceId: string) => SERVICES[serviceId as keyof typeof SERVICES]?.name ?? serviceId;

function serviceColumns(currency: string): Array<Column<RevenueReport["byService"][number]>> {
  return [
    { key: "service", header: "Service", rowHeader: true, cell: (row) => serviceName(row.serviceId) },
    { key: "captures", header: "Captured edits", className: "tabular-nums", cell: (row) => row.captures },
    { key: "failed", header: "Failed jobs", className: "tabular-nums", cell: (row) => row.jobsFailed },
    {
      key: "revenue",
      header: "Revenue",
      className: "tabular-nums",
      cell: (row) => formatMoney(row.revenueMinor, currency),
    },
    {
      key: "refunds",
      header: "Refunds",
      className: "tabular-nums",
      cell: (row) => formatMoney(row.refundsMinor, currency),
    },
    {
      key: "cost",
      header: "Provider cost",
      className: "tabular-nums",
      cell: (row) => formatMoney(row.providerCostMinor, currency),
    },
    {
      key: "margin",
      header: "Margin",
      className: "tabular-nums font-medium",
      cell: (row) => formatMoney(row.marginMinor, currency),
    },
  ];
}

const DAY_COLUMNS: Array<Column<ReportRow>> = [
  { key: "day", header: "Day", className: "tabular-nums", cell: (row) => row.day },
  { key: "service", header: "Service", cell: (row) => serviceName(row.serviceId) },
  {
    key: "revenue",
    header: "Revenue",
    className: "tabular-nums",
    cell: (row) => formatMoney(row.revenueMinor, row.currency),
  },
  {
    key: "refunds",
    header: "Refunds",
    className: "tabular-nums",
    cell: (row) => formatMoney(row.refundsMinor, row.currency),
  },
  {
    key: "cost",
    header: "Provider cost",
    className: "tabular-nums",
    cell: (row) => formatMoney(row.providerCostMinor, row.currency),
  },
  {
    key: "margin",
    header: "Margin",
    className: "tabular-nums",
    cell: (row) => formatMoney(row.marginMinor, row.currency),
  },
];

const SERIES = [
  { key: "revenueMinor", label: "Revenue (captured)", color: "#1f5ae0" },
  { key: "refundsMinor", label: "Refunds", color: "#a855f7" },
  { key: "providerCostMinor", label: "Provider cost", color: "#f97316" },
  { key: "marginMinor", label: "Margin", color: "#10b981" },
];

export function RevenueReportView({ report, showDays = true }: { report: RevenueReport; showDays?: boolean }) {
  const c = report.currency;
  return (
    <div className="space-y-6">
      <dl className="grid grid-cols-2 gap-3 lg:grid-cols-4">
        <Stat
          label="Revenue"
          value={formatMoney(report.totals.revenueMinor, c)}
          hint={`${report.totals.captures} captured edits`}
        />
        <Stat
          label="Refunds"
          value={formatMoney(report.totals.refundsMinor, c)}
          hint={`${report.totals.refunds} refunds`}
        />
        <Stat label="Provider cost" value={formatMoney(report.totals.providerCostMinor, c)} />
        <Stat
          label="Margin"
          value={formatMoney(report.totals.marginMinor, c)}
          hint="revenue − refunds − provider cost"
        />
      </dl>
      <Card title={`Per day, ${report.from} to ${report.to}`}>
        <BarChart
          title="Revenue, refunds, provider cost and margin per day"
          labels={report.byDay.map((d) => d.day)}
          series={SERIES}
          values={report.byDay.map(({ day: _day, ...values }) => values)}
          currency={c}
        />
      </Card>
      <DataTable
        label="Per service"
        caption="Per service"
        columns={serviceColumns(c)}
        rows={report.byService}
        rowKey={(row) => row.serviceId}
      />
      {showDays ? (
        <details className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
          <summary className="cursor-pointer text-sm font-semibold">Per day and service (table)</summary>
          <div className="mt-3">
            <DataTable
              label="Per day and service"
              columns={DAY_COLUMNS}
              rows={report.rows}
              rowKey={(row) => `${row.day}-${row.serviceId}`}
              empty="No money moved in this range."
            />
          </div>
        </details>
      ) : null}
    </div>
  );
}
