import type { Metadata } from "next";
import Link from "next/link";
import { DataTable, type Column } from "@/components/admin/data-table";
import { formatDateTime } from "@/components/admin/format";
import { PageHeader } from "@/components/admin/ui";
import { listAudit } from "@/lib/admin/audit";
import { requireAdminPage } from "@/lib/admin/page-auth";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Audit log" };

type AuditEntry = Awaited<ReturnType<typeof listAudit>>[number];

function Json({ value }: { value: unknown }) {
  return value ? <span title={JSON.stringify(value)}>{JSON.stringify(value)}</span> : null;
}

const AUDIT_COLUMNS: Array<Column<AuditEntry>> = [
  { key: "when", header: "When", className: "tabular-nums", cell: (entry) => formatDateTime(entry.createdAt) },
  { key: "who", header: "Who", cell: (entry) => entry.actor },
  { key: "action", header: "Action", cell: (entry) => entry.action },
  {
    key: "target",
    header: "Target",
    className: "font-mono text-xs",
    cell: (entry) =>
      entry.targetType === "job" && entry.targetId ? (
        <Link className="hover:underline" href={`/admin/jobs/${entry.targetId}`}>
          {entry.targetId}
        </Link>
      ) : entry.targetType === "account" && entry.targetId ? (
        <Link className="hover:underline" href={`/admin/accounts/${entry.targetId}`}>
          {entry.targetId}
        </Link>
      ) : (
        `${entry.targetType} ${entry.targetId ?? ""}`
      ),
  },
  {
    key: "before",
    header: "Before",
    className: "max-w-64 truncate font-mono text-xs",
    cell: (entry) => <Json value={entry.before} />,
  },
  {
    key: "after",
    header: "After",
    className: "max-w-64 truncate font-mono text-xs",
    cell: (entry) => <Json value={entry.after} />,
  },
];

export default async function AdminAuditPage() {
  await requireAdminPage();
  const entries = await listAudit({ limit: 200 });
  return (
    <>
      <PageHeader title="Audit log" description="Every change made from the console: who, what, before and after." />
      <DataTable
        label="Audit log"
        columns={AUDIT_COLUMNS}
        rows={entries}
        rowKey={(entry) => entry.id}
        empty="Nothing yet."
      />
    </>
  );
}
