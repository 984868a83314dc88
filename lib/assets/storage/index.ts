import "server-only";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { createLocalStorage } from "./local";
import { createS3Storage, type S3Storage } from "./s3";
import type { Storage } from "./types";

export type { Storage } from "./types";
export type { S3Storage } from "./s3";

const globalForStorage = globalThis as unknown as { backdropStorage?: Storage };

/**
 * This process's storage, chosen from the configuration: an S3 bucket when S3_BUCKET is set
 * (credentials from S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY[/S3_SESSION_TOKEN], else the AWS SDK's
 * standard chain: AWS_* variables, profiles, web identity, container and instance roles), else
 * `DATA_DIR/assets`.
 */
export function getStorage(): Storage {
  globalForStorage.backdropStorage ??= createStorageFromEnv();
  return globalForStorage.backdropStorage;
}

function createStorageFromEnv(): Storage {
  const env = getEnv();
  if (env.S3_BUCKET) {
    return createS3Storage({
      endpoint: env.S3_ENDPOINT,
      bucket: env.S3_BUCKET,
      accessKeyId: env.S3_ACCESS_KEY_ID,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY,
      sessionToken: env.S3_SESSION_TOKEN,
      region: env.S3_REGION,
    });
  }
  return createLocalStorage(path.resolve(env.DATA_DIR, "assets"));
}

/**
 * The S3 storage when configured, else null. Vendor providers that need a public URL of an input
 * can use `await getS3Storage()?.presignGetUrl(asset.storageKey, 900)` (the bucket itself stays private).
 */
export function getS3Storage(): S3Storage | null {
  const storage = getStorage();
  return storage.kind === "s3" ? (storage as S3Storage) : null;
}
