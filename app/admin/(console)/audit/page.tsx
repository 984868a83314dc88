import type { Metadata } from "next";
import Link from "next/link";
import { formatDateTime } from "@/components/admin/format";
import { PageHeader, TableWrap, td, th } from "@/components/admin/ui";
import { listAudit } from "@/lib/admin/audit";
import { requireAdminPage } from "@/lib/admin/page-auth";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Audit log" };

export default async function AdminAuditPage() {
  await requireAdminPage();
  const entries = await listAudit({ limit: 200 });
  return (
    <>
      <PageHeader title="Audit log" description="Every change made from the console: who, what, before and after." />
      <TableWrap label="Audit log">
        <thead className="bg-slate-50 dark:bg-slate-950">
          <tr>
            <th scope="col" className={th}>When</th>
            <th scope="col" className={th}>Who</th>
            <th scope="col" className={th}>Action</th>
            <th scope="col" className={th}>Target</th>
            <th scope="col" className={th}>Before</th>
            <th scope="col" className={th}>After</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {entries.length === 0 ? (
            <tr><td colSpan={6} className="px-3 py-6 text-center text-slate-500">Nothing yet.</td></tr>
          ) : (
            entries.map((entry) => (
              <tr key={entry.id}>
                <td className={`${td} tabular-nums`}>{formatDateTime(entry.createdAt)}</td>
                <td className={td}>{entry.actor}</td>
                <td className={td}>{entry.action}</td>
                <td className={`${td} font-mono text-xs`}>
                  {entry.targetType === "job" && entry.targetId ? <Link className="hover:underline" href={`/admin/jobs/${entry.targetId}`}>{entry.targetId}</Link> : `${entry.targetType} ${entry.targetId ?? ""}`}
                </td>
                <td className={`${td} max-w-64 truncate font-mono text-xs`} title={JSON.stringify(entry.before)}>{entry.before ? JSON.stringify(entry.before) : ""}</td>
                <td className={`${td} max-w-64 truncate font-mono text-xs`} title={JSON.stringify(entry.after)}>{entry.after ? JSON.stringify(entry.after) : ""}</td>
              </tr>
            ))
          )}
        </tbody>
      </TableWrap>
    </>
  );
}
