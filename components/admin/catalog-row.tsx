"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { ApiError } from "@/lib/api-client";
import { buttonStyles } from "@/components/ui/button";
import { useAdminMutation } from "./admin-session";
import { formatMoney } from "./format";
import { cellStyles as td } from "./data-table";
import { inputStyles } from "./ui";

export function CatalogRow(props: {
  service: { id: string; name: string; priceMinor: number; currency: string; enabled: boolean; updatedAt: string };
}) {
  const { service } = props;
  const router = useRouter();
  const mutate = useAdminMutation();
  const [price, setPrice] = useState((service.priceMinor / 100).toFixed(2));
  const [enabled, setEnabled] = useState(service.enabled);
  const [state, setState] = useState<{ tone: "ok" | "error"; text: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const priceMinor = Math.round(Number(price) * 100);
  const invalid = !/^\d{1,5}(\.\d{1,2})?$/.test(price.trim());
  const dirty = !invalid && (priceMinor !== service.priceMinor || enabled !== service.enabled);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (!dirty) return;
    setSaving(true);
    setState(null);
    try {
      await mutate(`/api/admin/catalog/${service.id}`, { method: "PUT", body: { priceMinor, enabled } });
      setState({ tone: "ok", text: "Saved" });
      router.refresh();
    } catch (cause) {
      setState({ tone: "error", text: cause instanceof ApiError ? cause.message : "Could not save" });
    } finally {
      setSaving(false);
    }
  }

  const formId = `catalog-${service.id}`;
  return (
    <tr>
      <th scope="row" className={`${td} text-left font-medium`}>
        {service.name}
        <div className="font-mono text-xs font-normal text-slate-500">{service.id}</div>
      </th>
      <td className={td}>{formatMoney(service.priceMinor, service.currency)}</td>
      <td className={td}>
        <label htmlFor={`${formId}-price`} className="sr-only">
          New price of {service.name} in {service.currency}
        </label>
        <div className="flex items-center gap-1">
          <span aria-hidden className="text-slate-500">
            $
          </span>
          <input
            id={`${formId}-price`}
            form={formId}
            inputMode="decimal"
            value={price}
            onChange={(event) => setPrice(event.target.value)}
            aria-invalid={invalid}
            className={`${inputStyles} w-24`}
          />
        </div>
      </td>
      <td className={td}>
        <label className="inline-flex items-center gap-2">
          <input
            type="checkbox"
            form={formId}
            checked={enabled}
            onChange={(event) => setEnabled(event.target.checked)}
            className="h-4 w-4 rounded border-slate-300"
          />
          <span>{enabled ? "Enabled" : "Disabled"}</span>
        </label>
      </td>
      <td className={td}>
        <form id={formId} onSubmit={onSubmit} className="flex items-center gap-3">
          <button type="submit" disabled={!dirty || saving} className={buttonStyles({ size: "sm" })}>
            {saving ? "Saving…" : `Save ${service.name}`}
          </button>
          <span
            aria-live="polite"
            className={
              state?.tone === "error" ? "text-sm text-red-600" : "text-sm text-emerald-700 dark:text-emerald-400"
            }
          >
            {state?.text ?? (invalid ? "Enter a price like 0.20" : "")}
          </span>
        </form>
      </td>
    </tr>
  );
}
