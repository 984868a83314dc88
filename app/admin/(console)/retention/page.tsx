import type { Metadata } from "next";
import { formatBytesShort, formatDateTime } from "@/components/admin/format";
import { RetentionRunButton } from "@/components/admin/retention-run-button";
import { Card, PageHeader, Stat, TableWrap, td, th } from "@/components/admin/ui";
import { requireAdminPage } from "@/lib/admin/page-auth";
import { getRetentionStatus, listRetentionRuns } from "@/lib/assets/retention";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Retention" };

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
        <Stat label="Last run" value={status.lastRun ? formatDateTime(status.lastRun.startedAt).slice(0, 16) : "never"} hint={status.lastRun ? `${status.lastRun.assetsDeleted} files deleted (${status.lastRun.trigger})` : undefined} />
        <Stat label="Due now" value={status.dueNow} hint={`created before ${formatDateTime(status.cutoff).slice(0, 10)}`} />
        <Stat label="Files stored" value={status.storedAssets} hint={formatBytesShort(status.storedBytes)} />
        <Stat label="Schedule" value={status.intervalMinutes > 0 ? `every ${status.intervalMinutes} min` : "off"} hint="RETENTION_INTERVAL_MINUTES" />
      </dl>
      <Card title="Run now" className="mb-6">
        <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">Only one process runs retention at a time (a Postgres advisory lock); a second request waits for nothing and says so.</p>
        <RetentionRunButton />
      </Card>
      <TableWrap label="Recent runs">
        <thead className="bg-slate-50 dark:bg-slate-950">
          <tr>
            <th scope="col" className={th}>Started</th>
            <th scope="col" className={th}>Trigger</th>
            <th scope="col" className={th}>Cutoff</th>
            <th scope="col" className={th}>Files deleted</th>
            <th scope="col" className={th}>Freed</th>
            <th scope="col" className={th}>Result</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800" data-testid="retention-runs">
          {runs.length === 0 ? (
            <tr><td colSpan={6} className="px-3 py-6 text-center text-slate-500">No run yet.</td></tr>
          ) : (
            runs.map((run) => (
              <tr key={run.id}>
                <td className={`${td} tabular-nums`}>{formatDateTime(run.startedAt)}</td>
                <td className={td}>{run.trigger}</td>
                <td className={`${td} tabular-nums`}>{formatDateTime(run.cutoff)}</td>
                <td className={`${td} tabular-nums`}>{run.assetsDeleted}</td>
                <td className={`${td} tabular-nums`}>{formatBytesShort(run.bytesFreed)}</td>
                <td className={`${td} text-xs`}>{run.error ? <span className="text-red-700">{run.error}</span> : run.finishedAt ? "ok" : "running"}</td>
              </tr>
            ))
          )}
        </tbody>
      </TableWrap>
    </>
  );
}
