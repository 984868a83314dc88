import { describe, expect, it } from "vitest";
import { parseEnv } from "./env";

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
    [{ S3_BUCKET: "photos" }, /S3 storage needs/],
    [{ PORT: "-1" }, /PORT/],
  ])("refuses %j with a message naming the setting", (source, message) => {
    expect(() => parseEnv(source)).toThrow(message);
  });
});
