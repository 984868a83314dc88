import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  type CompletedPart,
} from "@aws-sdk/client-s3";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { AppError } from "@/lib/errors";
import { assertSafeKey, type Storage } from "./types";

export type S3Config = {
  /**
   * An S3-compatible endpoint such as http://127.0.0.1:9000 (MinIO, Ceph, R2, B2, Garage…), used
   * with path-style URLs (`{endpoint}/{bucket}/{key}`). Unset: AWS's own regional endpoint.
   */
  endpoint?: string;
  bucket: string;
  region: string;
  /**
   * Static keys (with a session token for temporary ones). Unset: the AWS SDK's standard
   * credential chain — AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, the shared
   * config files and AWS_PROFILE, web identity (EKS), the ECS container role, the EC2 instance
   * profile — refreshed by the SDK before they expire.
   */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Per-request timeout (default 15 s). */
  timeoutMs?: number;
  /** Attempts per request under the SDK's standard retry policy (default 3). */
  attempts?: number;
  /** Objects at least this large go up as a multipart upload (default 16 MiB; at least 5 MiB). */
  multipartThresholdBytes?: number;
  /** Part size of multipart uploads (default 8 MiB; S3's minimum is 5 MiB). */
  partSizeBytes?: number;
};

export type S3Storage = Storage & {
  readonly kind: "s3";
  /** A presigned GET URL for the object, valid for `ttlSeconds` (1 s … 7 days). */
  presignGetUrl(key: string, ttlSeconds: number, options?: { now?: Date }): Promise<string>;
};

const MIB = 1024 * 1024;
const MIN_PART_BYTES = 5 * MIB;
const PART_CONCURRENCY = 3;

function clientFor(config: S3Config): S3Client {
  const timeoutMs = config.timeoutMs ?? 15_000;
  return new S3Client({
    region: config.region,
    endpoint: config.endpoint?.replace(/\/+$/, ""),
    forcePathStyle: Boolean(config.endpoint),
    credentials:
      config.accessKeyId && config.secretAccessKey
        ? {
            accessKeyId: config.accessKeyId,
            secretAccessKey: config.secretAccessKey,
            sessionToken: config.sessionToken,
          }
        : fromNodeProviderChain(),
    maxAttempts: Math.max(1, config.attempts ?? 3),
    retryMode: "standard",
    requestHandler: { connectionTimeout: Math.min(timeoutMs, 5_000), requestTimeout: timeoutMs },
    // Many S3-compatible servers refuse the newer default CRC checksums and aws-chunked bodies;
    // payloads are still covered by the signed x-amz-content-sha256 (or Content-MD5 where needed).
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

/**
 * Maps what the SDK throws (after its own retries) to what the app expects: a storage that
 * stays unreachable or answers 5xx is AppError `unavailable` (503, retryable, so jobs are
 * retried); any other refusal is a configuration problem (wrong key, bucket, region, clock) and
 * never the user's fault.
 */
function storageError(operation: string, error: unknown): Error {
  const status = statusOf(error);
  const code = error instanceof S3ServiceException ? error.name : "";
  if (status === undefined || status >= 500) {
    return new AppError("unavailable", "File storage is unreachable right now; try again shortly.", {
      cause: error,
      retryable: true,
    });
  }
  return new Error(`S3 ${operation} failed: HTTP ${status} ${code}`.trim(), { cause: error });
}

/**
 * Object storage on the official AWS SDK (`@aws-sdk/client-s3`): AWS or any S3-compatible
 * server, static or temporary credentials (the standard chain), the SDK's retry policy, and
 * multipart uploads for large objects (parts uploaded a few at a time; an upload that fails is
 * aborted so no orphaned parts are billed).
 */
export function createS3Storage(config: S3Config): S3Storage {
  const client = clientFor(config);
  const Bucket = config.bucket;
  const threshold = Math.max(MIN_PART_BYTES, config.multipartThresholdBytes ?? 16 * MIB);
  const partSize = Math.max(MIN_PART_BYTES, config.partSizeBytes ?? 8 * MIB);

  async function putMultipart(Key: string, bytes: Buffer, mime: string): Promise<void> {
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket, Key, ContentType: mime }));
    const UploadId = created.UploadId;
    if (!UploadId) throw new Error("S3 CreateMultipartUpload answered without an UploadId");
    try {
      const count = Math.ceil(bytes.length / partSize);
      const parts: CompletedPart[] = new Array<CompletedPart>(count);
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const index = next++;
          const body = bytes.subarray(index * partSize, Math.min(bytes.length, (index + 1) * partSize));
          const answer = await client.send(
            new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: index + 1, Body: body }),
          );
          parts[index] = { PartNumber: index + 1, ETag: answer.ETag };
        }
      };
      await Promise.all(Array.from({ length: Math.min(PART_CONCURRENCY, count) }, worker));
      await client.send(
        new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }),
      );
    } catch (error) {
      await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
      throw error;
    }
  }

  const storage: S3Storage = {
    kind: "s3",
    async put({ key, bytes, mime }) {
      assertSafeKey(key);
      try {
        if (bytes.length >= threshold) await putMultipart(key, bytes, mime);
        else await client.send(new PutObjectCommand({ Bucket, Key: key, Body: bytes, ContentType: mime }));
      } catch (error) {
        throw storageError("PutObject", error);
      }
    },
    async get(key) {
      assertSafeKey(key);
      try {
        const answer = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        if (!answer.Body) return Buffer.alloc(0);
        return Buffer.from(await answer.Body.transformToByteArray());
      } catch (error) {
        if (statusOf(error) === 404) return null;
        throw storageError("GetObject", error);
      }
    },
    async delete(key) {
      assertSafeKey(key);
      try {
        await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
      } catch (error) {
        if (statusOf(error) === 404) return;
        throw storageError("DeleteObject", error);
      }
    },
    async check() {
      const key = `health/${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
      const probe = Buffer.from("ok");
      await storage.put({ key, bytes: probe, mime: "text/plain" });
      const back = await storage.get(key);
      await storage.delete(key);
      if (!back?.equals(probe)) throw new Error("storage probe read back different bytes");
    },
    async presignGetUrl(key, ttlSeconds, options = {}) {
      assertSafeKey(key);
      const expiresIn = Math.min(604_800, Math.max(1, Math.floor(ttlSeconds)));
      return getSignedUrl(client, new GetObjectCommand({ Bucket, Key: key }), {
        expiresIn,
        signingDate: options.now,
      });
    },
  };
  return storage;
}

/** Creates the bucket if it does not exist (used by the scale harness and first-run setup). */
export async function ensureS3Bucket(config: S3Config): Promise<void> {
  const client = clientFor(config);
  try {
    await client.send(new HeadBucketCommand({ Bucket: config.bucket }));
  } catch (error) {
    if (statusOf(error) !== 404) throw storageError("HeadBucket", error);
    try {
      await client.send(new CreateBucketCommand({ Bucket: config.bucket }));
    } catch (createError) {
      if (statusOf(createError) !== 409) throw storageError("CreateBucket", createError);
    }
  } finally {
    client.destroy();
  }
}
