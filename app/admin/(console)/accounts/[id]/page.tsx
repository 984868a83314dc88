import type { Metadata } from "next";
import Link from "next/link";
import { AdjustCreditsForm, RefundTopupButton } from "@/components/admin/account-credit-actions";
import { DataTable, type Column } from "@/components/admin/data-table";
import { formatDateTime } from "@/components/admin/format";
import { Badge, Card, DefinitionList, PageHeader, Stat } from "@/components/admin/ui";
import { getAdminAccount, type AdminAccountDetail } from "@/lib/admin/accounts";
import { loadOrNotFound, requireAdminPage } from "@/lib/admin/page-auth";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Account" };

type Topup = AdminAccountDetail["topups"][number];
type Entry = AdminAccountDetail["entries"][number];

const TOPUP_COLUMNS: Array<Column<Topup>> = [
  { key: "when", header: "Bought", className: "tabular-nums", cell: (t) => formatDateTime(t.paidAt ?? t.createdAt) },
  { key: "pack", header: "Pack", cell: (t) => t.packName },
  { key: "credits", header: "Credits", className: "tabular-nums", cell: (t) => t.credits },
  { key: "amount", header: "Paid", className: "tabular-nums", cell: (t) => t.display },
  { key: "method", header: "Method", cell: (t) => (t.sandbox ? "sandbox" : t.method) },
  {
    key: "status",
    header: "Status",
    cell: (t) => <Badge tone={t.status === "paid" ? "green" : "slate"}>{t.status}</Badge>,
  },
  {
    key: "refunded",
    header: "Refunded",
    className: "tabular-nums",
    cell: (t) => (t.refundedCredits ? `${t.refundedCredits} credits` : "—"),
  },
  { key: "unspent", header: "Unspent", className: "tabular-nums", cell: (t) => t.unspent },
  {
    key: "actions",
    header: "Actions",
    hideHeader: true,
    cell: (t) =>
      t.status === "paid" ? <RefundTopupButton topupId={t.id} unspent={t.unspent} display={t.display} /> : null,
  },
];

const ENTRY_COLUMNS: Array<Column<Entry>> = [
  { key: "when", header: "When", className: "tabular-nums", cell: (e) => formatDateTime(e.createdAt) },
  { key: "kind", header: "Kind", cell: (e) => e.kind },
  {
    key: "delta",
    header: "Balance change",
    className: "tabular-nums",
    cell: (e) => (e.delta > 0 ? `+${e.delta}` : String(e.delta)),
  },
  {
    key: "ref",
    header: "Refers to",
    className: "font-mono text-xs",
    cell: (e) =>
      e.jobId ? (
        <Link className="hover:underline" href={`/admin/jobs/${e.jobId}`}>
          {e.jobId}
        </Link>
      ) : (
        (e.topupId ?? "—")
      ),
  },
  { key: "who", header: "By", cell: (e) => e.actor ?? "—" },
  { key: "note", header: "Note", className: "max-w-72 truncate", cell: (e) => e.note ?? "" },
];

// /admin/accounts/{id} – one account: balance and its parts, top-ups (refund the unspent part), manual adjustment
export default async function AdminAccountPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdminPage();
  const { id } = await params;
  const detail = await loadOrNotFound(() => getAdminAccount(id), "account_not_found");
  const { account, credits } = detail;
  return (
    <>
      <PageHeader
        title={account.email ?? "Deleted account"}
        description={
          <Link href="/admin/accounts" className="hover:underline">
            ← All accounts
          </Link>
        }
      />
      <dl className="mb-6 grid grid-cols-2 gap-3 sm:grid-cols-4">
        <Stat label="Balance" value={<span data-testid="admin-account-balance">{credits.balance}</span>} />
        <Stat label="Bought" value={credits.toppedUp} />
        <Stat
          label="Edits paid"
          value={credits.spent}
          hint={credits.reserved ? `${credits.reserved} held` : undefined}
        />
        <Stat
          label="Refunded · adjusted"
          value={`${credits.refunded} · ${credits.adjusted > 0 ? "+" : ""}${credits.adjusted}`}
        />
      </dl>
      <div className="space-y-6">
        <Card title="Details">
          <DefinitionList
            items={[
              [
                "Account id",
                <span key="id" className="font-mono text-xs">
                  {account.id}
                </span>,
              ],
              ["Created", formatDateTime(account.createdAt)],
              ["Last sign-in", formatDateTime(account.lastSignInAt)],
              ["State", account.deletedAt ? `deleted ${formatDateTime(account.deletedAt)}` : "active"],
              [
                "API keys",
                detail.keys.length
                  ? detail.keys
                      .map((key) => `${key.name} (${key.prefix}…${key.revokedAt ? ", revoked" : ""})`)
                      .join(", ")
                  : "none",
              ],
            ]}
          />
        </Card>
        {account.deletedAt ? null : (
          <Card title="Adjust the balance">
            <AdjustCreditsForm accountId={account.id} />
          </Card>
        )}
        <DataTable
          label="Top-ups"
          caption="Top-ups"
          columns={TOPUP_COLUMNS}
          rows={detail.topups}
          rowKey={(t) => t.id}
          empty="No top-ups."
          bodyTestId="admin-account-topups"
        />
        <DataTable
          label="Credit ledger"
          caption="Credit ledger (newest 100 movements)"
          columns={ENTRY_COLUMNS}
          rows={detail.entries}
          rowKey={(e) => e.id}
          empty="No movements."
        />
        <DataTable
          label="Audit"
          caption="Console actions on this account"
          columns={[
            { key: "when", header: "When", className: "tabular-nums", cell: (a) => formatDateTime(a.createdAt) },
            { key: "who", header: "Who", cell: (a) => a.actor },
            { key: "action", header: "Action", cell: (a) => a.action },
            {
              key: "after",
              header: "Details",
              className: "max-w-96 truncate font-mono text-xs",
              cell: (a) => (a.after ? JSON.stringify(a.after) : ""),
            },
          ]}
          rows={detail.audit}
          rowKey={(a) => a.id}
          empty="No console actions yet."
          bodyTestId="admin-account-audit"
        />
      </div>
    </>
  );
}
