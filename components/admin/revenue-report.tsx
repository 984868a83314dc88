import { SERVICES } from "@/lib/catalog/services";
import type { RevenueReport } from "@/lib/admin/payments";
import { BarChart } from "./bar-chart";
import { formatMoney } from "./format";
import { Card, Stat, TableWrap, td, th } from "./ui";

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
        <Stat label="Revenue" value={formatMoney(report.totals.revenueMinor, c)} hint={`${report.totals.captures} captured edits`} />
        <Stat label="Refunds" value={formatMoney(report.totals.refundsMinor, c)} hint={`${report.totals.refunds} refunds`} />
        <Stat label="Provider cost" value={formatMoney(report.totals.providerCostMinor, c)} />
        <Stat label="Margin" value={formatMoney(report.totals.marginMinor, c)} hint="revenue − refunds − provider cost" />
      </dl>
      <Card title={`Per day, ${report.from} to ${report.to}`}>
        <BarChart title="Revenue, refunds, provider cost and margin per day" labels={report.byDay.map((d) => d.day)} series={SERIES} values={report.byDay.map(({ day: _day, ...values }) => values)} currency={c} />
      </Card>
      <TableWrap label="Per service">
        <caption className="px-3 pt-3 text-left text-sm font-semibold">Per service</caption>
        <thead className="bg-slate-50 dark:bg-slate-950">
          <tr>
            <th scope="col" className={th}>Service</th>
            <th scope="col" className={th}>Captured edits</th>
            <th scope="col" className={th}>Failed jobs</th>
            <th scope="col" className={th}>Revenue</th>
            <th scope="col" className={th}>Refunds</th>
            <th scope="col" className={th}>Provider cost</th>
            <th scope="col" className={th}>Margin</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {report.byService.map((row) => (
            <tr key={row.serviceId}>
              <th scope="row" className={`${td} text-left font-medium`}>{SERVICES[row.serviceId as keyof typeof SERVICES]?.name ?? row.serviceId}</th>
              <td className={`${td} tabular-nums`}>{row.captures}</td>
              <td className={`${td} tabular-nums`}>{row.jobsFailed}</td>
              <td className={`${td} tabular-nums`}>{formatMoney(row.revenueMinor, c)}</td>
              <td className={`${td} tabular-nums`}>{formatMoney(row.refundsMinor, c)}</td>
              <td className={`${td} tabular-nums`}>{formatMoney(row.providerCostMinor, c)}</td>
              <td className={`${td} tabular-nums font-medium`}>{formatMoney(row.marginMinor, c)}</td>
            </tr>
          ))}
        </tbody>
      </TableWrap>
      {showDays ? (
        <details className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
          <summary className="cursor-pointer text-sm font-semibold">Per day and service (table)</summary>
          <div className="mt-3">
            <TableWrap label="Per day and service">
              <thead className="bg-slate-50 dark:bg-slate-950">
                <tr>
                  <th scope="col" className={th}>Day</th>
                  <th scope="col" className={th}>Service</th>
                  <th scope="col" className={th}>Revenue</th>
                  <th scope="col" className={th}>Refunds</th>
                  <th scope="col" className={th}>Provider cost</th>
                  <th scope="col" className={th}>Margin</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                {report.rows.length === 0 ? (
                  <tr>
                    <td colSpan={6} className="px-3 py-6 text-center text-slate-500">No money moved in this range.</td>
                  </tr>
                ) : (
                  report.rows.map((row) => (
                    <tr key={`${row.day}-${row.serviceId}`}>
                      <td className={`${td} tabular-nums`}>{row.day}</td>
                      <td className={td}>{SERVICES[row.serviceId as keyof typeof SERVICES]?.name ?? row.serviceId}</td>
                      <td className={`${td} tabular-nums`}>{formatMoney(row.revenueMinor, row.currency)}</td>
                      <td className={`${td} tabular-nums`}>{formatMoney(row.refundsMinor, row.currency)}</td>
                      <td className={`${td} tabular-nums`}>{formatMoney(row.providerCostMinor, row.currency)}</td>
                      <td className={`${td} tabular-nums`}>{formatMoney(row.marginMinor, row.currency)}</td>
                    </tr>
                  ))
                )}
              </tbody>
            </TableWrap>
          </div>
        </details>
      ) : null}
    </div>
  );
}
