import Link from "next/link";

const NAV: { href: string; label: string; wide?: boolean }[] = [
  { href: "/studio", label: "Studio" },
  { href: "/history", label: "My edits" },
  { href: "/docs/api", label: "API" },
  { href: "/#pricing", label: "Pricing", wide: true },
];

export function SiteHeader() {
  return (
    <header className="border-b border-slate-200/80 bg-white/80 backdrop-blur dark:border-slate-800 dark:bg-slate-950/80">
      <div className="mx-auto flex h-14 max-w-6xl items-center justify-between gap-4 px-4">
        <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight">
          <span aria-hidden className="inline-block h-6 w-6 rounded-md bg-gradient-to-br from-brand-400 via-brand-600 to-sunset-400" />
          Backdrop
        </Link>
        <nav aria-label="Main" className="flex items-center gap-0.5 text-sm sm:gap-1">
          {NAV.map((item) => (
            <Link
              key={item.href}
              href={item.href}
              className={`${item.wide ? "hidden sm:inline-block" : ""} whitespace-nowrap rounded-md px-2 py-2 text-slate-600 sm:px-3 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-white`}
            >
              {item.label}
            </Link>
          ))}
        </nav>
      </div>
    </header>
  );
}
