"use client";

import { useSyncExternalStore } from "react";

const noSubscription = () => () => {};

/**
 * Shown on the page a cancelled card Checkout returns to (`?checkout=canceled`). Read on the client,
 * so the page itself stays static.
 */
export function CheckoutCanceledNote() {
  const canceled = useSyncExternalStore(
    noSubscription,
    () => new URLSearchParams(window.location.search).get("checkout") === "canceled",
    () => false,
  );
  if (!canceled) return null;
  return (
    <p
      role="status"
      className="mt-4 rounded-lg border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
    >
      Checkout was cancelled, so you were not charged.
    </p>
  );
}
