"use client";

import { useRouter } from "next/navigation";
import { buttonStyles } from "@/components/ui/button";
import { useAccountQuery, useSignOutMutation, type SignedInState } from "@/lib/queries/account";
import { ActivityTable } from "./activity-table";
import { ApiKeysPanel } from "./api-keys-panel";
import { CreditPacks } from "./credit-packs";
import { DeleteAccount } from "./delete-account";
import { cardStyles, plural } from "./format";

export function AccountDashboard({ initial, checkoutCanceled }: { initial: SignedInState; checkoutCanceled: boolean }) {
  const router = useRouter();
  const query = useAccountQuery();
  const state = query.data?.signedIn ? query.data : initial;
  const signOut = useSignOutMutation(state.csrfToken);
  const { credits } = state;

  return (
    <div className="space-y-8">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight sm:text-3xl">Your account</h1>
          <p className="mt-1 text-slate-600 dark:text-slate-400">
            Signed in as <strong className="text-slate-900 dark:text-slate-100">{state.account.email}</strong>
          </p>
        </div>
        <button
          type="button"
          disabled={signOut.isPending}
          onClick={() => signOut.mutate(undefined, { onSuccess: () => router.replace("/sign-in") })}
          className={buttonStyles({ variant: "secondary", size: "sm" })}
        >
          {signOut.isPending ? "Signing out…" : "Sign out"}
        </button>
      </div>

      {checkoutCanceled && (
        <p
          role="status"
          className="rounded-xl bg-amber-50 p-4 text-sm text-amber-950 dark:bg-amber-950/40 dark:text-amber-100"
        >
          The card payment was canceled; no credits were bought and nothing was charged.
        </p>
      )}

      <section aria-labelledby="balance-heading" className={cardStyles}>
        <h2 id="balance-heading" className="text-sm font-medium text-slate-600 dark:text-slate-400">
          Balance
        </h2>
        <p className="mt-1 text-4xl font-semibold tabular-nums tracking-tight" data-testid="credit-balance">
          {plural(credits.balance, "credit")}
        </p>
        <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">
          One credit pays for one edit of any service, charged only when the edit succeeds.
          {credits.reserved > 0 && <> {plural(credits.reserved, "credit")} held by edits in progress.</>} Spent so far:{" "}
          {credits.spent}.
        </p>
      </section>

      <CreditPacks csrfToken={state.csrfToken} />
      <ApiKeysPanel csrfToken={state.csrfToken} />
      <ActivityTable />
      <DeleteAccount csrfToken={state.csrfToken} email={state.account.email ?? ""} />
    </div>
  );
}
