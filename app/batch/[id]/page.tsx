import type { Metadata } from "next";
import Link from "next/link";
import { BatchProgress } from "@/components/batch/batch-progress";

export const metadata: Metadata = { title: "Batch progress", robots: { index: false } };

export default async function BatchStatusPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <div className="mx-auto max-w-6xl px-4 py-10">
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/batch" className="text-brand-700 hover:underline dark:text-brand-300">
          ← New batch
        </Link>
      </nav>
      <h1 className="mb-6 text-3xl font-bold tracking-tight">Your batch</h1>
      <BatchProgress batchId={id} />
    </div>
  );
}
