"use client";

import { useId, useState } from "react";
import { buttonStyles } from "@/components/ui/button";
import { useRequestSignInLinkMutation } from "@/lib/queries/account";

export const fieldStyles =
  "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-slate-900 shadow-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/40 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100";

export function SignInForm({ returnTo }: { returnTo: string }) {
  const id = useId();
  const [email, setEmail] = useState("");
  const request = useRequestSignInLinkMutation();

  if (request.isSuccess) {
    return (
      <div
        role="status"
        data-testid="sign-in-sent"
        className="rounded-2xl border border-emerald-200 bg-emerald-50 p-5 text-emerald-950 dark:border-emerald-900 dark:bg-emerald-950/40 dark:text-emerald-100"
      >
        <h2 className="font-semibold">Check your inbox</h2>
        {request.data.delivery === "smtp" ? (
          <p className="mt-1 text-sm">
            We sent a sign-in link to <strong>{request.variables.email}</strong>. It works once, for a short time.
          </p>
        ) : (
          <p className="mt-1 text-sm">
            This server has no mail server configured, so the link for <strong>{request.variables.email}</strong> was
            printed to the server&apos;s log (look for &ldquo;SIGN-IN LINK&rdquo;). It works once, for a short time.
          </p>
        )}
        <button
          type="button"
          onClick={() => request.reset()}
          className={buttonStyles({ variant: "secondary", size: "sm", className: "mt-4" })}
        >
          Use another address
        </button>
      </div>
    );
  }

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        request.mutate({ email: email.trim(), returnTo });
      }}
      className="space-y-4"
      noValidate
    >
      <div>
        <label htmlFor={`${id}-email`} className="mb-1 block text-sm font-medium">
          Email address
        </label>
        <input
          id={`${id}-email`}
          type="email"
          name="email"
          autoComplete="email"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          aria-invalid={request.isError || undefined}
          aria-describedby={request.isError ? `${id}-error` : undefined}
          className={fieldStyles}
        />
      </div>
      {request.isError && (
        <p id={`${id}-error`} role="alert" className="text-sm text-red-700 dark:text-red-300">
          {request.error.message}
        </p>
      )}
      <button type="submit" disabled={request.isPending || !email.trim()} className={buttonStyles({ size: "lg" })}>
        {request.isPending ? "Sending…" : "Email me a sign-in link"}
      </button>
    </form>
  );
}
