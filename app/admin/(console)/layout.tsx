import type { Metadata } from "next";
import type { ReactNode } from "react";
import { AdminNav } from "@/components/admin/admin-nav";
import { AdminSessionProvider } from "@/components/admin/admin-session";
import { requireAdminPage } from "@/lib/admin/page-auth";

export const dynamic = "force-dynamic";
export const metadata: Metadata = {
  title: { default: "Admin", template: "%s · Admin · Backdrop" },
  robots: { index: false },
};

// Every console page is behind this check (the API checks again with requireAdmin on every call).
export default async function AdminConsoleLayout({ children }: { children: ReactNode }) {
  const admin = await requireAdminPage();
  return (
    <AdminSessionProvider value={{ username: admin.username, csrfToken: admin.csrfToken }}>
      <div className="mx-auto grid max-w-7xl gap-6 px-4 py-6 lg:grid-cols-[12rem_minmax(0,1fr)] lg:py-10">
        <aside>
          <p className="mb-3 hidden text-xs font-semibold uppercase tracking-wide text-slate-500 lg:block">Admin</p>
          <AdminNav />
        </aside>
        <div className="min-w-0">{children}</div>
      </div>
    </AdminSessionProvider>
  );
}
