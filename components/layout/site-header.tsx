import Link from "next/link";
import { AccountLink } from "./account-link";
import { MobileMenu } from "./mobile-menu";

export type NavItem = { href: string; label: string };

const NAV: NavItem[] = [
  { href: "/studio", label: "Studio" },
  { href: "/batch", label: "Bulk" },
  { href: "/history", label: "My edits" },
  { href: "/docs/api", label: "API" },
  { href: "/#pricing", label: "Pricing" },
];

const link =
  "whitespace-nowrap rounded-md px-3 py-2 text-slate-600 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-white";

export function SiteHeader() {
  return (
    <header className="relative z-30 print:hidden border-b border-slate-200/80 bg-white/95 dark:border-slate-800 dark:bg-slate-950/95">
      <div className="mx-auto flex h-14 max-w-6xl items-center justify-between gap-4 px-4">
        <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight">
          <span
            aria-hidden
            className="inline-block h-6 w-6 rounded-md bg-gradient-to-br from-brand-400 via-brand-600 to-sunset-400"
          />
          Backdrop
        </Link>
        <nav aria-label="Main" className="hidden items-center gap-1 text-sm sm:flex">
          {NAV.map((item) => (
            <Link key={item.href} href={item.href} className={link}>
              {item.label}
            </Link>
          ))}
        </nav>
        <div className="flex items-center gap-1 text-sm">
          <AccountLink className={link} />
          <MobileMenu items={NAV} />
        </div>
      </div>
    </header>
  );
}
