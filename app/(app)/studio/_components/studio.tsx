"use client";

import dynamic from "next/dynamic";
import { useCallback, useState } from "react";
import { UploadDropzone, type UploadedAsset } from "@/components/upload/upload-dropzone";

export type Photo = { asset: UploadedAsset; previewUrl: string };

const preloadWorkspace = () => void import("./studio-workspace");

function WorkspaceLoading() {
  return (
    <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]" aria-busy="true">
      <p
        role="status"
        className="aspect-[4/3] rounded-2xl bg-slate-100 p-4 text-sm text-slate-600 dark:bg-slate-900 dark:text-slate-400"
      >
        Opening the studio…
      </p>
      <div className="h-96 animate-pulse rounded-2xl bg-slate-100 dark:bg-slate-900" />
    </div>
  );
}

// The workspace (tabs, presets, previews, checkout) is only needed once a photo is in: it loads
// while the photo uploads, so the first paint carries just the dropzone.
const StudioWorkspace = dynamic(() => import("./studio-workspace").then((m) => m.StudioWorkspace), {
  ssr: false,
  loading: WorkspaceLoading,
});

export function Studio() {
  const [photo, setPhoto] = useState<Photo | null>(null);

  const onUploaded = useCallback((asset: UploadedAsset, previewUrl: string) => {
    setPhoto((previous) => {
      if (previous) URL.revokeObjectURL(previous.previewUrl);
      return { asset, previewUrl };
    });
  }, []);

  if (photo) return <StudioWorkspace photo={photo} onPhotoChange={onUploaded} />;

  return (
    <div className="space-y-6">
      <UploadDropzone onUploaded={onUploaded} onFileChosen={preloadWorkspace} />
      <ul className="grid gap-3 text-sm text-slate-600 sm:grid-cols-3 dark:text-slate-400">
        <li className="rounded-xl border border-slate-200 p-4 dark:border-slate-800">
          <strong className="block text-slate-900 dark:text-slate-100">Previews are free</strong>
          Try as many skies and backgrounds as you like, side by side.
        </li>
        <li className="rounded-xl border border-slate-200 p-4 dark:border-slate-800">
          <strong className="block text-slate-900 dark:text-slate-100">Full resolution</strong>
          The paid result is your photo&apos;s full size, no watermark, no downscaling.
        </li>
        <li className="rounded-xl border border-slate-200 p-4 dark:border-slate-800">
          <strong className="block text-slate-900 dark:text-slate-100">Never pay for a failure</strong>
          If an edit fails, the payment is released automatically.
        </li>
      </ul>
    </div>
  );
}
