import { describe, expect, it } from "vitest";
import path from "node:path";
import { engineConfigFromEnv, parseEnv } from "./env";

describe("configuration", () => {
  it("runs on embedded defaults with nothing set", () => {
    const env = parseEnv({});
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env).toMatchObject({ DATA_DIR: "./data", PORT: 3000, PAYMENTS_MODE: "sandbox", WORKER_MODE: "embedded" });
    expect(env.PROVIDER_SKY_REPLACEMENT).toEqual(["local"]);
  });

  it("reads ordered provider lists and treats empty strings as unset", () => {
    const env = parseEnv({ PROVIDER_SKY_REPLACEMENT: "alibaba, local", DATABASE_URL: "" });
    expect(env.PROVIDER_SKY_REPLACEMENT).toEqual(["alibaba", "local"]);
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it.each([
    [{ DATABASE_URL: "mysql://x" }, /DATABASE_URL/],
    [{ PAYMENTS_MODE: "stripe" }, /STRIPE_SECRET_KEY/],
    [{ PAYMENTS_MODE: "bitcoin" }, /PAYMENTS_MODE/],
    [{ S3_ENDPOINT: "http://127.0.0.1:9000" }, /S3 storage needs S3_BUCKET/],
    [{ S3_BUCKET: "photos", S3_ACCESS_KEY_ID: "id" }, /S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together/],
    [{ S3_BUCKET: "photos", S3_SESSION_TOKEN: "t" }, /S3_SESSION_TOKEN/],
    [{ PORT: "-1" }, /PORT/],
  ])("refuses %j with a message naming the setting", (source, message) => {
    expect(() => parseEnv(source)).toThrow(message);
  });

  it("hands the engine its settings: the model cache in DATA_DIR unless ENGINE_CACHE_DIR is set", () => {
    expect(engineConfigFromEnv(parseEnv({ DATA_DIR: "/srv/backdrop" })).cacheDir).toBe(path.resolve("/srv/backdrop"));
    const config = engineConfigFromEnv(
      parseEnv({ DATA_DIR: "/srv/backdrop", ENGINE_CACHE_DIR: "/var/cache/bd", ENGINE_SUBJECT_PRECISION: "fp32" }),
    );
    expect(config).toMatchObject({ cacheDir: "/var/cache/bd", subjectPrecision: "fp32", lowMemory: true });
    expect(engineConfigFromEnv(parseEnv({ ENGINE_LOW_MEMORY: "0", ENGINE_CONCURRENCY: "3" }))).toMatchObject({
      lowMemory: false,
      concurrency: 3,
    });
  });

  it.each([
    [{ ENGINE_SUBJECT_SIDE: "700" }, /ENGINE_SUBJECT_SIDE/],
    [{ ENGINE_SUBJECT_SIDE: "2048" }, /ENGINE_SUBJECT_SIDE/],
    [{ ENGINE_SUBJECT_PRECISION: "fp16" }, /ENGINE_SUBJECT_PRECISION/],
    [{ ENGINE_THREADS: "0" }, /ENGINE_THREADS/],
    [{ ENGINE_CONCURRENCY: "many" }, /ENGINE_CONCURRENCY/],
  ])("refuses an engine setting it cannot use: %j", (source, message) => {
    expect(() => parseEnv(source)).toThrow(message);
  });
});
