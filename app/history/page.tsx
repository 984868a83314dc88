import type { Metadata } from "next";
import { History } from "./_components/history";

export const metadata: Metadata = { title: "My edits", robots: { index: false, follow: false } };

export default function HistoryPage() {
  return (
    <div className="mx-auto max-w-5xl px-4 py-8 sm:py-12">
      <h1 className="text-2xl font-semibold tracking-tight sm:text-3xl">My edits</h1>
      <p className="mt-1 text-slate-600 dark:text-slate-400">
        The edits made in this browser. Each has its own private link; nobody else can list them.
      </p>
      <div className="mt-8">
        <History />
      </div>
    </div>
  );
}
