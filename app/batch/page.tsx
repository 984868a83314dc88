import type { Metadata } from "next";
import { BatchWorkbench } from "@/components/batch/batch-workbench";
import { CheckoutCanceledNote } from "@/components/checkout/checkout-canceled-note";

export const metadata: Metadata = {
  title: "Bulk backgrounds",
  description:
    "Up to 100 product photos, one background, one payment — per-photo status, no charge for failures, a ZIP of the results.",
};

export default function BatchPage() {
  return (
    <div className="mx-auto max-w-6xl px-4 py-10">
      <h1 className="text-3xl font-bold tracking-tight">Bulk backgrounds for product photos</h1>
      <p className="mt-2 max-w-2xl text-slate-600 dark:text-slate-400">
        Drop up to 100 photos, pick one background, pay once. Each photo is its own edit: a photo that fails is never
        charged, and you can retry it. Download everything as a ZIP.
      </p>
      <CheckoutCanceledNote />
      <div className="mt-8">
        <BatchWorkbench />
      </div>
    </div>
  );
}
