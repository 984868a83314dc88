import type { Metadata } from "next";
import Link from "next/link";
import { formatDateTime, formatMoney } from "@/components/admin/format";
import { DataTable, type Column } from "@/components/admin/data-table";
import {
  Card,
  DefinitionList,
  IdLink,
  PageHeader,
  PaymentStatusBadges,
  Stat,
  StatusBadge,
} from "@/components/admin/ui";
import { loadOrNotFound, requireAdminPage } from "@/lib/admin/page-auth";
import { getAdminPaymentDetail } from "@/lib/admin/payments";
import { SERVICES } from "@/lib/catalog/services";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Payment" };

type Detail = Awaited<ReturnType<typeof getAdminPaymentDetail>>;

const JOB_COLUMNS: Array<Column<Detail["jobs"][number]>> = [
  { key: "job", header: "Job", cell: (job) => <IdLink href={`/admin/jobs/${job.id}`} id={job.id} short={false} /> },
  { key: "status", header: "Status", cell: (job) => <StatusBadge status={job.status} /> },
  { key: "queued", header: "Queued", className: "tabular-nums", cell: (job) => formatDateTime(job.queuedAt) },
  {
    key: "error",
    header: "Error",
    className: "text-xs text-red-700 dark:text-red-300",
    cell: (job) => job.errorCode ?? "",
  },
];

const LEDGER_COLUMNS: Array<Column<Detail["ledger"][number]>> = [
  { key: "when", header: "When", className: "tabular-nums", cell: (entry) => formatDateTime(entry.createdAt) },
  { key: "kind", header: "Kind", cell: (entry) => <StatusBadge status={entry.kind} /> },
  {
    key: "amount",
    header: "Amount",
    className: "tabular-nums",
    cell: (entry) => formatMoney(entry.kind === "refund" ? -entry.amountMinor : entry.amountMinor, entry.currency),
  },
  {
    key: "job",
    header: "Job",
    className: "font-mono text-xs",
    cell: (entry) =>
      entry.jobId ? (
        <Link href={`/admin/jobs/${entry.jobId}`} className="hover:underline">
          {entry.jobId.slice(0, 12)}…
        </Link>
      ) : (
        "—"
      ),
  },
  { key: "key", header: "Idempotency key", className: "font-mono text-xs", cell: (entry) => entry.idempotencyKey },
];

export default async function AdminPaymentPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdminPage();
  const { id } = await params;
  const detail = await loadOrNotFound(() => getAdminPaymentDetail(id), "payment_not_found");
  const { payment, jobs, ledger, totals } = detail;
  const c = payment.currency;
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/admin/payments" className="text-brand-700 hover:underline dark:text-brand-300">
          ← Payments
        </Link>
      </nav>
      <PageHeader
        title="Payment"
        description={
          <span className="inline-flex items-center gap-2">
            <code className="font-mono text-xs">{payment.id}</code>
            <PaymentStatusBadges
              status={payment.status}
              amountMinor={payment.amountMinor}
              refundedMinor={totals.refunded}
            />
          </span>
        }
      />
      <dl className="mb-6 grid grid-cols-2 gap-3 lg:grid-cols-4">
        <Stat
          label="Paid"
          value={formatMoney(payment.amountMinor, c)}
          hint={`${payment.units} edit${payment.units === 1 ? "" : "s"}`}
        />
        <Stat label="Captured" value={formatMoney(totals.captured, c)} />
        <Stat label="Released" value={formatMoney(totals.released, c)} hint="not charged (failed or canceled)" />
        <Stat
          label="Refunded"
          value={formatMoney(totals.refunded, c)}
          hint={
            detail.refundState === "partial"
              ? "partly: refunds are per edit"
              : detail.refundState === "full"
                ? "in full"
                : undefined
          }
        />
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
          <DataTable
            label="Jobs"
            caption="Jobs"
            columns={JOB_COLUMNS}
            rows={jobs}
            rowKey={(job) => job.id}
            empty="No job used this payment yet."
          />
          <DataTable
            label="Ledger"
            caption="Ledger"
            columns={LEDGER_COLUMNS}
            rows={ledger}
            rowKey={(entry) => entry.id}
            empty="No entries."
          />
        </div>
      </div>
    </>
  );
}
