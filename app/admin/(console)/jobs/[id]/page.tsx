import type { Metadata } from "next";
import Link from "next/link";
import { formatBytesShort, formatDateTime, formatDuration, formatMoney } from "@/components/admin/format";
import { JobActions } from "@/components/admin/job-actions";
import { DataTable, type Column } from "@/components/admin/data-table";
import { Badge, Card, DefinitionList, PageHeader, PaymentStatusBadges, StatusBadge } from "@/components/admin/ui";
import { getAdminJobDetail, type AdminAssetView, type AdminJobDetail } from "@/lib/admin/jobs";
import { loadOrNotFound, requireAdminPage } from "@/lib/admin/page-auth";
import { SERVICES } from "@/lib/catalog/services";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Job" };

function AssetFigure({ label, asset }: { label: string; asset: AdminAssetView | null }) {
  return (
    <figure className="min-w-0">
      <div className="checkerboard flex aspect-[4/3] items-center justify-center overflow-hidden rounded-lg border border-slate-200 dark:border-slate-800">
        {asset?.url ? (
          // eslint-disable-next-line @next/next/no-img-element -- signed, expiring URLs; no optimisation wanted
          <img src={asset.url} alt={`${label} image`} className="h-full w-full object-contain" />
        ) : (
          <span className="bg-white/80 px-2 py-1 text-sm text-slate-500 dark:bg-slate-900/80">
            {asset ? "Deleted" : "None"}
          </span>
        )}
      </div>
      <figcaption className="mt-2 text-xs text-slate-600 dark:text-slate-400">
        <strong className="text-slate-800 dark:text-slate-200">{label}</strong>
        {asset
          ? ` · ${asset.width ?? "?"}×${asset.height ?? "?"} px · ${asset.mime} · ${formatBytesShort(asset.bytes)}${asset.deleted ? " · bytes deleted" : ""}`
          : ""}
      </figcaption>
    </figure>
  );
}

const CALL_COLUMNS: Array<Column<AdminJobDetail["providerCalls"][number]>> = [
  { key: "when", header: "When", className: "tabular-nums", cell: (call) => formatDateTime(call.createdAt) },
  { key: "provider", header: "Provider", cell: (call) => call.provider },
  {
    key: "status",
    header: "Status",
    cell: (call) => (
      <>
        <Badge tone={call.ok ? "green" : "red"}>{call.ok ? "ok" : "failed"}</Badge>
        {call.httpStatus ? <span className="ml-1 text-xs text-slate-500">HTTP {call.httpStatus}</span> : null}
      </>
    ),
  },
  { key: "latency", header: "Latency", className: "tabular-nums", cell: (call) => formatDuration(call.latencyMs) },
  { key: "request", header: "Request id", className: "font-mono text-xs", cell: (call) => call.requestId ?? "—" },
  { key: "cost", header: "Cost", className: "tabular-nums", cell: (call) => formatMoney(call.costMinor) },
  {
    key: "error",
    header: "Error",
    className: "whitespace-normal text-xs text-red-700 dark:text-red-300",
    cell: (call) => (call.errorCode ? `${call.errorCode}: ${call.errorMessage ?? ""}` : ""),
  },
];

function ledgerColumns(jobId: string): Array<Column<AdminJobDetail["ledger"][number]>> {
  return [
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
        entry.jobId ? (entry.jobId === jobId ? "this job" : `${entry.jobId.slice(0, 12)}…`) : "payment",
    },
    { key: "note", header: "Note", className: "whitespace-normal text-xs", cell: (entry) => entry.note ?? "" },
  ];
}

export default async function AdminJobPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdminPage();
  const { id } = await params;
  const detail = await loadOrNotFound(() => getAdminJobDetail(id), "job_not_found");
  const { job, payment, ledger, providerCalls } = detail;
  const liveAssets = [detail.input, detail.result, detail.mask].filter((asset) => asset && !asset.deleted).length;
  const service = SERVICES[job.serviceId as keyof typeof SERVICES];
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/admin/jobs" className="text-brand-700 hover:underline dark:text-brand-300">
          ← Jobs
        </Link>
      </nav>
      <PageHeader
        title={`${service?.name ?? job.serviceId} job`}
        description={
          <span className="inline-flex flex-wrap items-center gap-2">
            <code className="font-mono text-xs">{job.id}</code>
            <StatusBadge status={job.status} />
            {job.rerunOfJobId ? (
              <Link
                href={`/admin/jobs/${job.rerunOfJobId}`}
                className="text-violet-700 hover:underline dark:text-violet-300"
              >
                admin re-run of {job.rerunOfJobId.slice(0, 12)}…
              </Link>
            ) : null}
            {job.batchId ? (
              <Badge tone="slate">
                batch {job.batchId.slice(0, 12)}… item {(job.batchIndex ?? 0) + 1}
              </Badge>
            ) : null}
          </span>
        }
      />
      <div className="grid gap-6 xl:grid-cols-3">
        <div className="space-y-6 xl:col-span-2">
          <Card title="Before and after">
            <div className="grid gap-4 sm:grid-cols-2">
              <AssetFigure label="Before" asset={detail.input} />
              <AssetFigure label="After" asset={detail.result} />
            </div>
            {detail.mask ? (
              <div className="mt-4 max-w-xs">
                <AssetFigure label="Mask" asset={detail.mask} />
              </div>
            ) : null}
          </Card>

          <Card title="Provider calls">
            <DataTable
              label="Provider calls"
              columns={CALL_COLUMNS}
              rows={providerCalls}
              rowKey={(call) => call.id}
              empty="No provider call was made."
            />
          </Card>

          <Card title="Payment and ledger">
            {payment ? (
              <>
                <DefinitionList
                  items={[
                    [
                      "Payment",
                      <Link
                        key="p"
                        href={`/admin/payments/${payment.id}`}
                        className="font-mono text-xs text-brand-700 hover:underline dark:text-brand-300"
                      >
                        {payment.id}
                      </Link>,
                    ],
                    [
                      "Status",
                      <PaymentStatusBadges
                        key="s"
                        status={payment.status}
                        amountMinor={payment.amountMinor}
                        refundedMinor={detail.paymentRefundedMinor}
                      />,
                    ],
                    ["Method", payment.method === "sandbox" ? "sandbox (no money moves)" : payment.method],
                    [
                      "Amount",
                      `${formatMoney(payment.amountMinor, payment.currency)}${payment.units > 1 ? ` for ${payment.units} edits` : ""}`,
                    ],
                    ["External reference", payment.externalRef ?? "—"],
                    ["Paid", formatDateTime(payment.paidAt)],
                  ]}
                />
                <div className="mt-4">
                  <DataTable
                    label="Ledger entries"
                    columns={ledgerColumns(job.id)}
                    rows={ledger}
                    rowKey={(entry) => entry.id}
                    empty="No ledger entries."
                    bodyTestId="ledger-body"
                    rowClassName={(entry) => (entry.jobId && entry.jobId !== job.id ? "text-slate-400" : undefined)}
                  />
                </div>
              </>
            ) : (
              <p className="text-sm text-slate-600 dark:text-slate-400">
                A free job (no payment){job.rerunOfJobId ? ": an admin re-run" : ""}.
              </p>
            )}
          </Card>
        </div>

        <div className="space-y-6">
          <Card title="Actions">
            <JobActions
              jobId={job.id}
              refundable={detail.refundable}
              refunded={detail.refunded}
              hasPayment={Boolean(payment)}
              units={payment?.units ?? 1}
              assetsLive={liveAssets}
            />
          </Card>
          <Card title="Timings">
            <DefinitionList
              items={[
                ["Queued", formatDateTime(job.queuedAt)],
                ["Started", formatDateTime(job.startedAt)],
                ["Finished", formatDateTime(job.finishedAt)],
                ["Waited in queue", formatDuration(detail.timings.queueMs)],
                ["Ran for", formatDuration(detail.timings.runMs)],
                ["Total", formatDuration(detail.timings.totalMs)],
                ["Attempts", `${job.attempts} of ${job.maxAttempts}`],
                ["Provider", job.provider ?? "—"],
                ["Provider request id", job.providerRequestId ?? "—"],
                ["Provider cost", formatMoney(job.providerCostMinor)],
              ]}
            />
            {job.errorCode ? (
              <p className="mt-4 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700 dark:bg-red-950 dark:text-red-300">
                <strong>{job.errorCode}</strong>: {job.errorMessage}
              </p>
            ) : null}
          </Card>
          <Card title="Parameters">
            <pre className="max-h-80 overflow-auto rounded-lg bg-slate-50 p-3 text-xs dark:bg-slate-950">
              {JSON.stringify(job.params, null, 2)}
            </pre>
            {job.resultMeta ? (
              <details className="mt-3 text-sm">
                <summary className="cursor-pointer text-slate-600 dark:text-slate-400">Result details</summary>
                <pre className="mt-2 max-h-60 overflow-auto rounded-lg bg-slate-50 p-3 text-xs dark:bg-slate-950">
                  {JSON.stringify(job.resultMeta, null, 2)}
                </pre>
              </details>
            ) : null}
          </Card>
          {detail.reruns.length > 0 || detail.audit.length > 0 ? (
            <Card title="History">
              <ul className="space-y-2 text-sm">
                {detail.reruns.map((rerun) => (
                  <li key={rerun.id}>
                    Re-run{" "}
                    <Link
                      href={`/admin/jobs/${rerun.id}`}
                      className="font-mono text-xs text-brand-700 hover:underline dark:text-brand-300"
                    >
                      {rerun.id.slice(0, 12)}…
                    </Link>{" "}
                    <StatusBadge status={rerun.status} />
                  </li>
                ))}
                {detail.audit.map((entry) => (
                  <li key={entry.id} className="text-slate-600 dark:text-slate-400">
                    {formatDateTime(entry.createdAt)} ·{" "}
                    <strong className="text-slate-800 dark:text-slate-200">{entry.actor}</strong> · {entry.action}
                  </li>
                ))}
              </ul>
            </Card>
          ) : null}
        </div>
      </div>
    </>
  );
}
