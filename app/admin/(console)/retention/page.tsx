import type { Metadata } from "next";
import { formatBytesShort, formatDateTime } from "@/components/admin/format";
import { RetentionRunButton } from "@/components/admin/retention-run-button";
import { DataTable, type Column } from "@/components/admin/data-table";
import { Card, PageHeader, Stat } from "@/components/admin/ui";
import { requireAdminPage } from "@/lib/admin/page-auth";
import { getRetentionStatus, listRetentionRuns } from "@/lib/assets/retention";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Retention" };

type Run = Awaited<ReturnType<typeof listRetentionRuns>>[number];

const RUN_COLUMNS: Array<Column<Run>> = [
  { key: "started", header: "Started", className: "tabular-nums", cell: (run) => formatDateTime(run.startedAt) },
  { key: "trigger", header: "Trigger", cell: (run) => run.trigger },
  { key: "cutoff", header: "Cutoff", className: "tabular-nums", cell: (run) => formatDateTime(run.cutoff) },
  { key: "deleted", header: "Files deleted", className: "tabular-nums", cell: (run) => run.assetsDeleted },
  { key: "freed", header: "Freed", className: "tabular-nums", cell: (run) => formatBytesShort(run.bytesFreed) },
  {
    key: "result",
    header: "Result",
    className: "text-xs",
    cell: (run) => (run.error ? <span className="text-red-700">{run.error}</span> : run.finishedAt ? "ok" : "running"),
  },
];

export default async function AdminRetentionPage() {
  await requireAdminPage();
  const [status, runs] = await Promise.all([getRetentionStatus(), listRetentionRuns()]);
  return (
    <>
      <PageHeader
        title="Retention"
        description={`Files older than ${status.retentionDays} days (ASSET_RETENTION_DAYS) are deleted; their rows stay so history and the ledger still add up.`}
      />
      <dl className="mb-6 grid grid-cols-2 gap-3 lg:grid-cols-4">
        <Stat
          label="Last run"
          value={status.lastRun ? formatDateTime(status.lastRun.startedAt).slice(0, 16) : "never"}
          hint={
            status.lastRun ? `${status.lastRun.assetsDeleted} files deleted (${status.lastRun.trigger})` : undefined
          }
        />
        <Stat
          label="Due now"
          value={status.dueNow}
          hint={`created before ${formatDateTime(status.cutoff).slice(0, 10)}`}
        />
        <Stat label="Files stored" value={status.storedAssets} hint={formatBytesShort(status.storedBytes)} />
        <Stat
          label="Schedule"
          value={status.intervalMinutes > 0 ? `every ${status.intervalMinutes} min` : "off"}
          hint="RETENTION_INTERVAL_MINUTES"
        />
      </dl>
      <Card title="Run now" className="mb-6">
        <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">
          Only one process runs retention at a time (a Postgres advisory lock); a second request waits for nothing and
          says so.
        </p>
        <RetentionRunButton />
      </Card>
      <DataTable
        label="Recent runs"
        columns={RUN_COLUMNS}
        rows={runs}
        rowKey={(run) => run.id}
        empty="No run yet."
        bodyTestId="retention-runs"
      />
    </>
  );
}
