import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startS3Fake, type S3Fake } from "@/e2e/fakes/s3-server";
import { resetEnvCache } from "@/lib/env";
import { getS3Storage, getStorage } from "./index";
import { ensureS3Bucket } from "./s3";

const S3_KEYS = ["S3_ENDPOINT", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_REGION"] as const;
const fresh = () => {
  (globalThis as { backdropStorage?: unknown }).backdropStorage = undefined;
  resetEnvCache();
};

describe("getStorage() picks the backend from the configuration", () => {
  let fake: S3Fake;
  beforeAll(async () => {
    fake = await startS3Fake();
  });
  afterAll(async () => {
    for (const key of S3_KEYS) delete process.env[key];
    fresh();
    await fake.close();
  });

  it("uses local disk without S3 settings", () => {
    for (const key of S3_KEYS) delete process.env[key];
    fresh();
    expect(getStorage().kind).toBe("local");
    expect(getS3Storage()).toBeNull();
  });

  it("uses the S3 bucket when the S3_* settings are present, and its objects land there", async () => {
    Object.assign(process.env, {
      S3_ENDPOINT: fake.url,
      S3_BUCKET: "configured-bucket",
      S3_ACCESS_KEY_ID: fake.state.accessKeyId,
      S3_SECRET_ACCESS_KEY: fake.state.secretAccessKey,
      S3_REGION: "us-east-1",
    });
    fresh();
    await ensureS3Bucket({
      endpoint: fake.url,
      bucket: "configured-bucket",
      accessKeyId: fake.state.accessKeyId,
      secretAccessKey: fake.state.secretAccessKey,
      region: "us-east-1",
    });
    const storage = getStorage();
    expect(storage.kind).toBe("s3");
    await storage.put({ key: "result/ab/ast_1.png", bytes: Buffer.from("png"), mime: "image/png" });
    expect(fake.state.buckets.get("configured-bucket")?.has("result/ab/ast_1.png")).toBe(true);
    const url = await getS3Storage()!.presignGetUrl("result/ab/ast_1.png", 60);
    expect(url.startsWith(`${fake.url}/configured-bucket/result/ab/ast_1.png?X-Amz-Algorithm=AWS4-HMAC-SHA256`)).toBe(
      true,
    );
    expect(await (await fetch(url)).text()).toBe("png");
  });
});
