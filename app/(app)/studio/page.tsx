import type { Metadata } from "next";
import { CheckoutCanceledNote } from "@/components/checkout/checkout-canceled-note";
import { Studio } from "./_components/studio";

export const metadata: Metadata = { title: "Studio" };

export default function StudioPage() {
  return (
    <div className="mx-auto max-w-6xl px-4 py-8 sm:py-12">
      <h1 className="text-2xl font-semibold tracking-tight sm:text-3xl">Studio</h1>
      <p className="mt-1 text-slate-600 dark:text-slate-400">
        Upload a photo, choose a look, preview it free, and pay only for the result you keep.
      </p>
      <CheckoutCanceledNote />
      <div className="mt-8">
        <Studio />
      </div>
    </div>
  );
}
