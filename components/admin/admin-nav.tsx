"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useState } from "react";
import { cn } from "@/lib/utils";
import { useAdminMutation, useAdminSession } from "./admin-session";

const ITEMS = [
  { href: "/admin", label: "Overview", exact: true },
  { href: "/admin/jobs", label: "Jobs" },
  { href: "/admin/payments", label: "Payments" },
  { href: "/admin/accounts", label: "Accounts" },
  { href: "/admin/catalog", label: "Catalog" },
  { href: "/admin/providers", label: "Providers" },
  { href: "/admin/retention", label: "Retention" },
  { href: "/admin/audit", label: "Audit log" },
];

export function AdminNav() {
  const pathname = usePathname();
  const router = useRouter();
  const { username } = useAdminSession();
  const mutate = useAdminMutation();
  const [signingOut, setSigningOut] = useState(false);
  return (
    <div className="flex flex-col gap-4 lg:sticky lg:top-6">
      <nav aria-label="Admin" className="-mx-1 flex gap-1 overflow-x-auto lg:flex-col">
        {ITEMS.map((item) => {
          const active = item.exact
            ? pathname === item.href
            : pathname === item.href || pathname.startsWith(`${item.href}/`);
          return (
            <Link
              key={item.href}
              href={item.href}
              aria-current={active ? "page" : undefined}
              className={cn(
                "whitespace-nowrap rounded-lg px-3 py-2 text-sm font-medium",
                active
                  ? "bg-brand-50 text-brand-700 dark:bg-brand-900/40 dark:text-brand-200"
                  : "text-slate-600 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-300 dark:hover:bg-slate-800",
              )}
            >
              {item.label}
            </Link>
          );
        })}
      </nav>
      <div className="hidden border-t border-slate-200 pt-4 text-sm lg:block dark:border-slate-800">
        <p className="text-slate-500 dark:text-slate-400">
          Signed in as <strong className="text-slate-800 dark:text-slate-200">{username}</strong>
        </p>
      </div>
      <button
        type="button"
        disabled={signingOut}
        onClick={async () => {
          setSigningOut(true);
          try {
            await mutate("/api/admin/logout", { method: "POST" });
          } finally {
            router.replace("/admin/login");
            router.refresh();
          }
        }}
        className="self-start rounded-lg px-3 py-2 text-sm text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
      >
        {signingOut ? "Signing out…" : "Sign out"}
      </button>
    </div>
  );
}
