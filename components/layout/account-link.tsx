"use client";

import Link from "next/link";
import { useSyncExternalStore } from "react";
import { hasSessionHint, useAccountQuery } from "@/lib/queries/account";

const noSubscription = () => () => {};

/** "Sign in", or the account with its balance: asks the server only when this browser holds a session cookie. */
export function AccountLink({ className }: { className: string }) {
  const hint = useSyncExternalStore(noSubscription, hasSessionHint, () => false);
  const account = useAccountQuery({ enabled: hint });
  const state = hint ? account.data : undefined;
  if (state?.signedIn) {
    return (
      <Link href="/account" className={className} data-testid="account-link">
        Account{" "}
        <span className="tabular-nums text-slate-500 dark:text-slate-400">
          · {state.credits.balance} credit{state.credits.balance === 1 ? "" : "s"}
        </span>
      </Link>
    );
  }
  return (
    <Link href="/sign-in" className={className} data-testid="account-link">
      Sign in
    </Link>
  );
}
