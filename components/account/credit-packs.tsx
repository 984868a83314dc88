"use client";

import Link from "next/link";
import { buttonStyles } from "@/components/ui/button";
import { useBuyPackMutation, useCreditPacksQuery } from "@/lib/queries/account";
import { cardStyles, plural } from "./format";

export function CreditPacks({ csrfToken }: { csrfToken: string }) {
  const packs = useCreditPacksQuery();
  const buy = useBuyPackMutation(csrfToken);
  const sandbox = packs.data?.sandbox ?? false;

  return (
    <section aria-labelledby="packs-heading" className={cardStyles}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="packs-heading" className="text-lg font-semibold">
          Buy credits
        </h2>
        {sandbox && (
          <span
            data-testid="sandbox-badge"
            className="rounded-full bg-amber-100 px-2.5 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-900 dark:text-amber-100"
          >
            Sandbox — no real money
          </span>
        )}
      </div>
      <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
        Bigger packs cost less per edit. Credits do not expire; unspent credits can be refunded on request.
      </p>
      {packs.isPending ? (
        <div className="mt-4 h-24 animate-pulse rounded-xl bg-slate-100 dark:bg-slate-900" aria-label="Loading packs" />
      ) : packs.isError ? (
        <p role="alert" className="mt-4 text-sm text-red-700 dark:text-red-300">
          The credit packs could not be loaded.
        </p>
      ) : packs.data.packs.length === 0 ? (
        <p className="mt-4 text-sm">No credit packs are on sale right now.</p>
      ) : (
        <ul className="mt-4 grid gap-3 sm:grid-cols-3">
          {packs.data.packs.map((pack) => (
            <li
              key={pack.id}
              className="flex flex-col rounded-xl border border-slate-200 p-4 dark:border-slate-800"
              data-testid={`pack-${pack.id}`}
            >
              <h3 className="font-semibold">{pack.name}</h3>
              <p className="mt-1 text-2xl font-semibold tabular-nums">{pack.display}</p>
              <p className="text-sm text-slate-600 dark:text-slate-400">
                {plural(pack.credits, "edit")} · {pack.perEdit} each
              </p>
              <button
                type="button"
                disabled={buy.isPending}
                onClick={() =>
                  buy.mutate(pack.id, {
                    onSuccess: ({ topup }) => {
                      if (topup.checkoutUrl) window.location.assign(topup.checkoutUrl);
                    },
                  })
                }
                className={buttonStyles({ size: "sm", className: "mt-4" })}
              >
                {buy.isPending && buy.variables === pack.id ? "Buying…" : `Buy ${pack.credits} credits`}
                <span className="sr-only"> for {pack.display}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <div aria-live="polite" className="mt-3 text-sm">
        {buy.isSuccess && buy.data.topup.status === "paid" && (
          <p className="text-emerald-700 dark:text-emerald-400" data-testid="topup-done">
            {plural(buy.data.topup.credits, "credit")} added{buy.data.topup.sandbox ? " (sandbox)" : ""}.{" "}
            <Link href={buy.data.topup.receiptUrl} className="font-medium underline">
              View the receipt
            </Link>
          </p>
        )}
        {buy.isSuccess && buy.data.topup.checkoutUrl && <p>Opening the card payment…</p>}
        {buy.isError && <p className="text-red-700 dark:text-red-300">{buy.error.message}</p>}
      </div>
    </section>
  );
}
