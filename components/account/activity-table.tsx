"use client";

import Link from "next/link";
import { buttonStyles } from "@/components/ui/button";
import { useActivityQuery, type ActivityItem } from "@/lib/queries/account";
import { cn } from "@/lib/utils";
import { cardStyles, formatWhen } from "./format";

const STATUS: Record<ActivityItem["status"], string> = {
  paid: "Paid",
  charged: "Charged",
  held: "In progress",
  released: "Not charged",
  refunded: "Refunded",
  granted: "Granted",
  removed: "Removed",
};

function Credits({ value }: { value: number }) {
  return (
    <span
      className={cn(
        "tabular-nums",
        value > 0 ? "text-emerald-700 dark:text-emerald-400" : value < 0 ? "" : "text-slate-500 dark:text-slate-400",
      )}
    >
      {value > 0 ? `+${value}` : value === 0 ? "0" : `−${-value}`}
    </span>
  );
}

export function ActivityTable() {
  const activity = useActivityQuery(true);
  return (
    <section aria-labelledby="activity-heading" className={cardStyles}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="activity-heading" className="text-lg font-semibold">
          History
        </h2>
        {/* A plain link: the browser downloads the CSV with the session cookie. */}
        <a href="/api/account/usage.csv" download className={buttonStyles({ variant: "secondary", size: "sm" })}>
          Export usage (CSV)
        </a>
      </div>
      <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
        Every top-up and every edit paid with credits, from any device or API key. A failed edit is never charged.
      </p>
      {activity.isPending ? (
        <div
          className="mt-4 h-24 animate-pulse rounded-xl bg-slate-100 dark:bg-slate-900"
          aria-label="Loading history"
        />
      ) : activity.isError ? (
        <p role="alert" className="mt-4 text-sm text-red-700 dark:text-red-300">
          The history could not be loaded.
        </p>
      ) : activity.data.length === 0 ? (
        <p className="mt-4 text-sm text-slate-600 dark:text-slate-400">
          Nothing yet. Buy a credit pack above, then edit in the studio or with an API key.
        </p>
      ) : (
        <div className="mt-4 overflow-x-auto">
          <table className="w-full min-w-[36rem] text-left text-sm" data-testid="account-activity">
            <thead className="text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">
              <tr>
                <th scope="col" className="py-2 pr-3 font-medium">
                  Date
                </th>
                <th scope="col" className="py-2 pr-3 font-medium">
                  What
                </th>
                <th scope="col" className="py-2 pr-3 font-medium">
                  Status
                </th>
                <th scope="col" className="py-2 pr-3 text-right font-medium">
                  Credits
                </th>
                <th scope="col" className="py-2 font-medium">
                  <span className="sr-only">Details</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
              {activity.data.map((item) => (
                <tr key={item.id} data-testid="activity-row" data-kind={item.kind}>
                  <td className="whitespace-nowrap py-2 pr-3 tabular-nums">{formatWhen(item.at)}</td>
                  <td className="py-2 pr-3">
                    {item.description}
                    {item.apiKey && (
                      <span className="block text-xs text-slate-500 dark:text-slate-400">key: {item.apiKey.name}</span>
                    )}
                  </td>
                  <td className="py-2 pr-3">{STATUS[item.status]}</td>
                  <td className="py-2 pr-3 text-right">
                    <Credits value={item.credits} />
                  </td>
                  <td className="py-2 text-right">
                    {item.topupId ? (
                      <Link
                        href={`/account/receipts/${item.topupId}`}
                        className="font-medium text-brand-700 hover:underline dark:text-brand-300"
                      >
                        Receipt
                      </Link>
                    ) : item.jobId ? (
                      <Link
                        href={`/jobs/${item.jobId}`}
                        className="font-medium text-brand-700 hover:underline dark:text-brand-300"
                      >
                        Open<span className="sr-only"> {item.description}</span>
                      </Link>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
