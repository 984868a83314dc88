import { AppError } from "@/lib/errors";
import { presignUrl, sha256Hex, signRequest, type SigV4Credentials } from "./sigv4";
import { assertSafeKey, type Storage } from "./types";

export type S3Config = {
  /** e.g. https://s3.eu-central-1.amazonaws.com or http://127.0.0.1:9000 (path-style URLs). */
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Per-request timeout (default 15 s). */
  timeoutMs?: number;
  /** Attempts for idempotent requests on network errors and 5xx (default 3). */
  attempts?: number;
};

export type S3Storage = Storage & {
  readonly kind: "s3";
  /** A presigned GET URL for the object, valid for `ttlSeconds` (1 s … 7 days). */
  presignGetUrl(key: string, ttlSeconds: number, options?: { now?: Date }): string;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * S3-compatible object storage over plain HTTP with our own SigV4 signer (lib/assets/storage/sigv4.ts).
 * Path-style URLs (`{endpoint}/{bucket}/{key}`) work with AWS, MinIO, Ceph, R2, B2, Garage….
 * Payloads are hashed (x-amz-content-sha256) so a corrupted upload is refused by the server.
 * Requests are retried (all four operations are idempotent) with a short backoff; a storage that
 * stays unreachable surfaces as AppError `unavailable` (503, retryable) so jobs are retried.
 */
export function createS3Storage(config: S3Config): S3Storage {
  const endpoint = config.endpoint.replace(/\/+$/, "");
  const credentials: SigV4Credentials = {
    accessKeyId: config.accessKeyId,
    secretAccessKey: config.secretAccessKey,
    region: config.region,
    service: "s3",
  };
  const timeoutMs = config.timeoutMs ?? 15_000;
  const attempts = Math.max(1, config.attempts ?? 3);

  const objectUrl = (key: string) => {
    assertSafeKey(key);
    return `${endpoint}/${encodeURIComponent(config.bucket)}/${key.split("/").map(encodeURIComponent).join("/")}`;
  };

  async function send(method: string, url: string, body?: Buffer, contentType?: string): Promise<Response> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const headers = signRequest({
        method,
        url,
        credentials,
        payloadHash: body ? sha256Hex(body) : undefined,
        headers: contentType ? { "content-type": contentType } : {},
      });
      delete headers.host; // fetch sets Host itself (to the same value we signed)
      try {
        const response = await fetch(url, {
          method,
          headers,
          body: body ? new Uint8Array(body) : undefined,
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (response.status >= 500 && attempt < attempts) {
          await response.body?.cancel().catch(() => undefined);
          lastError = new Error(`S3 ${method} answered HTTP ${response.status}`);
        } else {
          return response;
        }
      } catch (error) {
        lastError = error;
      }
      await sleep(100 * 2 ** (attempt - 1));
    }
    throw new AppError("unavailable", "File storage is unreachable right now; try again shortly.", {
      cause: lastError,
      retryable: true,
    });
  }

  async function fail(operation: string, response: Response): Promise<never> {
    const text = await response.text().catch(() => "");
    const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? "";
    if (response.status >= 500) {
      throw new AppError("unavailable", "File storage is unreachable right now; try again shortly.", {
        retryable: true,
        cause: new Error(`S3 ${operation}: HTTP ${response.status} ${code}`),
      });
    }
    // 4xx other than 404 is a configuration problem (wrong key, bucket, clock): not the user's fault.
    throw new Error(`S3 ${operation} failed: HTTP ${response.status} ${code}`.trim());
  }

  const storage: S3Storage = {
    kind: "s3",
    async put({ key, bytes, mime }) {
      const response = await send("PUT", objectUrl(key), bytes, mime);
      if (!response.ok) await fail("PutObject", response);
      await response.body?.cancel().catch(() => undefined);
    },
    async get(key) {
      const response = await send("GET", objectUrl(key));
      if (response.status === 404) {
        await response.body?.cancel().catch(() => undefined);
        return null;
      }
      if (!response.ok) await fail("GetObject", response);
      return Buffer.from(await response.arrayBuffer());
    },
    async delete(key) {
      const response = await send("DELETE", objectUrl(key));
      if (!response.ok && response.status !== 404) await fail("DeleteObject", response);
      await response.body?.cancel().catch(() => undefined);
    },
    async check() {
      const key = `health/${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
      const probe = Buffer.from("ok");
      await storage.put({ key, bytes: probe, mime: "text/plain" });
      const back = await storage.get(key);
      await storage.delete(key);
      if (!back?.equals(probe)) throw new Error("storage probe read back different bytes");
    },
    presignGetUrl(key, ttlSeconds, options = {}) {
      return presignUrl({ url: objectUrl(key), credentials, expiresSeconds: ttlSeconds, now: options.now });
    },
  };
  return storage;
}

/** Creates the bucket if it does not exist (used by the scale harness and first-run setup). */
export async function ensureS3Bucket(config: S3Config): Promise<void> {
  const url = `${config.endpoint.replace(/\/+$/, "")}/${encodeURIComponent(config.bucket)}`;
  const credentials: SigV4Credentials = {
    accessKeyId: config.accessKeyId,
    secretAccessKey: config.secretAccessKey,
    region: config.region,
    service: "s3",
  };
  const head = signRequest({ method: "HEAD", url, credentials });
  delete head.host;
  const exists = await fetch(url, {
    method: "HEAD",
    headers: head,
    signal: AbortSignal.timeout(config.timeoutMs ?? 15_000),
  });
  if (exists.ok) return;
  const put = signRequest({ method: "PUT", url, credentials });
  delete put.host;
  const created = await fetch(url, {
    method: "PUT",
    headers: put,
    signal: AbortSignal.timeout(config.timeoutMs ?? 15_000),
  });
  if (!created.ok && created.status !== 409)
    throw new Error(`S3 CreateBucket failed: HTTP ${created.status} ${await created.text()}`);
}
