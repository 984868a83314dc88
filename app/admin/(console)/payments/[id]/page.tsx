import type { Metadata } from "next";
import Link from "next/link";
import { formatDateTime, formatMoney } from "@/components/admin/format";
import { Card, DefinitionList, EmptyRow, PageHeader, Stat, StatusBadge, TableWrap, td, th } from "@/components/admin/ui";
import { loadOrNotFound, requireAdminPage } from "@/lib/admin/page-auth";
import { getAdminPaymentDetail } from "@/lib/admin/payments";
import { SERVICES } from "@/lib/catalog/services";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Payment" };

export default async function AdminPaymentPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdminPage();
  const { id } = await params;
  const detail = await loadOrNotFound(() => getAdminPaymentDetail(id), "payment_not_found");
  const { payment, jobs, ledger, totals } = detail;
  const c = payment.currency;
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/admin/payments" className="text-brand-700 hover:underline dark:text-brand-300">← Payments</Link>
      </nav>
      <PageHeader title="Payment" description={<span className="inline-flex items-center gap-2"><code className="font-mono text-xs">{payment.id}</code><StatusBadge status={payment.status} /></span>} />
      <dl className="mb-6 grid grid-cols-2 gap-3 lg:grid-cols-4">
        <Stat label="Paid" value={formatMoney(payment.amountMinor, c)} hint={`${payment.units} edit${payment.units === 1 ? "" : "s"}`} />
        <Stat label="Captured" value={formatMoney(totals.captured, c)} />
        <Stat label="Released" value={formatMoney(totals.released, c)} hint="not charged (failed or canceled)" />
        <Stat label="Refunded" value={formatMoney(totals.refunded, c)} />
      </dl>
      <div className="grid gap-6 xl:grid-cols-3">
        <Card title="Details">
          <DefinitionList
            items={[
              ["Service", SERVICES[payment.serviceId as keyof typeof SERVICES]?.name ?? payment.serviceId],
              ["Method", payment.method === "sandbox" ? "sandbox (no money moves)" : payment.method],
              ["Created", formatDateTime(payment.createdAt)],
              ["Paid", formatDateTime(payment.paidAt)],
              ["Uses left", `${payment.usesLeft} of ${payment.units}`],
              ["External reference", payment.externalRef ?? "—"],
              ["Payer", payment.payer ?? "—"],
              ["Transaction", payment.txHash ?? "—"],
            ]}
          />
        </Card>
        <div className="space-y-6 xl:col-span-2">
          <TableWrap label="Jobs">
            <caption className="px-3 pt-3 text-left text-sm font-semibold">Jobs</caption>
            <thead className="bg-slate-50 dark:bg-slate-950">
              <tr>
                <th scope="col" className={th}>Job</th>
                <th scope="col" className={th}>Status</th>
                <th scope="col" className={th}>Queued</th>
                <th scope="col" className={th}>Error</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {jobs.length === 0 ? <EmptyRow colSpan={4}>No job used this payment yet.</EmptyRow> : jobs.map((job) => (
                <tr key={job.id}>
                  <td className={td}><Link href={`/admin/jobs/${job.id}`} className="font-mono text-xs text-brand-700 hover:underline dark:text-brand-300">{job.id}</Link></td>
                  <td className={td}><StatusBadge status={job.status} /></td>
                  <td className={`${td} tabular-nums`}>{formatDateTime(job.queuedAt)}</td>
                  <td className={`${td} text-xs text-red-700 dark:text-red-300`}>{job.errorCode ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </TableWrap>
          <TableWrap label="Ledger">
            <caption className="px-3 pt-3 text-left text-sm font-semibold">Ledger</caption>
            <thead className="bg-slate-50 dark:bg-slate-950">
              <tr>
                <th scope="col" className={th}>When</th>
                <th scope="col" className={th}>Kind</th>
                <th scope="col" className={th}>Amount</th>
                <th scope="col" className={th}>Job</th>
                <th scope="col" className={th}>Idempotency key</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {ledger.length === 0 ? <EmptyRow colSpan={5}>No entries.</EmptyRow> : ledger.map((entry) => (
                <tr key={entry.id}>
                  <td className={`${td} tabular-nums`}>{formatDateTime(entry.createdAt)}</td>
                  <td className={td}><StatusBadge status={entry.kind} /></td>
                  <td className={`${td} tabular-nums`}>{formatMoney(entry.kind === "refund" ? -entry.amountMinor : entry.amountMinor, entry.currency)}</td>
                  <td className={`${td} font-mono text-xs`}>{entry.jobId ? <Link href={`/admin/jobs/${entry.jobId}`} className="hover:underline">{entry.jobId.slice(0, 12)}…</Link> : "—"}</td>
                  <td className={`${td} font-mono text-xs`}>{entry.idempotencyKey}</td>
                </tr>
              ))}
            </tbody>
          </TableWrap>
        </div>
      </div>
    </>
  );
}
