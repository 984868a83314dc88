"use client";

import { useId, useState } from "react";
import { buttonStyles } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import {
  useApiKeysQuery,
  useCreateApiKeyMutation,
  useRevokeApiKeyMutation,
  useSetApiKeyCapMutation,
  type PublicApiKey,
} from "@/lib/queries/account";
import { fieldStyles } from "./sign-in-form";
import { cardStyles, formatWhen } from "./format";

function parseCap(value: string): number | null | "invalid" {
  const trimmed = value.trim();
  if (!trimmed) return null;
  const cap = Number(trimmed);
  return Number.isInteger(cap) && cap >= 1 && cap <= 1_000_000 ? cap : "invalid";
}

function NewKey({ secret, name, onDone }: { secret: string; name: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div
      role="status"
      data-testid="new-api-key"
      className="mt-4 rounded-xl border border-emerald-300 bg-emerald-50 p-4 text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950/40 dark:text-emerald-50"
    >
      <p className="font-medium">
        Your new key &ldquo;{name}&rdquo;. <strong>Copy it now: it is shown only this once.</strong>
      </p>
      <pre className="mt-2 overflow-x-auto rounded-lg bg-slate-900 p-3 text-sm text-slate-100">
        <code data-testid="api-key-secret">{secret}</code>
      </pre>
      <p className="mt-2 text-sm">
        Send it as <code>Authorization: Bearer {secret.slice(0, 8)}…</code> on <code>/api/tools/*</code>,{" "}
        <code>/api/batches</code> and <code>/api/mcp</code>. Each successful edit spends one credit.
      </p>
      <div className="mt-3 flex gap-2">
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(secret).then(() => setCopied(true));
          }}
          className={buttonStyles({ size: "sm" })}
        >
          {copied ? "Copied" : "Copy key"}
        </button>
        <button type="button" onClick={onDone} className={buttonStyles({ size: "sm", variant: "secondary" })}>
          I have saved it
        </button>
      </div>
    </div>
  );
}

function CapDialog({ apiKey, csrfToken, onClose }: { apiKey: PublicApiKey; csrfToken: string; onClose: () => void }) {
  const id = useId();
  const [value, setValue] = useState(apiKey.monthlyCap ? String(apiKey.monthlyCap) : "");
  const setCap = useSetApiKeyCapMutation(csrfToken);
  const cap = parseCap(value);
  return (
    <Dialog
      open
      onClose={onClose}
      title={`Monthly cap of “${apiKey.name}”`}
      description="The most credits this key may spend in a calendar month (UTC). Leave it empty for no cap."
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (cap === "invalid") return;
          setCap.mutate({ keyId: apiKey.id, monthlyCap: cap }, { onSuccess: onClose });
        }}
      >
        <label htmlFor={`${id}-cap`} className="mb-1 block text-sm font-medium">
          Credits per month
        </label>
        <input
          id={`${id}-cap`}
          inputMode="numeric"
          value={value}
          onChange={(event) => setValue(event.target.value)}
          className={fieldStyles}
          aria-invalid={cap === "invalid" || undefined}
        />
        {(cap === "invalid" || setCap.isError) && (
          <p role="alert" className="mt-2 text-sm text-red-700 dark:text-red-300">
            {cap === "invalid" ? "Enter a whole number from 1 to 1,000,000, or leave it empty." : setCap.error?.message}
          </p>
        )}
        <div className="mt-4 flex justify-end gap-2">
          <button type="button" onClick={onClose} className={buttonStyles({ variant: "secondary" })}>
            Cancel
          </button>
          <button type="submit" disabled={cap === "invalid" || setCap.isPending} className={buttonStyles()}>
            Save cap
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function ApiKeysPanel({ csrfToken }: { csrfToken: string }) {
  const id = useId();
  const keys = useApiKeysQuery(true);
  const create = useCreateApiKeyMutation(csrfToken);
  const revoke = useRevokeApiKeyMutation(csrfToken);
  const [name, setName] = useState("");
  const [capText, setCapText] = useState("");
  const [created, setCreated] = useState<{ secret: string; name: string } | null>(null);
  const [revoking, setRevoking] = useState<PublicApiKey | null>(null);
  const [capping, setCapping] = useState<PublicApiKey | null>(null);
  const cap = parseCap(capText);

  return (
    <section aria-labelledby="keys-heading" className={cardStyles}>
      <h2 id="keys-heading" className="text-lg font-semibold">
        API keys
      </h2>
      <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
        Programs and AI agents spend this account&apos;s credits with a key: no payment per call. Keys are stored
        hashed; a revoked key stops working at once.
      </p>

      <form
        className="mt-4 grid gap-3 sm:grid-cols-[minmax(0,1fr)_10rem_auto] sm:items-end"
        onSubmit={(event) => {
          event.preventDefault();
          if (cap === "invalid") return;
          create.mutate(
            { name: name.trim(), monthlyCap: cap },
            {
              onSuccess: (result) => {
                setCreated({ secret: result.key, name: result.apiKey.name });
                setName("");
                setCapText("");
              },
            },
          );
        }}
      >
        <div>
          <label htmlFor={`${id}-name`} className="mb-1 block text-sm font-medium">
            Key name
          </label>
          <input
            id={`${id}-name`}
            value={name}
            maxLength={60}
            placeholder="e.g. catalog sync"
            onChange={(event) => setName(event.target.value)}
            className={fieldStyles}
          />
        </div>
        <div>
          <label htmlFor={`${id}-cap`} className="mb-1 block text-sm font-medium">
            Monthly cap <span className="font-normal text-slate-500 dark:text-slate-400">(optional)</span>
          </label>
          <input
            id={`${id}-cap`}
            inputMode="numeric"
            value={capText}
            onChange={(event) => setCapText(event.target.value)}
            className={fieldStyles}
            aria-invalid={cap === "invalid" || undefined}
          />
        </div>
        <button
          type="submit"
          disabled={!name.trim() || cap === "invalid" || create.isPending}
          className={buttonStyles()}
        >
          {create.isPending ? "Creating…" : "Create key"}
        </button>
      </form>
      {(create.isError || cap === "invalid") && (
        <p role="alert" className="mt-2 text-sm text-red-700 dark:text-red-300">
          {cap === "invalid" ? "The cap is a whole number of credits (1 to 1,000,000)." : create.error?.message}
        </p>
      )}
      {created && <NewKey secret={created.secret} name={created.name} onDone={() => setCreated(null)} />}

      {keys.isPending ? (
        <div className="mt-4 h-16 animate-pulse rounded-xl bg-slate-100 dark:bg-slate-900" aria-label="Loading keys" />
      ) : keys.isError ? (
        <p role="alert" className="mt-4 text-sm text-red-700 dark:text-red-300">
          The keys could not be loaded.
        </p>
      ) : keys.data.length === 0 ? (
        <p className="mt-4 text-sm text-slate-600 dark:text-slate-400">No keys yet.</p>
      ) : (
        <div className="mt-5 overflow-x-auto">
          <table className="w-full min-w-[40rem] text-left text-sm" data-testid="api-keys">
            <thead className="text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">
              <tr>
                <th scope="col" className="py-2 pr-3 font-medium">
                  Name
                </th>
                <th scope="col" className="py-2 pr-3 font-medium">
                  Key
                </th>
                <th scope="col" className="py-2 pr-3 font-medium">
                  Created
                </th>
                <th scope="col" className="py-2 pr-3 font-medium">
                  Last used
                </th>
                <th scope="col" className="py-2 pr-3 font-medium">
                  This month
                </th>
                <th scope="col" className="py-2 pr-3 font-medium">
                  Total
                </th>
                <th scope="col" className="py-2 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
              {keys.data.map((key) => (
                <tr key={key.id} data-testid="api-key-row" className={key.revokedAt ? "text-slate-500" : undefined}>
                  <td className="py-2 pr-3 font-medium">{key.name}</td>
                  <td className="py-2 pr-3 font-mono text-xs">{key.prefix}…</td>
                  <td className="py-2 pr-3 tabular-nums">{formatWhen(key.createdAt)}</td>
                  <td className="py-2 pr-3 tabular-nums" data-testid="api-key-last-used">
                    {formatWhen(key.lastUsedAt)}
                  </td>
                  <td className="py-2 pr-3 tabular-nums" data-testid="api-key-month">
                    {key.usage.thisMonth}
                    {key.monthlyCap ? ` of ${key.monthlyCap}` : ""}
                  </td>
                  <td className="py-2 pr-3 tabular-nums">{key.usage.total}</td>
                  <td className="py-2 text-right">
                    {key.revokedAt ? (
                      <span className="text-xs">Revoked {formatWhen(key.revokedAt)}</span>
                    ) : (
                      <div className="flex justify-end gap-1">
                        <button
                          type="button"
                          onClick={() => setCapping(key)}
                          className={buttonStyles({ variant: "ghost", size: "sm" })}
                        >
                          {key.monthlyCap ? "Change cap" : "Set cap"}
                          <span className="sr-only"> of {key.name}</span>
                        </button>
                        <button
                          type="button"
                          onClick={() => setRevoking(key)}
                          className={buttonStyles({
                            variant: "ghost",
                            size: "sm",
                            className: "text-red-700 dark:text-red-300",
                          })}
                        >
                          Revoke<span className="sr-only"> {key.name}</span>
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {capping && <CapDialog apiKey={capping} csrfToken={csrfToken} onClose={() => setCapping(null)} />}
      <Dialog
        open={revoking !== null}
        onClose={() => setRevoking(null)}
        title={`Revoke “${revoking?.name ?? ""}”?`}
        description="Every program using this key is refused from now on. This cannot be undone."
      >
        {revoke.isError && (
          <p role="alert" className="mb-3 text-sm text-red-700 dark:text-red-300">
            {revoke.error.message}
          </p>
        )}
        <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
          <button type="button" onClick={() => setRevoking(null)} className={buttonStyles({ variant: "secondary" })}>
            Keep it
          </button>
          <button
            type="button"
            disabled={revoke.isPending}
            onClick={() => revoking && revoke.mutate(revoking.id, { onSuccess: () => setRevoking(null) })}
            className={buttonStyles({ variant: "danger" })}
          >
            {revoke.isPending ? "Revoking…" : "Revoke key"}
          </button>
        </div>
      </Dialog>
    </section>
  );
}
