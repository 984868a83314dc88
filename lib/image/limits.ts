/**
 * Upload limits shared by the browser (react-dropzone) and the server (validate.ts).
 * The browser check is only for a quick message; the server decodes the bytes.
 */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
export const MAX_LONG_SIDE = 4096;
/** Pixels a header may declare before we refuse to decode (decompression bombs). */
export const MAX_INPUT_PIXELS = MAX_LONG_SIDE * MAX_LONG_SIDE;

export const ACCEPTED_IMAGE_TYPES = {
  "image/jpeg": [".jpg", ".jpeg"],
  "image/png": [".png"],
  "image/webp": [".webp"],
} as const;

export type AcceptedMime = keyof typeof ACCEPTED_IMAGE_TYPES;

export const ACCEPTED_LABEL = "JPEG, PNG or WebP";

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
