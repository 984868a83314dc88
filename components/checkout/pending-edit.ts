import type { ServiceId } from "@/lib/catalog/services";

/** An edit waiting for a card payment to finish (Stripe mode): kept in this browser while the user is on Stripe. */
export type PendingEdit = { paymentId: string; serviceId: ServiceId; input: Record<string, unknown>; label: string; savedAt: number };

const KEY = "bd:pending-edit";
const MAX_AGE_MS = 24 * 3600 * 1000;

export function savePendingEdit(edit: PendingEdit): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(edit));
  } catch {
    // Private mode or storage full: the success page then shows the token for manual use.
  }
}

export function readPendingEdit(paymentId?: string): PendingEdit | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const edit = JSON.parse(raw) as PendingEdit;
    if (Date.now() - edit.savedAt > MAX_AGE_MS) return null;
    if (paymentId && edit.paymentId !== paymentId) return null;
    return edit;
  } catch {
    return null;
  }
}

export function clearPendingEdit(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // ignore
  }
}
