import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { resetEnvCache } from "@/lib/env";
import { safeEqual, signAssetPath, verifyAssetSignature } from "./signing";

describe("signed asset links", () => {
  beforeAll(async () => {
    process.env.DATA_DIR = await mkdtemp(path.join(os.tmpdir(), "bd-sign-"));
    resetEnvCache();
  });

  const parse = (link: string) => {
    const url = new URL(link, "http://localhost");
    return { expires: url.searchParams.get("expires"), sig: url.searchParams.get("sig") };
  };

  it("verifies a fresh link for the same asset", () => {
    const link = signAssetPath({ assetId: "ast_aaaaaaaaaaaaaaaaaaaaaa", ttlSeconds: 60 });
    expect(verifyAssetSignature({ assetId: "ast_aaaaaaaaaaaaaaaaaaaaaa", ...parse(link) })).toBe("ok");
  });

  it("refuses the signature of another asset and a tampered expiry", () => {
    const { expires, sig } = parse(signAssetPath({ assetId: "ast_aaaaaaaaaaaaaaaaaaaaaa", ttlSeconds: 60 }));
    expect(verifyAssetSignature({ assetId: "ast_bbbbbbbbbbbbbbbbbbbbbb", expires, sig })).toBe("invalid");
    expect(
      verifyAssetSignature({ assetId: "ast_aaaaaaaaaaaaaaaaaaaaaa", expires: String(Number(expires) + 3600), sig }),
    ).toBe("invalid");
    expect(verifyAssetSignature({ assetId: "ast_aaaaaaaaaaaaaaaaaaaaaa", expires, sig: null })).toBe("invalid");
  });

  it("reports an expired link as expired", () => {
    const link = signAssetPath({ assetId: "ast_aaaaaaaaaaaaaaaaaaaaaa", ttlSeconds: 10, now: Date.now() - 60_000 });
    expect(verifyAssetSignature({ assetId: "ast_aaaaaaaaaaaaaaaaaaaaaa", ...parse(link) })).toBe("expired");
  });

  it("compares secrets of different lengths without throwing", () => {
    expect(safeEqual("abc", "abcd")).toBe(false);
    expect(safeEqual("abc", "abc")).toBe(true);
  });
});
