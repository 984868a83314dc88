"use client";

import { useCallback, useEffect, useState } from "react";
import { useDropzone, type FileRejection } from "react-dropzone";
import { ApiError, uploadWithProgress } from "@/lib/api-client";
import {
  ACCEPTED_IMAGE_TYPES,
  ACCEPTED_LABEL,
  MAX_UPLOAD_BYTES,
  UPLOAD_LIMITS_LABEL,
  formatBytes,
} from "@/lib/image/options";
import { cn } from "@/lib/utils";

export type UploadedAsset = {
  id: string;
  mime: string;
  width: number;
  height: number;
  bytes: number;
  fileName: string | null;
  url: string;
};

type Props = {
  onUploaded: (asset: UploadedAsset, localPreviewUrl: string) => void;
  /** Called as soon as an accepted file starts uploading (e.g. to load what comes next meanwhile). */
  onFileChosen?: () => void;
  compact?: boolean;
  label?: string;
};

function rejectionMessage(rejection: FileRejection): string {
  const error = rejection.errors[0];
  if (error?.code === "file-too-large") {
    return `${rejection.file.name} is ${formatBytes(rejection.file.size)}; the limit is ${formatBytes(MAX_UPLOAD_BYTES)}.`;
  }
  if (error?.code === "file-invalid-type") return `${rejection.file.name} is not a ${ACCEPTED_LABEL} image.`;
  if (error?.code === "too-many-files") return "Drop one photo at a time.";
  return error?.message ?? "This file cannot be used.";
}

/** Drag and drop, click to choose, or paste a photo; checks limits locally, then uploads with progress. */
export function UploadDropzone({ onUploaded, onFileChosen, compact = false, label = "Drop a photo here" }: Props) {
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [pending, setPending] = useState<{ url: string; name: string } | null>(null);

  const upload = useCallback(
    async (file: File) => {
      onFileChosen?.();
      setError(null);
      setProgress(0);
      const localPreviewUrl = URL.createObjectURL(file);
      setPending({ url: localPreviewUrl, name: file.name });
      try {
        const form = new FormData();
        form.append("file", file);
        const asset = await uploadWithProgress<UploadedAsset>({ url: "/api/assets", form, onProgress: setProgress });
        onUploaded(asset, localPreviewUrl);
      } catch (caught) {
        URL.revokeObjectURL(localPreviewUrl);
        setError(caught instanceof ApiError ? caught.message : "The upload failed. Try again.");
      } finally {
        setProgress(null);
        setPending(null);
      }
    },
    [onUploaded, onFileChosen],
  );

  const { getRootProps, getInputProps, isDragActive } = useDropzone({
    accept: ACCEPTED_IMAGE_TYPES as unknown as Record<string, string[]>,
    maxSize: MAX_UPLOAD_BYTES,
    multiple: false,
    disabled: progress !== null,
    onDropAccepted: (files) => {
      const file = files[0];
      if (file) void upload(file);
    },
    onDropRejected: (rejections) => {
      const first = rejections[0];
      if (first) setError(rejectionMessage(first));
    },
  });

  useEffect(() => {
    const onPaste = (event: ClipboardEvent) => {
      const file = Array.from(event.clipboardData?.files ?? []).find((candidate) =>
        candidate.type.startsWith("image/"),
      );
      if (!file || progress !== null) return;
      if (!(file.type in ACCEPTED_IMAGE_TYPES)) return setError(`Pasted image is not a ${ACCEPTED_LABEL} image.`);
      if (file.size > MAX_UPLOAD_BYTES)
        return setError(`The pasted image is larger than ${formatBytes(MAX_UPLOAD_BYTES)}.`);
      event.preventDefault();
      void upload(file);
    };
    window.addEventListener("paste", onPaste);
    return () => window.removeEventListener("paste", onPaste);
  }, [upload, progress]);

  return (
    <div>
      <div
        {...getRootProps({
          className: cn(
            "flex cursor-pointer flex-col items-center justify-center rounded-2xl border-2 border-dashed text-center transition-colors",
            compact ? "gap-1 px-4 py-6" : "gap-3 px-6 py-16",
            isDragActive
              ? "border-brand-500 bg-brand-50 dark:bg-brand-900/60"
              : "border-slate-300 bg-slate-50 hover:border-brand-400 hover:bg-brand-50/50 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800",
          ),
          "aria-label": `${label}: drag and drop, click to choose, or paste`,
        })}
      >
        <input {...getInputProps({ "aria-label": "Choose a photo" })} />
        {!compact && (
          <svg
            aria-hidden
            viewBox="0 0 24 24"
            className="h-10 w-10 text-brand-500"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.5"
          >
            <path
              d="M4 16.5V18a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-1.5M12 15V4m0 0-4 4m4-4 4 4"
              strokeLinecap="round"
              strokeLinejoin="round"
            />
          </svg>
        )}
        <p className="font-medium">{isDragActive ? "Release to upload" : label}</p>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          or click to choose, or paste · {ACCEPTED_LABEL} · {UPLOAD_LIMITS_LABEL}
        </p>
      </div>
      {progress !== null && (
        <div className="mt-3 flex items-center gap-3" role="status" aria-live="polite">
          {pending && (
            // eslint-disable-next-line @next/next/no-img-element -- instant local preview of the file being uploaded
            <img src={pending.url} alt="" className="h-14 w-14 shrink-0 rounded-lg object-cover" />
          )}
          <div className="min-w-0 flex-1">
            <div className="h-2 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800">
              <div
                className="h-full bg-brand-500 transition-[width]"
                style={{ width: `${Math.round(progress * 100)}%` }}
              />
            </div>
            <p className="mt-1 truncate text-sm text-slate-600 dark:text-slate-400">
              {progress < 1
                ? `Uploading ${pending?.name ?? "your photo"}… ${Math.round(progress * 100)}%`
                : "Checking your photo…"}
            </p>
          </div>
        </div>
      )}
      {error && (
        <p
          role="alert"
          className="mt-3 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950/50 dark:text-red-200"
        >
          {error}
        </p>
      )}
    </div>
  );
}
