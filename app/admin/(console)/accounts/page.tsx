import type { Metadata } from "next";
import Link from "next/link";
import { DataTable, type Column } from "@/components/admin/data-table";
import { formatDateTime } from "@/components/admin/format";
import { Badge, PageHeader, Pagination, inputStyles, labelStyles } from "@/components/admin/ui";
import { buttonStyles } from "@/components/ui/button";
import { accountFiltersSchema, listAdminAccounts, type AdminAccountRow } from "@/lib/admin/accounts";
import { requireAdminPage } from "@/lib/admin/page-auth";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Accounts" };

const COLUMNS: Array<Column<AdminAccountRow>> = [
  {
    key: "email",
    header: "Account",
    rowHeader: true,
    cell: (row) => (
      <Link
        href={`/admin/accounts/${row.id}`}
        className="font-medium text-brand-700 hover:underline dark:text-brand-300"
      >
        {row.email ?? <span className="text-slate-500">deleted account</span>}
      </Link>
    ),
  },
  { key: "created", header: "Created", className: "tabular-nums", cell: (row) => formatDateTime(row.createdAt) },
  { key: "seen", header: "Last sign-in", className: "tabular-nums", cell: (row) => formatDateTime(row.lastSignInAt) },
  { key: "balance", header: "Balance", className: "tabular-nums", cell: (row) => row.balance },
  { key: "bought", header: "Bought", className: "tabular-nums", cell: (row) => row.toppedUp },
  { key: "spent", header: "Edits paid", className: "tabular-nums", cell: (row) => row.spent },
  { key: "keys", header: "Active keys", className: "tabular-nums", cell: (row) => row.activeKeys },
  {
    key: "state",
    header: "State",
    cell: (row) => (row.deletedAt ? <Badge tone="slate">deleted</Badge> : <Badge tone="green">active</Badge>),
  },
];

// /admin/accounts – accounts with balances and usage, all sums of the credit ledger
export default async function AdminAccountsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireAdminPage();
  const raw = await searchParams;
  const filters = accountFiltersSchema.parse({
    q: typeof raw.q === "string" ? raw.q : undefined,
    page: typeof raw.page === "string" ? raw.page : undefined,
  });
  const result = await listAdminAccounts(filters);
  const hrefFor = (page: number) => {
    const query = new URLSearchParams();
    if (filters.q) query.set("q", filters.q);
    if (page > 1) query.set("page", String(page));
    const text = query.toString();
    return text ? `/admin/accounts?${text}` : "/admin/accounts";
  };
  return (
    <>
      <PageHeader
        title="Accounts"
        description="Signed-in customers, their prepaid credit balances and usage. Open one to adjust credits or refund a top-up."
      />
      <form method="get" action="/admin/accounts" className="mb-4 flex flex-wrap items-end gap-3" aria-label="Search">
        <div className="min-w-64">
          <label htmlFor="accounts-q" className={labelStyles}>
            Email or account id
          </label>
          <input id="accounts-q" name="q" defaultValue={filters.q ?? ""} className={inputStyles} />
        </div>
        <button type="submit" className={buttonStyles({ size: "sm", variant: "secondary" })}>
          Search
        </button>
      </form>
      <DataTable
        label="Accounts"
        columns={COLUMNS}
        rows={result.rows}
        rowKey={(row) => row.id}
        empty={filters.q ? "No account matches." : "No accounts yet."}
        bodyTestId="admin-accounts"
      />
      <Pagination page={result.page} pages={result.pages} total={result.total} hrefFor={hrefFor} />
    </>
  );
}
