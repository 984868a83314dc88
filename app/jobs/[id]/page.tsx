import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { JobView } from "@/components/jobs/job-view";
import { buttonStyles } from "@/components/ui/button";
import { isWellFormedId } from "@/lib/ids";

export const metadata: Metadata = { title: "Your edit", robots: { index: false, follow: false } };

// /jobs/{id} – a job's result page; the unguessable id is the access key (shareable link)
export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!isWellFormedId(id, "job")) notFound();
  return (
    <div className="mx-auto max-w-5xl px-4 py-8 sm:py-12">
      <nav aria-label="Breadcrumb" className="mb-4 flex flex-wrap gap-x-4 gap-y-1 text-sm">
        <Link href="/studio" className="font-medium text-brand-700 hover:underline dark:text-brand-300">
          ← Studio
        </Link>
        <Link href="/history" className="font-medium text-brand-700 hover:underline dark:text-brand-300">
          My edits
        </Link>
      </nav>
      <h1 className="sr-only">Your edit</h1>
      <JobView jobId={id} showPermalink={false} />
      <div className="mt-8 border-t border-slate-200 pt-6 dark:border-slate-800">
        <Link href="/studio" className={buttonStyles({ variant: "secondary" })}>
          Edit another photo
        </Link>
      </div>
    </div>
  );
}
