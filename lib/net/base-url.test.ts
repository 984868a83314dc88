import { afterEach, describe, expect, it } from "vitest";
import { resetEnvCache } from "@/lib/env";
import { publicOrigin } from "./base-url";

const request = (host: string | null) =>
  new Request("http://localhost:3000/api/payments", { headers: host === null ? {} : { host } });

describe("publicOrigin", () => {
  afterEach(() => {
    delete process.env.PUBLIC_BASE_URL;
    resetEnvCache();
  });

  it("uses the host the client typed, so a Checkout return lands on the same origin", () => {
    expect(publicOrigin(request("127.0.0.1:3200"))).toBe("http://127.0.0.1:3200");
    expect(publicOrigin(request("[::1]:3000"))).toBe("http://[::1]:3000");
    expect(publicOrigin(request("shop.example.com"))).toBe("http://shop.example.com");
  });

  it("ignores a Host header that is not a plain host[:port]", () => {
    expect(publicOrigin(request("evil.example/path"))).toBe("http://localhost:3000");
    expect(publicOrigin(request("a@b.example"))).toBe("http://localhost:3000");
  });

  it("prefers PUBLIC_BASE_URL when it is set", () => {
    process.env.PUBLIC_BASE_URL = "https://backdrop.example/";
    resetEnvCache();
    expect(publicOrigin(request("127.0.0.1:3200"))).toBe("https://backdrop.example");
  });
});
