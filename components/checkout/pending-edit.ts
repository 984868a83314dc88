import type { ServiceId } from "@/lib/catalog/services";

/** An edit waiting for a card payment to finish (Stripe mode): kept in this browser while the user is on Stripe. */
type PendingEdit = {
  kind?: "edit";
  paymentId: string;
  serviceId: ServiceId;
  input: Record<string, unknown>;
  label: string;
  savedAt: number;
};
/** A batch waiting for its card payment: the uploaded photos and the look, started on return with the payment's token. */
type PendingBatch = {
  kind: "batch";
  paymentId: string;
  items: Array<Record<string, unknown>>;
  look: Record<string, unknown>;
  label: string;
  savedAt: number;
};
export type PendingCheckout = PendingEdit | PendingBatch;

const KEY = "bd:pending-edit";
const MAX_AGE_MS = 24 * 3600 * 1000;

export function savePendingEdit(edit: PendingCheckout): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(edit));
  } catch {
    // Private mode or storage full: the success page then shows the token for manual use.
  }
}

export function readPendingEdit(paymentId?: string): PendingCheckout | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const edit = JSON.parse(raw) as PendingCheckout;
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
