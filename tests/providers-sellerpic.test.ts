import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSellerPicFake, type SellerPicFake } from "@/e2e/fakes/sellerpic-server";
import { parseJsonKeepingBigInts } from "@/lib/providers/http";
import { resetCircuits, routeCall } from "@/lib/providers/router";
import { createSellerPicProvider } from "@/lib/providers/sellerpic";
import {
  callRecorder,
  FAST_ROUTER,
  makeImage,
  okResult,
  regionMean,
  stubProvider,
  setupTempEnv,
} from "./providers-support";

setupTempEnv();

describe("int64-safe JSON", () => {
  it("keeps integers above 2^53 as exact strings and leaves other numbers alone", () => {
    const parsed = parseJsonKeepingBigInts(
      '{"id":1910256820110163969,"n":-9223372036854775807,"small":42,"f":1.5e3,"s":"1910256820110163969 \\"x\\"","list":[12345678901234567]}',
    ) as Record<string, unknown>;
    expect(parsed).toEqual({
      id: "1910256820110163969",
      n: "-9223372036854775807",
      small: 42,
      f: 1500,
      s: '1910256820110163969 "x"',
      list: ["12345678901234567"],
    });
    expect(JSON.parse('{"id":1910256820110163969}').id).not.toBe(1910256820110163969n.toString()); // why this exists
  });
});

describe("SellerPic adapter against the fake", () => {
  let fake: SellerPicFake;
  const ctx = (recordCall?: (c: never) => Promise<void>) =>
    ({ signal: new AbortController().signal, recordCall }) as never;
  const provider = (overrides: Partial<Parameters<typeof createSellerPicProvider>[0]> = {}) =>
    createSellerPicProvider({
      apiKey: fake.state.apiKey,
      baseUrl: fake.url,
      pollIntervalMs: 20,
      concurrencyWaitMs: 20,
      taskTimeoutMs: 5_000,
      httpTimeoutMs: 5_000,
      creditCostMinor: 5,
      ...overrides,
    });

  beforeAll(async () => {
    fake = await startSellerPicFake();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    Object.assign(fake.state, {
      concurrencyCap: 5,
      concurrencyRejections: 0,
      taskMs: 30,
      neverFinish: false,
      expireLinks: false,
      failNext: 0,
    });
    fake.state.calls.length = 0;
    resetCircuits();
  });

  it("segments by prompt: upload → task → poll → download (64-bit image id kept exact), free", async () => {
    const image = await makeImage({ width: 240, height: 200 });
    const recorder = callRecorder();
    const result = await provider().promptSegmentation!({ image, prompt: "cup" }, ctx(recorder.recordCall));
    const meta = await sharp(result.bytes).metadata();
    expect([meta.format, meta.channels, meta.width, meta.height]).toEqual(["png", 1, 240, 200]);
    expect((await regionMean(result.bytes, { left: 110, top: 90, width: 20, height: 20 }))[0]).toBeGreaterThan(250);
    expect((await regionMean(result.bytes, { left: 0, top: 0, width: 20, height: 20 }))[0]).toBeLessThan(5);
    expect(result.costMinor).toBe(0);
    expect(recorder.records.map((r) => r.action)).toEqual(
      expect.arrayContaining(["upload", "promptSegmentation", "task.poll", "download.url", "download"]),
    );
    // The download was asked for with the exact int64 image id the fake issued (a JS number would round it).
    const downloadCall = fake.state.calls.find((c) => c.path === "/v1/api/download");
    expect(downloadCall?.status).toBe(200);
    expect(result.requestId).toMatch(/^\d{19}$/);
  });

  it("replaces the background with a solid colour (1 credit) and by prompt (4 credits)", async () => {
    const image = await makeImage({ width: 200, height: 200 });
    const colour = await provider().backgroundChange!(
      { image, background: { kind: "color", color: "#ff0000" }, shadow: false, canvas: "original", format: "jpeg" },
      ctx(),
    );
    const corner = await regionMean(colour.bytes, { left: 0, top: 0, width: 30, height: 30 });
    expect(corner[0]).toBeGreaterThan(230);
    expect(corner[1]! + corner[2]!).toBeLessThan(40);
    expect(colour.costMinor).toBe(5);
    expect(colour.mime).toBe("image/jpeg");
    const recorder = callRecorder();
    const prompt = await provider().backgroundChange!(
      {
        image,
        background: { kind: "prompt", prompt: "sunny beach" },
        shadow: false,
        canvas: "original",
        format: "png",
      },
      ctx(recorder.recordCall),
    );
    expect(prompt.costMinor).toBe(20);
    expect(recorder.records.find((r) => r.action === "download")?.costMinor).toBe(20);
  });

  it("uses an uploaded background image and a rendered preset as CUSTOM_BACKGROUND_IMAGE", async () => {
    const image = await makeImage({ width: 200, height: 160 });
    const background = await makeImage({ width: 300, height: 300, top: "#00ff00", bottom: "#00ff00", format: "png" });
    const result = await provider().backgroundChange!(
      { image, background: { kind: "image", image: background }, shadow: false, canvas: "original", format: "webp" },
      ctx(),
    );
    const corner = await regionMean(result.bytes, { left: 0, top: 0, width: 20, height: 20 });
    expect(corner[1]).toBeGreaterThan(200);
    expect(result.mime).toBe("image/webp");
  });

  it("removes the background through a free subject mask (cut-out with alpha)", async () => {
    const image = await makeImage({ width: 200, height: 200 });
    const result = await provider().backgroundRemoval!({ image, format: "png", output: "cutout" }, ctx());
    expect((await regionMean(result.bytes, { left: 90, top: 90, width: 20, height: 20 }))[3]).toBeGreaterThan(250);
    expect((await regionMean(result.bytes, { left: 0, top: 0, width: 20, height: 20 }))[3]).toBeLessThan(5);
  });

  it("a wrong key is provider_auth_failed after one call; the router falls back without retrying", async () => {
    const image = await makeImage({ width: 200, height: 200 });
    const local = stubProvider({ id: "local", impl: () => okResult(200, 200) });
    const recorder = callRecorder();
    const routed = await routeCall({
      serviceId: "prompt-segmentation",
      request: { image, prompt: "cup" },
      chain: [provider({ apiKey: "wrong" }), local],
      signal: new AbortController().signal,
      recordCall: recorder.recordCall,
      options: FAST_ROUTER,
    });
    expect(routed.providerId).toBe("local");
    expect(fake.state.calls).toEqual([{ method: "POST", path: "/v1/api/upload", status: 401, code: 401 }]);
    expect(recorder.records[0]).toMatchObject({
      provider: "sellerpic",
      ok: false,
      httpStatus: 401,
      errorCode: "provider_auth_failed",
    });
  });

  it("bad input (HTTP 400) is provider_rejected_input with SellerPic's message", async () => {
    const image = await makeImage({ width: 48, height: 48 });
    const error = await provider().promptSegmentation!({ image, prompt: "cup" }, ctx()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "provider_rejected_input" });
    expect((error as Error).message).toContain("Image resolution is too small (minimum 64 px).");
  });

  it("waits and retries on the concurrency cap (code 30003): both jobs finish", async () => {
    fake.state.concurrencyCap = 1;
    fake.state.taskMs = 400;
    const image = await makeImage({ width: 160, height: 160 });
    const p = provider();
    const [a, b] = await Promise.all([
      p.promptSegmentation!({ image, prompt: "cup" }, ctx()),
      p.promptSegmentation!({ image, prompt: "cup" }, ctx()),
    ]);
    expect(a.width).toBe(160);
    expect(b.width).toBe(160);
    expect(fake.state.concurrencyRejections).toBeGreaterThan(0);
  });

  it("respects the poll interval (no status check sooner than pollIntervalMs)", async () => {
    fake.state.taskMs = 0;
    const image = await makeImage({ width: 160, height: 160 });
    const started = Date.now();
    await provider({ pollIntervalMs: 300 }).promptSegmentation!({ image, prompt: "cup" }, ctx());
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(fake.state.calls.filter((c) => c.path === "/v1/api/generate")).toHaveLength(1);
  });

  it("a task that never finishes ends with provider_timeout at the deadline (no hang)", async () => {
    fake.state.neverFinish = true;
    const image = await makeImage({ width: 160, height: 160 });
    const started = Date.now();
    const error = await provider({ taskTimeoutMs: 300, pollIntervalMs: 50 }).promptSegmentation!(
      { image, prompt: "cup" },
      ctx(),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "provider_timeout" });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("an expired download link is asked for again once, then fails the attempt (provider_failed)", async () => {
    fake.state.expireLinks = true;
    const image = await makeImage({ width: 160, height: 160 });
    const recorder = callRecorder();
    const error = await provider().promptSegmentation!({ image, prompt: "cup" }, ctx(recorder.recordCall)).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "provider_failed" });
    expect(recorder.records.filter((r) => r.action === "download.url")).toHaveLength(2);
    expect(recorder.records.filter((r) => r.action === "download").map((r) => r.httpStatus)).toEqual([403, 403]);
  });

  it("5xx is retried by the router, then falls back to local; attempts record both providers", async () => {
    fake.state.failNext = 10;
    const image = await makeImage({ width: 160, height: 160 });
    const local = stubProvider({ id: "local", impl: () => okResult(160, 160) });
    const recorder = callRecorder();
    const routed = await routeCall({
      serviceId: "prompt-segmentation",
      request: { image, prompt: "cup" },
      chain: [provider(), local],
      signal: new AbortController().signal,
      recordCall: recorder.recordCall,
      options: { ...FAST_ROUTER, retries: 2 },
    });
    expect(routed.providerId).toBe("local");
    expect(fake.state.calls.filter((c) => c.status === 500)).toHaveLength(3);
    expect(routed.attempts.map((a) => [a.provider, a.ok])).toEqual([
      ["sellerpic", false],
      ["sellerpic", false],
      ["sellerpic", false],
      ["local", true],
    ]);
  });
});
