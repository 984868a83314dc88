import type { Metadata } from "next";
import { CatalogRow } from "@/components/admin/catalog-row";
import { DataTable, type Column } from "@/components/admin/data-table";
import { formatDateTime } from "@/components/admin/format";
import { PageHeader } from "@/components/admin/ui";
import { listAudit } from "@/lib/admin/audit";
import { listCatalogForAdmin } from "@/lib/admin/catalog";
import { requireAdminPage } from "@/lib/admin/page-auth";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Catalog" };

type Service = Awaited<ReturnType<typeof listCatalogForAdmin>>[number];
type Change = Awaited<ReturnType<typeof listAudit>>[number];

// Each service row is a client component (its own form), so only the headers come from here.
const SERVICE_COLUMNS: Array<Column<Service>> = [
  { key: "service", header: "Service" },
  { key: "current", header: "Current price" },
  { key: "new", header: "New price" },
  { key: "availability", header: "Availability" },
  { key: "save", header: "Save", hideHeader: true },
];

const CHANGE_COLUMNS: Array<Column<Change>> = [
  { key: "when", header: "When", className: "tabular-nums", cell: (entry) => formatDateTime(entry.createdAt) },
  { key: "who", header: "Who", cell: (entry) => entry.actor },
  { key: "service", header: "Service", className: "font-mono text-xs", cell: (entry) => entry.targetId },
  { key: "before", header: "Before", className: "font-mono text-xs", cell: (entry) => JSON.stringify(entry.before) },
  { key: "after", header: "After", className: "font-mono text-xs", cell: (entry) => JSON.stringify(entry.after) },
];

export default async function AdminCatalogPage() {
  await requireAdminPage();
  const [services, audit] = await Promise.all([listCatalogForAdmin(), listAudit({ targetType: "service", limit: 20 })]);
  return (
    <>
      <PageHeader
        title="Catalog"
        description="Prices apply to new payments at once; a disabled service refuses new edits (503 service_disabled). Every change is audited."
      />
      <DataTable
        label="Services"
        columns={SERVICE_COLUMNS}
        rows={services}
        rowKey={(service) => `${service.id}-${service.updatedAt.getTime()}`}
        renderRow={(service) => (
          <CatalogRow
            service={{
              id: service.id,
              name: service.name,
              priceMinor: service.priceMinor,
              currency: service.currency,
              enabled: service.enabled,
              updatedAt: service.updatedAt.toISOString(),
            }}
          />
        )}
      />
      <h2 className="mt-8 mb-3 text-lg font-semibold">Recent changes</h2>
      <DataTable
        label="Recent catalog changes"
        columns={CHANGE_COLUMNS}
        rows={audit}
        rowKey={(entry) => entry.id}
        empty="No changes yet."
      />
    </>
  );
}
