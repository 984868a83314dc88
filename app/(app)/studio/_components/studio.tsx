"use client";

import { useCallback, useState } from "react";
import { UploadDropzone, type UploadedAsset } from "@/components/upload/upload-dropzone";
import { formatBytes } from "@/lib/image/limits";

type Photo = { asset: UploadedAsset; previewUrl: string };

export function Studio() {
  const [photo, setPhoto] = useState<Photo | null>(null);
  const onUploaded = useCallback((asset: UploadedAsset, previewUrl: string) => setPhoto({ asset, previewUrl }), []);

  if (!photo) return <UploadDropzone onUploaded={onUploaded} />;

  const { asset } = photo;
  return (
    <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
      <figure className="overflow-hidden rounded-2xl border border-slate-200 bg-slate-100 dark:border-slate-800 dark:bg-slate-900">
        {/* eslint-disable-next-line @next/next/no-img-element -- a local blob URL of the user's own photo */}
        <img
          src={photo.previewUrl}
          alt="Your uploaded photo"
          width={asset.width}
          height={asset.height}
          className="h-auto max-h-[70vh] w-full object-contain"
        />
        <figcaption className="flex flex-wrap items-center justify-between gap-2 border-t border-slate-200 px-4 py-3 text-sm dark:border-slate-800">
          <span className="truncate font-medium">{asset.fileName ?? "Photo"}</span>
          <span data-testid="photo-dimensions" className="text-slate-600 dark:text-slate-400">
            {asset.width} × {asset.height} px · {formatBytes(asset.bytes)}
          </span>
        </figcaption>
      </figure>
      <aside className="space-y-4">
        <div className="rounded-2xl border border-slate-200 p-4 dark:border-slate-800">
          <h2 className="font-semibold">Photo ready</h2>
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">Checked and stored at full resolution. Choose another photo any time.</p>
        </div>
        <UploadDropzone onUploaded={onUploaded} compact label="Use another photo" />
      </aside>
    </div>
  );
}
