import type { Metadata } from "next";
import Link from "next/link";
import { formatDateTime } from "@/components/admin/format";
import { RevenueReportView } from "@/components/admin/revenue-report";
import { Card, PageHeader, StatusBadge } from "@/components/admin/ui";
import { listAdminJobs, parseJobFilters } from "@/lib/admin/jobs";
import { requireAdminPage } from "@/lib/admin/page-auth";
import { getRevenueReport } from "@/lib/admin/payments";
import { SERVICES } from "@/lib/catalog/services";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Overview" };

export default async function AdminOverviewPage() {
  const admin = await requireAdminPage();
  const [report, failed] = await Promise.all([
    getRevenueReport(),
    listAdminJobs(parseJobFilters({ status: "failed", pageSize: "5" })),
  ]);
  return (
    <>
      <PageHeader title="Overview" description={`Signed in as ${admin.username}. The last 30 days at a glance.`} />
      <RevenueReportView report={report} showDays={false} />
      <Card
        title="Recent failures"
        className="mt-6"
        actions={
          <Link href="/admin/jobs?status=failed" className="text-sm text-brand-700 hover:underline dark:text-brand-300">
            All failed jobs →
          </Link>
        }
      >
        {failed.rows.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">No failed jobs.</p>
        ) : (
          <ul className="divide-y divide-slate-100 text-sm dark:divide-slate-800">
            {failed.rows.map((job) => (
              <li key={job.id} className="flex flex-wrap items-center gap-3 py-2">
                <Link
                  href={`/admin/jobs/${job.id}`}
                  className="font-mono text-xs text-brand-700 hover:underline dark:text-brand-300"
                >
                  {job.id.slice(0, 12)}…
                </Link>
                <span>{SERVICES[job.serviceId as keyof typeof SERVICES]?.name ?? job.serviceId}</span>
                <StatusBadge status={job.status} />
                <span className="text-xs text-red-700 dark:text-red-300">{job.errorCode}</span>
                <span className="ml-auto text-xs text-slate-500 tabular-nums">{formatDateTime(job.queuedAt)}</span>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}
