"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { buttonStyles } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { ApiError } from "@/lib/api-client";
import { useAdminMutation } from "./admin-session";
import { inputStyles, labelStyles } from "./ui";

type Message = { tone: "ok" | "error"; text: string };

function Note({ message }: { message: Message | null }) {
  return (
    <div aria-live="polite">
      {message ? (
        <p
          role={message.tone === "error" ? "alert" : "status"}
          data-testid="account-action-message"
          className={
            message.tone === "error"
              ? "mt-3 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700 dark:bg-red-950 dark:text-red-300"
              : "mt-3 rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300"
          }
        >
          {message.text}
        </p>
      ) : null}
    </div>
  );
}

const failure = (cause: unknown): Message => ({
  tone: "error",
  text: cause instanceof ApiError ? cause.message : "The action failed; try again.",
});

/** A manual credit adjustment: a signed whole number and a required reason (both land in the audit log). */
export function AdjustCreditsForm({ accountId }: { accountId: string }) {
  const id = useId();
  const router = useRouter();
  const mutate = useAdminMutation();
  const [credits, setCredits] = useState("");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const amount = Number(credits);
  const valid = Number.isInteger(amount) && amount !== 0 && credits.trim() !== "" && reason.trim().length >= 3;

  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        if (!valid) return;
        setBusy(true);
        setMessage(null);
        try {
          const result = await mutate<{ balance: number }>(`/api/admin/accounts/${accountId}/credits`, {
            method: "POST",
            body: { credits: amount, reason: reason.trim() },
          });
          setMessage({ tone: "ok", text: `Done: the balance is now ${result.balance}.` });
          setCredits("");
          setReason("");
          router.refresh();
        } catch (cause) {
          setMessage(failure(cause));
        } finally {
          setBusy(false);
        }
      }}
    >
      <div className="grid gap-3 sm:grid-cols-[8rem_minmax(0,1fr)_auto] sm:items-end">
        <div>
          <label htmlFor={`${id}-credits`} className={labelStyles}>
            Credits (+ or −)
          </label>
          <input
            id={`${id}-credits`}
            inputMode="numeric"
            value={credits}
            placeholder="e.g. 5 or -2"
            onChange={(event) => setCredits(event.target.value)}
            className={inputStyles}
          />
        </div>
        <div>
          <label htmlFor={`${id}-reason`} className={labelStyles}>
            Reason (required, kept in the audit log)
          </label>
          <input
            id={`${id}-reason`}
            value={reason}
            maxLength={300}
            onChange={(event) => setReason(event.target.value)}
            className={inputStyles}
          />
        </div>
        <button type="submit" disabled={!valid || busy} className={buttonStyles({ size: "sm" })}>
          {busy ? "Saving…" : "Adjust balance"}
        </button>
      </div>
      <Note message={message} />
    </form>
  );
}

/** Refunds a top-up's unspent credits, after asking for the reason. */
export function RefundTopupButton(props: { topupId: string; unspent: number; display: string }) {
  const id = useId();
  const router = useRouter();
  const mutate = useAdminMutation();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);

  return (
    <>
      <button
        type="button"
        disabled={props.unspent === 0}
        onClick={() => setOpen(true)}
        className={buttonStyles({ variant: "secondary", size: "sm" })}
      >
        {props.unspent === 0 ? "Nothing unspent" : `Refund ${props.unspent} unspent`}
      </button>
      <Note message={message} />
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        title={`Refund ${props.unspent} unspent credits?`}
        description={`They leave the balance and their share of ${props.display} goes back to the buyer. Spent credits are never refunded.`}
      >
        <form
          onSubmit={async (event) => {
            event.preventDefault();
            setBusy(true);
            setMessage(null);
            try {
              const result = await mutate<{ credits: number; display: string }>(
                `/api/admin/topups/${props.topupId}/refund`,
                { method: "POST", body: { reason: reason.trim() } },
              );
              setMessage({ tone: "ok", text: `Refunded ${result.credits} credits (${result.display}).` });
              setOpen(false);
              router.refresh();
            } catch (cause) {
              setMessage(failure(cause));
              setOpen(false);
            } finally {
              setBusy(false);
            }
          }}
        >
          <label htmlFor={`${id}-reason`} className={labelStyles}>
            Reason
          </label>
          <input
            id={`${id}-reason`}
            value={reason}
            maxLength={300}
            onChange={(event) => setReason(event.target.value)}
            className={inputStyles}
          />
          <div className="mt-4 flex justify-end gap-2">
            <button type="button" onClick={() => setOpen(false)} className={buttonStyles({ variant: "secondary" })}>
              Cancel
            </button>
            <button
              type="submit"
              disabled={busy || reason.trim().length < 3}
              className={buttonStyles({ variant: "danger" })}
            >
              {busy ? "Refunding…" : "Refund"}
            </button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
