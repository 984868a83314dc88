import type { Metadata } from "next";
import { CatalogRow } from "@/components/admin/catalog-row";
import { formatDateTime } from "@/components/admin/format";
import { PageHeader, TableWrap, td, th } from "@/components/admin/ui";
import { listAudit } from "@/lib/admin/audit";
import { listCatalogForAdmin } from "@/lib/admin/catalog";
import { requireAdminPage } from "@/lib/admin/page-auth";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Catalog" };

export default async function AdminCatalogPage() {
  await requireAdminPage();
  const [services, audit] = await Promise.all([listCatalogForAdmin(), listAudit({ targetType: "service", limit: 20 })]);
  return (
    <>
      <PageHeader title="Catalog" description="Prices apply to new payments at once; a disabled service refuses new edits (503 service_disabled). Every change is audited." />
      <TableWrap label="Services">
        <thead className="bg-slate-50 dark:bg-slate-950">
          <tr>
            <th scope="col" className={th}>Service</th>
            <th scope="col" className={th}>Current price</th>
            <th scope="col" className={th}>New price</th>
            <th scope="col" className={th}>Availability</th>
            <th scope="col" className={th}><span className="sr-only">Save</span></th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {services.map((service) => (
            <CatalogRow key={`${service.id}-${service.updatedAt.getTime()}`} service={{ id: service.id, name: service.name, priceMinor: service.priceMinor, currency: service.currency, enabled: service.enabled, updatedAt: service.updatedAt.toISOString() }} />
          ))}
        </tbody>
      </TableWrap>
      <h2 className="mt-8 mb-3 text-lg font-semibold">Recent changes</h2>
      <TableWrap label="Recent catalog changes">
        <thead className="bg-slate-50 dark:bg-slate-950">
          <tr>
            <th scope="col" className={th}>When</th>
            <th scope="col" className={th}>Who</th>
            <th scope="col" className={th}>Service</th>
            <th scope="col" className={th}>Before</th>
            <th scope="col" className={th}>After</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {audit.length === 0 ? (
            <tr><td colSpan={5} className="px-3 py-6 text-center text-slate-500">No changes yet.</td></tr>
          ) : (
            audit.map((entry) => (
              <tr key={entry.id}>
                <td className={`${td} tabular-nums`}>{formatDateTime(entry.createdAt)}</td>
                <td className={td}>{entry.actor}</td>
                <td className={`${td} font-mono text-xs`}>{entry.targetId}</td>
                <td className={`${td} font-mono text-xs`}>{JSON.stringify(entry.before)}</td>
                <td className={`${td} font-mono text-xs`}>{JSON.stringify(entry.after)}</td>
              </tr>
            ))
          )}
        </tbody>
      </TableWrap>
    </>
  );
}
