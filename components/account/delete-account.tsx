"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { buttonStyles } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { useDeleteAccountMutation } from "@/lib/queries/account";
import { cardStyles } from "./format";
import { fieldStyles } from "./sign-in-form";

export function DeleteAccount({ csrfToken, email }: { csrfToken: string; email: string }) {
  const id = useId();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const deletion = useDeleteAccountMutation(csrfToken);
  const matches = typed.trim().toLowerCase() === email;

  return (
    <section aria-labelledby="delete-heading" className={cardStyles}>
      <h2 id="delete-heading" className="text-lg font-semibold">
        Delete my account
      </h2>
      <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
        Deletes every photo and result, your API keys and sessions, and your email address. Receipts stay as anonymous
        accounting records; credits left are forfeited.
      </p>
      <button
        type="button"
        onClick={() => setOpen(true)}
        className={buttonStyles({ variant: "danger", className: "mt-3" })}
      >
        Delete my account
      </button>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        title="Delete your account?"
        description="This cannot be undone. Type your email address to confirm."
      >
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (!matches) return;
            deletion.mutate(typed, { onSuccess: () => router.replace("/") });
          }}
        >
          <label htmlFor={`${id}-email`} className="mb-1 block text-sm font-medium">
            Your email address
          </label>
          <input
            id={`${id}-email`}
            type="email"
            autoComplete="off"
            value={typed}
            onChange={(event) => setTyped(event.target.value)}
            className={fieldStyles}
          />
          {deletion.isError && (
            <p role="alert" className="mt-2 text-sm text-red-700 dark:text-red-300">
              {deletion.error.message}
            </p>
          )}
          <div className="mt-4 flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
            <button type="button" onClick={() => setOpen(false)} className={buttonStyles({ variant: "secondary" })}>
              Keep my account
            </button>
            <button
              type="submit"
              disabled={!matches || deletion.isPending}
              className={buttonStyles({ variant: "danger" })}
            >
              {deletion.isPending ? "Deleting…" : "Delete everything"}
            </button>
          </div>
        </form>
      </Dialog>
    </section>
  );
}
