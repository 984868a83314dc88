import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startAlibabaFake, type AlibabaFake } from "@/e2e/fakes/alibaba-server";
import { createAlibabaProvider, createAssetPublisher } from "@/lib/providers/alibaba";
import { renderReferenceInline } from "@/lib/providers/local/reference";
import { canonicalRequest, percentEncode, signRpcRequest } from "@/lib/providers/alibaba/sign";
import { resetCircuits, routeCall } from "@/lib/providers/router";
import type { ImageInput } from "@/lib/image/types";
import type { ImageProvider, ProviderCallRecord } from "@/lib/providers/types";
import {
  callRecorder,
  FAST_ROUTER,
  makeImage,
  makeNoisyImage,
  okResult,
  regionMean,
  startAssetHost,
  stubProvider,
  setupTempEnv,
  virtualClock,
} from "./providers-support";
import { testDbTargets, useTestDb } from "./test-db";

setupTempEnv();

describe("Alibaba ACS3-HMAC-SHA256 signing (golden values)", () => {
  const fixed = {
    endpoint: "https://imageseg.cn-shanghai.aliyuncs.com",
    action: "ChangeSky",
    version: "2019-12-30",
    query: { ReplaceImageURL: "https://example.com/sky.jpg", ImageURL: "https://example.com/in.jpg" },
    accessKeyId: "testid",
    accessKeySecret: "testsecret",
    now: new Date("2026-01-01T00:00:00.000Z"),
    nonce: "3a9d0c1e-0000-4000-8000-000000000001",
  };

  it("builds the canonical request, string to sign and signature of the documented algorithm", () => {
    const signed = signRpcRequest(fixed);
    // Derived by hand from §1.2: sorted, percent-encoded query; host + x-acs-* headers, sorted,
    // each "name:value\n"; the signed-header list; sha256 of the empty body.
    const emptySha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    expect(signed.canonicalRequest).toBe(
      [
        "POST",
        "/",
        "ImageURL=https%3A%2F%2Fexample.com%2Fin.jpg&ReplaceImageURL=https%3A%2F%2Fexample.com%2Fsky.jpg",
        "host:imageseg.cn-shanghai.aliyuncs.com\nx-acs-action:ChangeSky\nx-acs-content-sha256:" +
          emptySha +
          "\nx-acs-date:2026-01-01T00:00:00Z\nx-acs-signature-nonce:3a9d0c1e-0000-4000-8000-000000000001\nx-acs-version:2019-12-30\n",
        "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version",
        emptySha,
      ].join("\n"),
    );
    // Golden values computed independently with `openssl dgst -sha256` / `-hmac testsecret`.
    expect(signed.stringToSign).toBe(
      "ACS3-HMAC-SHA256\nf9cd60205092c547d21b52a47afb6ea3e89911c4015096e9217d23b1df9a4c65",
    );
    expect(signed.signature).toBe("03bdf604e4fcc9b82247b974be6d4f4b3544395c7fc1b57f88be3fdb80e7fcc6");
    expect(signed.headers.authorization).toBe(
      "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=03bdf604e4fcc9b82247b974be6d4f4b3544395c7fc1b57f88be3fdb80e7fcc6",
    );
    expect(signed.url).toBe(
      "https://imageseg.cn-shanghai.aliyuncs.com/?ImageURL=https%3A%2F%2Fexample.com%2Fin.jpg&ReplaceImageURL=https%3A%2F%2Fexample.com%2Fsky.jpg",
    );
  });

  it("reproduces Alibaba's documented V3 worked example byte for byte (an oracle that is not our code)", () => {
    // The "Fixed parameter values" example of Alibaba Cloud's request-signature page (V3):
    // https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature
    const signed = signRpcRequest({
      endpoint: "https://ecs.cn-shanghai.aliyuncs.com",
      action: "RunInstances",
      version: "2014-05-26",
      query: { RegionId: "cn-shanghai", ImageId: "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd" },
      accessKeyId: "YourAccessKeyId",
      accessKeySecret: "YourAccessKeySecret",
      now: new Date("2023-10-26T10:22:32Z"),
      nonce: "3156853299f313e23d1673dc12e1703d",
    });
    expect(signed.canonicalRequest).toBe(
      [
        "POST",
        "/",
        "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai",
        "host:ecs.cn-shanghai.aliyuncs.com",
        "x-acs-action:RunInstances",
        "x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "x-acs-date:2023-10-26T10:22:32Z",
        "x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d",
        "x-acs-version:2014-05-26",
        "",
        "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      ].join("\n"),
    );
    expect(signed.stringToSign).toBe(
      "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259",
    );
    expect(signed.signature).toBe("06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0");
    expect(signed.headers.authorization).toBe(
      "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
    );
  });

  it("percent-encodes the five extra characters and signs content-type when present", () => {
    expect(percentEncode("a b*(c)!'~")).toBe("a%20b%2A%28c%29%21%27~");
    const { signedHeaders } = canonicalRequest({
      method: "POST",
      path: "/",
      query: {},
      headers: { "Content-Type": "x", Accept: "y", "x-acs-date": "d", Host: "h" },
      body: "",
    });
    expect(signedHeaders).toBe("content-type;host;x-acs-date");
  });
});

for (const target of testDbTargets()) {
  describe(`Alibaba adapter against the fake (${target.name})`, () => {
    let fake: AlibabaFake;
    let assets: Awaited<ReturnType<typeof startAssetHost>>;
    let db: Awaited<ReturnType<typeof useTestDb>>;
    let provider: ImageProvider;

    beforeAll(async () => {
      db = await useTestDb(target);
      fake = await startAlibabaFake();
      assets = await startAssetHost();
      provider = makeProvider();
    });
    afterAll(async () => {
      await fake.close();
      await assets.close();
      await db.dispose();
    });
    beforeEach(() => {
      fake.state.calls.length = 0;
      Object.assign(fake.state, {
        failNext: 0,
        throttleNext: 0,
        requireOssInputs: false,
        maskStyle: "grey",
        downloadFailures: 0,
        expireResults: false,
        delayMs: 0,
      });
      fake.state.fetched.length = 0;
      resetCircuits();
    });

    function makeProvider(overrides: { accessKeySecret?: string; httpTimeoutMs?: number; publish?: boolean } = {}) {
      return createAlibabaProvider({
        accessKeyId: fake.state.accessKeyId,
        accessKeySecret: overrides.accessKeySecret ?? fake.state.accessKeySecret,
        endpoint: fake.url,
        openPlatformEndpoint: fake.url,
        publish: overrides.publish === false ? undefined : createAssetPublisher({ publicBaseUrl: assets.url }),
        renderReference: renderReferenceInline,
        httpTimeoutMs: overrides.httpTimeoutMs ?? 10_000,
        actionCostsMinor: { ChangeSky: 3, SegmentSky: 0, SegmentCommonImage: 2 },
        clock: virtualClock().clock,
      });
    }
    const skyRequest = (image: ImageInput) => ({
      image,
      sky: { kind: "preset" as const, presetId: "clear-blue" },
      harmonize: 0,
      horizonShift: 0,
      format: "jpeg" as const,
    });
    const ctx = (recordCall?: (c: ProviderCallRecord) => Promise<void>) => ({
      signal: new AbortController().signal,
      recordCall,
    });

    it("replaces the sky (ChangeSky) from a preset, downloads the result at once and records the cost", async () => {
      const image = await makeImage({ width: 640, height: 480 });
      const recorder = callRecorder(db.handle.prisma);
      const routed = await routeCall({
        serviceId: "sky-replacement",
        request: {
          image,
          sky: { kind: "preset", presetId: "clear-blue" },
          harmonize: 0.5,
          horizonShift: 0,
          format: "jpeg",
        },
        chain: [provider],
        signal: new AbortController().signal,
        recordCall: recorder.recordCall,
        options: FAST_ROUTER,
      });
      expect(routed.providerId).toBe("alibaba");
      const meta = await sharp(routed.result.bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", 640, 480]);
      // Our inputs went out through signed, expiring URLs and were fetched by the fake.
      expect(fake.state.fetched).toHaveLength(2);
      expect(
        fake.state.fetched.every((u) => u.startsWith(`${assets.url}/api/assets/`) && /expires=\d+&sig=/.test(u)),
      ).toBe(true);
      expect([routed.result.costMinor, routed.costMinor]).toEqual([3, 3]);
      expect(routed.attempts.map((a) => [a.action, a.ok])).toEqual([
        ["ChangeSky", true],
        ["download", true],
      ]);
      const rows = await db.handle.prisma.providerCall.findMany({
        where: { provider: "alibaba", action: "ChangeSky" },
      });
      expect(rows.at(-1)).toMatchObject({ ok: true, httpStatus: 200, costMinor: 3 });
      expect(rows.at(-1)!.requestId).toMatch(/^[0-9A-F-]{36}$/);
    });

    it("uses an uploaded sky photo as the reference (the result's sky has its colour)", async () => {
      const image = await makeImage({ width: 400, height: 300 });
      const sky = await makeImage({ width: 300, height: 200, top: "#ff2020", bottom: "#ff2020" });
      const result = await provider.skyReplacement!(
        { image, sky: { kind: "image", image: sky }, harmonize: 0, horizonShift: 0, format: "png" },
        ctx(),
      );
      const [r, g, b] = await regionMean(result.bytes, { left: 0, top: 0, width: 400, height: 60 });
      expect(r).toBeGreaterThan(200);
      expect(g! + b!).toBeLessThan(120);
    });

    it("sends oversized photos (> 2000 px, > 3 MB) as a smaller copy and returns the input size", async () => {
      const image = await makeNoisyImage(2100, 1500);
      expect(image.bytes.length).toBeGreaterThan(3 * 1024 * 1024);
      const result = await provider.skyReplacement!(
        { image, sky: { kind: "preset", presetId: "clear-blue" }, harmonize: 0, horizonShift: 0, format: "jpeg" },
        ctx(),
      );
      expect([result.width, result.height]).toEqual([2100, 1500]);
      const meta = await sharp(result.bytes).metadata();
      expect([meta.width, meta.height]).toEqual([2100, 1500]);
      expect(result.meta?.scaledForProvider).toBe(true);
    });

    it("removes the background (SegmentCommonImage) as a cut-out and as a matte", async () => {
      const image = await makeImage({ width: 200, height: 160 });
      const cutout = await provider.backgroundRemoval!({ image, format: "png", output: "cutout" }, ctx());
      const centre = await regionMean(cutout.bytes, { left: 90, top: 70, width: 20, height: 20 });
      const corner = await regionMean(cutout.bytes, { left: 0, top: 0, width: 20, height: 20 });
      expect(centre[3]).toBeGreaterThan(250);
      expect(corner[3]).toBeLessThan(5);
      const matte = await provider.backgroundRemoval!({ image, format: "png", output: "matte" }, ctx());
      const m = await sharp(matte.bytes).metadata();
      expect([m.channels, m.width, m.height]).toEqual([1, 200, 160]);
    });

    it("segments by prompt: 'sky' uses SegmentSky, 'background' inverts the subject mask", async () => {
      const image = await makeImage({ width: 200, height: 200 });
      const sky = await provider.promptSegmentation!({ image, prompt: "the sky" }, ctx());
      expect((await regionMean(sky.bytes, { left: 0, top: 0, width: 200, height: 40 }))[0]).toBeGreaterThan(250);
      expect((await regionMean(sky.bytes, { left: 0, top: 150, width: 200, height: 50 }))[0]).toBeLessThan(5);
      const background = await provider.promptSegmentation!({ image, prompt: "background" }, ctx());
      expect((await regionMean(background.bytes, { left: 0, top: 0, width: 20, height: 20 }))[0]).toBeGreaterThan(250);
      expect((await regionMean(background.bytes, { left: 90, top: 90, width: 20, height: 20 }))[0]).toBeLessThan(5);
      expect(fake.state.calls.map((c) => c.action)).toEqual(["SegmentSky", "SegmentCommonImage"]);
    });

    it("a wrong secret is provider_auth_failed after exactly one call (no retry storm)", async () => {
      const bad = makeProvider({ accessKeySecret: "wrong" });
      const image = await makeImage({ width: 300, height: 200 });
      const recorder = callRecorder();
      await expect(
        routeCall({
          serviceId: "sky-replacement",
          request: {
            image,
            sky: { kind: "preset", presetId: "clear-blue" },
            harmonize: 0,
            horizonShift: 0,
            format: "jpeg",
          },
          chain: [bad],
          signal: new AbortController().signal,
          recordCall: recorder.recordCall,
          options: FAST_ROUTER,
        }),
      ).rejects.toMatchObject({ code: "provider_auth_failed" });
      expect(fake.state.calls).toEqual([{ action: "ChangeSky", status: 400, code: "SignatureDoesNotMatch" }]);
      expect(recorder.records[0]).toMatchObject({ ok: false, httpStatus: 400, errorCode: "provider_auth_failed" });
    });

    it("prices each action on its own: background removal is paid (SegmentCommonImage), recorded on its call", async () => {
      const image = await makeImage({ width: 200, height: 160 });
      const recorder = callRecorder();
      const result = await provider.backgroundRemoval!(
        { image, format: "png", output: "cutout" },
        ctx(recorder.recordCall),
      );
      expect(result.costMinor).toBe(2);
      expect(recorder.records.map((r) => [r.action, r.costMinor ?? 0])).toEqual([
        ["SegmentCommonImage", 2],
        ["download", 0],
      ]);
      const sky = await provider.promptSegmentation!({ image, prompt: "sky" }, ctx());
      expect(sky.costMinor).toBe(0);
    });

    it("a region refusal (InvalidImage.Region) uploads the inputs to Alibaba's storage and calls again", async () => {
      fake.state.requireOssInputs = true;
      const image = await makeImage({ width: 400, height: 300 });
      const recorder = callRecorder();
      const result = await provider.skyReplacement!(skyRequest(image), ctx(recorder.recordCall));
      expect([result.width, result.height]).toEqual([400, 300]);
      expect(result.meta?.uploaded).toBe(true);
      expect(recorder.records.map((r) => [r.action, r.ok, r.errorCode])).toEqual([
        ["ChangeSky", false, "provider_failed"],
        ["AuthorizeFileUpload", true, undefined],
        ["oss.upload", true, undefined],
        ["AuthorizeFileUpload", true, undefined],
        ["oss.upload", true, undefined],
        ["ChangeSky", true, undefined],
        ["download", true, undefined],
      ]);
      expect(fake.state.oss.size).toBe(2);
      expect(fake.state.calls.filter((c) => c.action === "ChangeSky").map((c) => c.code)).toEqual([
        "InvalidImage.Region",
        undefined,
      ]);
    });

    it("without a public base URL every input goes through the upload, and a region-strict service accepts it", async () => {
      fake.state.requireOssInputs = true;
      const image = await makeImage({ width: 300, height: 200 });
      const result = await makeProvider({ publish: false }).backgroundRemoval!(
        { image, format: "png", output: "cutout" },
        ctx(),
      );
      expect(result.width).toBe(300);
      expect(fake.state.calls.map((c) => [c.action, c.status])).toEqual([
        ["AuthorizeFileUpload", 200],
        ["oss.post", 201],
        ["SegmentCommonImage", 200],
      ]);
      expect(assets.hits).not.toContain(expect.stringContaining("provider-input"));
    });

    it("a URL refusal that the upload cannot cure is a provider failure: the router falls back (no input blame)", async () => {
      fake.state.requireOssInputs = true;
      const image = await makeImage({ width: 300, height: 200 });
      const local = stubProvider({ id: "local", impl: () => okResult(300, 200) });
      // The fake's OSS refuses every upload (its policies are forgotten), so only the refusal remains.
      const original = fake.state.policies.set.bind(fake.state.policies);
      fake.state.policies.set = (key: string) => original(key, "not-the-secret");
      try {
        const routed = await routeCall({
          serviceId: "sky-replacement",
          request: skyRequest(image),
          chain: [provider, local],
          signal: new AbortController().signal,
          recordCall: async () => undefined,
          options: FAST_ROUTER,
        });
        expect(routed.providerId).toBe("local");
        expect(routed.attempts.find((a) => a.action === "oss.upload")).toMatchObject({ ok: false, httpStatus: 403 });
      } finally {
        fake.state.policies.set = original;
      }
    });

    it("reads a mask that comes in the alpha channel of a uniform image", async () => {
      fake.state.maskStyle = "alpha";
      const image = await makeImage({ width: 200, height: 200 });
      const mask = await provider.promptSegmentation!({ image, prompt: "the product" }, ctx());
      expect((await regionMean(mask.bytes, { left: 90, top: 90, width: 20, height: 20 }))[0]).toBeGreaterThan(250);
      expect((await regionMean(mask.bytes, { left: 0, top: 0, width: 20, height: 20 }))[0]).toBeLessThan(5);
    });

    it("a 5xx on the result download is retried as a download: ChangeSky is called (and paid) once", async () => {
      fake.state.downloadFailures = 2;
      const image = await makeImage({ width: 300, height: 200 });
      const recorder = callRecorder();
      const routed = await routeCall({
        serviceId: "sky-replacement",
        request: skyRequest(image),
        chain: [provider],
        signal: new AbortController().signal,
        recordCall: recorder.recordCall,
        options: FAST_ROUTER,
      });
      expect(routed.providerId).toBe("alibaba");
      expect(fake.state.calls.filter((c) => c.action === "ChangeSky")).toHaveLength(1);
      expect(recorder.records.map((r) => [r.action, r.httpStatus])).toEqual([
        ["ChangeSky", 200],
        ["download", 503],
        ["download", 503],
        ["download", 200],
      ]);
      expect(routed.costMinor).toBe(3);
    });

    it("Throttling.User on a 400 is retried (the code decides, not the status)", async () => {
      fake.state.throttleNext = 1;
      const image = await makeImage({ width: 300, height: 200 });
      const routed = await routeCall({
        serviceId: "background-removal",
        request: { image, format: "png", output: "cutout" },
        chain: [provider],
        signal: new AbortController().signal,
        recordCall: async () => undefined,
        options: FAST_ROUTER,
      });
      expect(routed.providerId).toBe("alibaba");
      expect(fake.state.calls.map((c) => [c.status, c.code])).toEqual([
        [400, "Throttling.User"],
        [200, undefined],
      ]);
    });

    it("refuses a tampered request (signature checked by the fake)", async () => {
      const signed = signRpcRequest({
        endpoint: fake.url,
        action: "ChangeSky",
        version: "2019-12-30",
        query: { ImageURL: "http://127.0.0.1:1/a.jpg", ReplaceImageURL: "http://127.0.0.1:1/b.jpg" },
        accessKeyId: fake.state.accessKeyId,
        accessKeySecret: fake.state.accessKeySecret,
      });
      const tampered = signed.url.replace("a.jpg", "evil.jpg");
      const res = await fetch(tampered, { method: "POST", headers: signed.headers });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ Code: "SignatureDoesNotMatch" });
    });

    it("a photo the service refuses (≤ 50 px) is provider_rejected_input with Alibaba's message, no fallback", async () => {
      const image = await makeImage({ width: 40, height: 40 });
      const local = stubProvider({ id: "local", impl: () => okResult() });
      const recorder = callRecorder();
      const error = await routeCall({
        serviceId: "background-removal",
        request: { image, format: "png", output: "cutout" },
        chain: [provider, local],
        signal: new AbortController().signal,
        recordCall: recorder.recordCall,
        options: FAST_ROUTER,
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "provider_rejected_input" });
      expect((error as Error).message).toContain("The image resolution must be larger than 50x50.");
      expect(local.calls).toBe(0);
      expect(fake.state.calls).toHaveLength(1);
    });

    it("an expired result link fails the attempt and the router falls back", async () => {
      fake.state.expireResults = true;
      const image = await makeImage({ width: 300, height: 200 });
      const local = stubProvider({ id: "local", impl: () => okResult(300, 200) });
      const recorder = callRecorder();
      const routed = await routeCall({
        serviceId: "sky-replacement",
        request: {
          image,
          sky: { kind: "preset", presetId: "clear-blue" },
          harmonize: 0,
          horizonShift: 0,
          format: "jpeg",
        },
        chain: [provider, local],
        signal: new AbortController().signal,
        recordCall: recorder.recordCall,
        options: FAST_ROUTER,
      });
      expect(routed.providerId).toBe("local");
      expect(recorder.records.map((r) => [r.provider, r.action, r.ok, r.httpStatus])).toEqual([
        ["alibaba", "ChangeSky", true, 200],
        ["alibaba", "download", false, 403],
        ["local", "local.sky-replacement", true, undefined],
      ]);
    });

    it("retries a 500 (InternalError) with backoff and then succeeds on the same provider", async () => {
      fake.state.failNext = 1;
      const image = await makeImage({ width: 300, height: 200 });
      const delays: number[] = [];
      const routed = await routeCall({
        serviceId: "background-removal",
        request: { image, format: "png", output: "cutout" },
        chain: [provider],
        signal: new AbortController().signal,
        recordCall: async () => undefined,
        options: { ...FAST_ROUTER, sleep: async (ms) => void delays.push(ms) },
      });
      expect(routed.providerId).toBe("alibaba");
      expect(fake.state.calls.map((c) => c.status)).toEqual([500, 200]);
      expect(delays).toHaveLength(1);
    });

    it("an HTTP timeout is retried, then falls back", async () => {
      fake.state.delayMs = 400;
      const slow = makeProvider({ httpTimeoutMs: 100 });
      const image = await makeImage({ width: 300, height: 200 });
      const local = stubProvider({ id: "local", impl: () => okResult(300, 200) });
      const recorder = callRecorder();
      const routed = await routeCall({
        serviceId: "background-removal",
        request: { image, format: "png", output: "cutout" },
        chain: [slow, local],
        signal: new AbortController().signal,
        recordCall: recorder.recordCall,
        options: { ...FAST_ROUTER, retries: 1 },
      });
      expect(routed.providerId).toBe("local");
      expect(recorder.records.filter((r) => r.provider === "alibaba").map((r) => r.errorCode)).toEqual([
        "provider_unavailable",
        "provider_unavailable",
      ]);
    });
  });
}
