import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AdminLoginForm } from "@/components/admin/login-form";
import { getPageAdmin } from "@/lib/admin/page-auth";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Admin sign-in", robots: { index: false } };

export default async function AdminLoginPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  if (await getPageAdmin()) redirect("/admin");
  const { next } = await searchParams;
  return (
    <div className="mx-auto flex max-w-sm flex-col px-4 py-16 sm:py-24">
      <div className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <h1 className="text-xl font-semibold tracking-tight">Admin console</h1>
        <p className="mt-1 mb-6 text-sm text-slate-600 dark:text-slate-400">
          Sign in to manage jobs, payments, prices and providers.
        </p>
        <AdminLoginForm next={next} />
      </div>
      <p className="mt-4 text-center text-xs text-slate-500 dark:text-slate-400">
        The first account is <code>admin</code>, with the password from <code>ADMIN_PASSWORD</code>.
      </p>
    </div>
  );
}
