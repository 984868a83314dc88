import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3_MIN_PART_BYTES, startS3Fake, type S3Fake } from "@/e2e/fakes/s3-server";
import { createS3Storage, ensureS3Bucket, type S3Config } from "./s3";

describe("S3 storage (AWS SDK) against an S3-compatible server that verifies SigV4 with its own code", () => {
  let fake: S3Fake;
  let config: S3Config;
  beforeAll(async () => {
    fake = await startS3Fake({ region: "eu-central-1" });
    config = {
      endpoint: fake.url,
      bucket: "backdrop-assets",
      accessKeyId: fake.state.accessKeyId,
      secretAccessKey: fake.state.secretAccessKey,
      region: "eu-central-1",
      timeoutMs: 2_000,
    };
    await ensureS3Bucket(config);
  });
  afterAll(async () => {
    await fake.close();
  });

  it("creates the bucket once and tolerates asking again", async () => {
    await ensureS3Bucket(config);
    expect([...fake.state.buckets.keys()]).toEqual(["backdrop-assets"]);
  });

  it("stores, reads back and deletes bytes", async () => {
    const storage = createS3Storage(config);
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 1, 2, 3]);
    await storage.put({ key: "upload/ab/ast_x.jpg", bytes, mime: "image/jpeg" });
    expect(fake.state.buckets.get("backdrop-assets")?.get("upload/ab/ast_x.jpg")?.contentType).toBe("image/jpeg");
    expect(await storage.get("upload/ab/ast_x.jpg")).toEqual(bytes);
    await storage.delete("upload/ab/ast_x.jpg");
    expect(await storage.get("upload/ab/ast_x.jpg")).toBeNull();
    await expect(storage.delete("upload/ab/ast_x.jpg")).resolves.toBeUndefined();
  });

  it("passes its health check", async () => {
    await expect(createS3Storage(config).check()).resolves.toBeUndefined();
  });

  it("is refused by the server with a wrong secret (so the signature really is checked)", async () => {
    const before = fake.state.signatureFailures;
    const storage = createS3Storage({ ...config, secretAccessKey: "wrong-secret" });
    await expect(storage.put({ key: "upload/x/a.png", bytes: Buffer.from("x"), mime: "image/png" })).rejects.toThrow(
      /403 SignatureDoesNotMatch/,
    );
    expect(fake.state.signatureFailures).toBe(before + 1);
  });

  it("presigns GET URLs a plain HTTP client can download until they expire", async () => {
    const storage = createS3Storage(config);
    await storage.put({ key: "result/cd/ast_y.png", bytes: Buffer.from("png-bytes"), mime: "image/png" });
    const url = await storage.presignGetUrl("result/cd/ast_y.png", 60);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await response.arrayBuffer()).toString()).toBe("png-bytes");
    const old = await storage.presignGetUrl("result/cd/ast_y.png", 60, { now: new Date(Date.now() - 120_000) });
    expect((await fetch(old)).status).toBe(403);
    expect((await fetch(url.replace("ast_y", "ast_z"))).status).toBe(403);
  });

  it("rides out a brief outage (5xx) by retrying, and reports a longer one as 503 unavailable", async () => {
    const storage = createS3Storage({ ...config, attempts: 3 });
    fake.state.failNext = 2;
    await storage.put({ key: "upload/ef/ast_r.jpg", bytes: Buffer.from("r"), mime: "image/jpeg" });
    expect(await storage.get("upload/ef/ast_r.jpg")).toEqual(Buffer.from("r"));
    fake.state.failNext = 3;
    await expect(storage.get("upload/ef/ast_r.jpg")).rejects.toMatchObject({ code: "unavailable", retryable: true });
    fake.state.failNext = 0;
  });

  it("reports a server that is down as 503 unavailable and works again when it is back", async () => {
    const storage = createS3Storage({ ...config, attempts: 2 });
    await fake.stop();
    await expect(storage.get("upload/ef/ast_r.jpg")).rejects.toMatchObject({ code: "unavailable" });
    await fake.restart();
    expect(await storage.get("upload/ef/ast_r.jpg")).toEqual(Buffer.from("r"));
  });

  it("sends a large object as a multipart upload, in parts of at least 5 MiB, and reads it back whole", async () => {
    const storage = createS3Storage({
      ...config,
      multipartThresholdBytes: 6 * 1024 * 1024,
      partSizeBytes: S3_MIN_PART_BYTES,
    });
    const bytes = Buffer.alloc(12 * 1024 * 1024 + 123);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i / 4096) % 251;
    const from = fake.state.calls.length;
    await storage.put({ key: "result/mp/ast_big.png", bytes, mime: "image/png" });
    const operations = fake.state.calls.slice(from).map((call) => call.operation);
    expect(operations.filter((op) => op === "UploadPart")).toHaveLength(3);
    expect(operations[0]).toBe("CreateMultipartUpload");
    expect(operations.at(-1)).toBe("CompleteMultipartUpload");
    expect(operations).not.toContain("PutObject");
    const stored = fake.state.buckets.get("backdrop-assets")?.get("result/mp/ast_big.png");
    expect(stored?.contentType).toBe("image/png");
    expect(stored?.etag).toMatch(/-3"$/);
    expect((await storage.get("result/mp/ast_big.png"))?.equals(bytes)).toBe(true);
    expect(fake.state.uploads.size).toBe(0);
  });

  it("aborts a multipart upload whose part is refused, leaving no object and no pending parts", async () => {
    const storage = createS3Storage({
      ...config,
      multipartThresholdBytes: 6 * 1024 * 1024,
      partSizeBytes: S3_MIN_PART_BYTES,
    });
    fake.state.refuseParts = true;
    try {
      await expect(
        storage.put({ key: "result/mp/ast_fail.png", bytes: Buffer.alloc(11 * 1024 * 1024), mime: "image/png" }),
      ).rejects.toThrow(/400/);
    } finally {
      fake.state.refuseParts = false;
    }
    expect(fake.state.calls.map((call) => call.operation)).toContain("AbortMultipartUpload");
    expect(fake.state.uploads.size).toBe(0);
    expect(await storage.get("result/mp/ast_fail.png")).toBeNull();
  });

  it("uses temporary credentials with their session token, and is refused without the token", async () => {
    fake.state.temporary.set("ASIA-TEMPORARY-1", {
      secretAccessKey: "temporary-secret",
      sessionToken: "session-token-1",
    });
    const temporary = { ...config, accessKeyId: "ASIA-TEMPORARY-1", secretAccessKey: "temporary-secret" };
    await createS3Storage({ ...temporary, sessionToken: "session-token-1" }).put({
      key: "upload/tmp/ast_t.jpg",
      bytes: Buffer.from("t"),
      mime: "image/jpeg",
    });
    expect(fake.state.calls.at(-1)).toMatchObject({
      operation: "PutObject",
      status: 200,
      accessKeyId: "ASIA-TEMPORARY-1",
    });
    await expect(createS3Storage(temporary).get("upload/tmp/ast_t.jpg")).rejects.toThrow(/403 InvalidToken/);
  });

  it("without keys in its settings, takes credentials from the standard AWS chain (AWS_SESSION_TOKEN included)", async () => {
    fake.state.temporary.set("ASIA-FROM-ENV", { secretAccessKey: "env-secret", sessionToken: "env-token" });
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: "ASIA-FROM-ENV",
      AWS_SECRET_ACCESS_KEY: "env-secret",
      AWS_SESSION_TOKEN: "env-token",
    });
    try {
      const storage = createS3Storage({ endpoint: config.endpoint, bucket: config.bucket, region: config.region });
      await storage.put({ key: "upload/env/ast_e.jpg", bytes: Buffer.from("e"), mime: "image/jpeg" });
      expect(fake.state.calls.at(-1)).toMatchObject({ status: 200, accessKeyId: "ASIA-FROM-ENV" });
      expect(await storage.get("upload/env/ast_e.jpg")).toEqual(Buffer.from("e"));
    } finally {
      for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
  });

  it("refuses unsafe keys before any request", async () => {
    const storage = createS3Storage(config);
    await expect(storage.get("../etc/passwd")).rejects.toThrow(/Unsafe storage key/);
  });
});
