/** Where asset bytes live: local disk by default, an S3-compatible bucket at scale. */
export interface Storage {
  readonly kind: "local" | "s3";
  put(params: { key: string; bytes: Buffer; mime: string }): Promise<void>;
  /** The bytes, or null when the object does not exist. */
  get(key: string): Promise<Buffer | null>;
  delete(key: string): Promise<void>;
  /** Writes, reads back and deletes a probe object; throws when storage is unusable. */
  check(): Promise<void>;
}

const KEY_PATTERN = /^[a-z0-9][a-z0-9/_.-]{0,200}$/i;

/** Keys are made by us, never by users; still refuse anything that could walk out of the root. */
export function assertSafeKey(key: string): void {
  if (!KEY_PATTERN.test(key) || key.includes("..") || key.includes("//")) {
    throw new Error(`Unsafe storage key: ${JSON.stringify(key)}`);
  }
}
