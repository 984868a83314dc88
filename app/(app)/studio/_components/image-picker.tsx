"use client";

import { useRef, useState } from "react";
import { ApiError, uploadWithProgress } from "@/lib/api-client";
import { ACCEPTED_IMAGE_TYPES, ACCEPTED_LABEL, MAX_UPLOAD_BYTES, formatBytes } from "@/lib/image/options";
import { buttonStyles } from "@/components/ui/button";
import type { UploadedAsset } from "@/components/upload/upload-dropzone";

type Props = {
  label: string;
  current: { assetId: string; name: string } | null;
  onUploaded: (asset: { assetId: string; name: string }) => void;
};

/** A small "upload your own sky/background" control (same limits and endpoint as the main photo). */
export function ImagePicker({ label, current, onUploaded }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  const onChange = async (file: File | undefined) => {
    if (!file) return;
    setError(null);
    if (!(file.type in ACCEPTED_IMAGE_TYPES)) return setError(`${file.name} is not a ${ACCEPTED_LABEL} image.`);
    if (file.size > MAX_UPLOAD_BYTES)
      return setError(`${file.name} is ${formatBytes(file.size)}; the limit is ${formatBytes(MAX_UPLOAD_BYTES)}.`);
    setProgress(0);
    try {
      const form = new FormData();
      form.append("file", file);
      const asset = await uploadWithProgress<UploadedAsset>({ url: "/api/assets", form, onProgress: setProgress });
      onUploaded({ assetId: asset.id, name: asset.fileName ?? file.name });
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : "The upload failed. Try again.");
    } finally {
      setProgress(null);
      if (input.current) input.current.value = "";
    }
  };

  return (
    <div className="space-y-2">
      <label
        className={buttonStyles({
          variant: "secondary",
          size: "sm",
          className:
            "cursor-pointer focus-within:outline-2 focus-within:outline-offset-2 focus-within:outline-brand-500",
        })}
      >
        {progress !== null ? `Uploading… ${Math.round(progress * 100)} %` : current ? "Choose another image" : label}
        <input
          ref={input}
          type="file"
          accept={Object.keys(ACCEPTED_IMAGE_TYPES).join(",")}
          className="sr-only"
          disabled={progress !== null}
          onChange={(event) => void onChange(event.target.files?.[0])}
        />
      </label>
      {current && <p className="truncate text-sm text-slate-600 dark:text-slate-400">Using {current.name}</p>}
      {error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
    </div>
  );
}
