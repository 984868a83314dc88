import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startS3Fake, type S3Fake } from "@/e2e/fakes/s3-server";
import { createS3Storage, ensureS3Bucket, type S3Config } from "./s3";

describe("S3 storage against an S3-compatible server that verifies SigV4", () => {
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
    const url = storage.presignGetUrl("result/cd/ast_y.png", 60);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await response.arrayBuffer()).toString()).toBe("png-bytes");
    const old = storage.presignGetUrl("result/cd/ast_y.png", 60, { now: new Date(Date.now() - 120_000) });
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

  it("refuses unsafe keys before any request", async () => {
    const storage = createS3Storage(config);
    await expect(storage.get("../etc/passwd")).rejects.toThrow(/Unsafe storage key/);
  });
});
