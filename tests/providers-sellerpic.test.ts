import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSellerPicFake, type SellerPicFake } from "@/e2e/fakes/sellerpic-server";
import { renderReferenceInline } from "@/lib/providers/local/reference";
import { resetCircuits, routeCall } from "@/lib/providers/router";
import { createSellerPicProvider } from "@/lib/providers/sellerpic";
import { parseJsonKeepingBigInts } from "@/lib/providers/transport";
import type { ProviderCallRecord } from "@/lib/providers/types";
import {
  callRecorder,
  FAST_ROUTER,
  makeImage,
  okResult,
  regionMean,
  setupTempEnv,
  stubProvider,
  virtualClock,
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
  let time: ReturnType<typeof virtualClock>;
  const ctx = (recordCall?: (c: ProviderCallRecord) => Promise<void>) => ({
    signal: new AbortController().signal,
    recordCall,
  });
  const provider = (overrides: Partial<Parameters<typeof createSellerPicProvider>[0]> = {}) =>
    createSellerPicProvider({
      apiKey: fake.state.apiKey,
      baseUrl: fake.url,
      pollIntervalMs: 60_000,
      concurrencyWaitMs: 60_000,
      taskTimeoutMs: 30 * 60_000,
      httpTimeoutMs: 5_000,
      creditCostMinor: 5,
      renderReference: renderReferenceInline,
      clock: time.clock,
      ...overrides,
    });
  const statusChecks = () => fake.state.calls.filter((c) => c.path === "/v1/api/generate");

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
      concurrencyStatus: 200,
      taskMs: 0,
      pollsToFinish: 1,
      neverFinish: false,
      expireLinks: false,
      failNext: 0,
      failTasks: false,
      maskStyle: "grey",
      pollFailures: 0,
      pollRateLimits: 0,
      downloadFailures: 0,
      tasksCreated: {},
      creditsCharged: 0,
    });
    fake.state.calls.length = 0;
    time = virtualClock();
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
    expect(recorder.records.map((r) => r.action)).toEqual([
      "upload",
      "promptSegmentation",
      "task.poll",
      "download.url",
      "download",
    ]);
    // The download was asked for with the exact int64 image id the fake issued (a JS number would round it).
    expect(fake.state.calls.find((c) => c.path === "/v1/api/download")?.status).toBe(200);
    expect(result.requestId).toMatch(/^\d{19}$/);
  });

  it("waits the poll interval before every status check", async () => {
    fake.state.pollsToFinish = 3;
    const image = await makeImage({ width: 160, height: 160 });
    await provider({ pollIntervalMs: 90_000 }).promptSegmentation!({ image, prompt: "cup" }, ctx());
    expect(statusChecks()).toHaveLength(3);
    expect(time.sleeps).toEqual([90_000, 90_000, 90_000]);
  });

  it("replaces the background with a colour (1 credit) and by prompt (4 credits), charged on the task", async () => {
    const image = await makeImage({ width: 200, height: 200 });
    const colour = await provider().backgroundChange!(
      { image, background: { kind: "color", color: "#ff0000" }, shadow: false, canvas: "original", format: "jpeg" },
      ctx(),
    );
    const corner = await regionMean(colour.bytes, { left: 0, top: 0, width: 30, height: 30 });
    expect(corner[0]).toBeGreaterThan(230);
    expect(corner[1]! + corner[2]!).toBeLessThan(40);
    expect([colour.costMinor, colour.mime]).toEqual([5, "image/jpeg"]);
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
    // The credits are charged when SellerPic accepts the task: the cost is on that call, not on the download.
    expect(recorder.records.filter((r) => (r.costMinor ?? 0) > 0).map((r) => [r.action, r.costMinor])).toEqual([
      ["replaceBackground", 20],
    ]);
    expect(fake.state.creditsCharged).toBe(5);
  });

  it("uses an uploaded background image and a rendered preset as CUSTOM_BACKGROUND_IMAGE", async () => {
    const image = await makeImage({ width: 200, height: 160 });
    const background = await makeImage({ width: 300, height: 300, top: "#00ff00", bottom: "#00ff00", format: "png" });
    const result = await provider().backgroundChange!(
      { image, background: { kind: "image", image: background }, shadow: false, canvas: "original", format: "webp" },
      ctx(),
    );
    expect((await regionMean(result.bytes, { left: 0, top: 0, width: 20, height: 20 }))[1]).toBeGreaterThan(200);
    expect(result.mime).toBe("image/webp");
    const preset = await provider().backgroundChange!(
      {
        image,
        background: { kind: "preset", presetId: "studio-white" },
        shadow: false,
        canvas: "original",
        format: "png",
      },
      ctx(),
    );
    expect((await regionMean(preset.bytes, { left: 0, top: 0, width: 20, height: 20 }))[0]).toBeGreaterThan(200);
    expect(fake.state.calls.filter((c) => c.path === "/v1/api/upload")).toHaveLength(4);
  });

  it("removes the background with the Background Remover task (1 credit), cut-out at the input size", async () => {
    const image = await makeImage({ width: 200, height: 200 });
    const result = await provider().backgroundRemoval!({ image, format: "png", output: "cutout" }, ctx());
    expect((await regionMean(result.bytes, { left: 90, top: 90, width: 20, height: 20 }))[3]).toBeGreaterThan(250);
    expect((await regionMean(result.bytes, { left: 0, top: 0, width: 20, height: 20 }))[3]).toBeLessThan(5);
    expect(fake.state.tasksCreated).toEqual({ removeBackground: 1 });
    expect(result.costMinor).toBe(5);
  });

  // Big images on a shared 2-core machine: more time than the suite default, for the test and its HTTP calls.
  it(
    "sends a 6000 × 4000 camera photo as a copy within 4096 px, and scales the result back",
    { timeout: 240_000 },
    async () => {
      const image = await makeImage({ width: 6000, height: 4000, format: "png" });
      const result = await provider({ httpTimeoutMs: 120_000 }).backgroundRemoval!(
        { image, format: "png", output: "cutout" },
        ctx(),
      );
      expect([result.width, result.height]).toEqual([6000, 4000]);
      const meta = await sharp(result.bytes).metadata();
      expect([meta.width, meta.height]).toEqual([6000, 4000]);
      expect(fake.state.tasksCreated).toEqual({ removeBackground: 1 });
    },
  );

  it("reads an alpha-channel mask from its alpha, and a black-and-white mask with an opaque alpha from its grey", async () => {
    const image = await makeImage({ width: 200, height: 200 });
    for (const style of ["alpha", "grey-opaque-alpha"] as const) {
      fake.state.maskStyle = style;
      const mask = await provider().promptSegmentation!({ image, prompt: "cup" }, ctx());
      expect((await regionMean(mask.bytes, { left: 90, top: 90, width: 20, height: 20 }))[0], style).toBeGreaterThan(
        250,
      );
      expect((await regionMean(mask.bytes, { left: 0, top: 0, width: 20, height: 20 }))[0], style).toBeLessThan(5);
      const cutout = await provider().backgroundRemoval!({ image, format: "png", output: "cutout" }, ctx());
      expect((await regionMean(cutout.bytes, { left: 0, top: 0, width: 20, height: 20 }))[3], style).toBeLessThan(5);
      expect((await regionMean(cutout.bytes, { left: 90, top: 90, width: 20, height: 20 }))[3], style).toBeGreaterThan(
        250,
      );
    }
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

  for (const status of [200, 429, 400]) {
    it(`waits for a free slot on code 30003 sent with HTTP ${status}: both jobs finish`, async () => {
      fake.state.concurrencyCap = 1;
      fake.state.concurrencyStatus = status;
      fake.state.pollsToFinish = 2;
      const image = await makeImage({ width: 160, height: 160 });
      const p = provider();
      const [a, b] = await Promise.all([
        p.promptSegmentation!({ image, prompt: "cup" }, ctx()),
        p.promptSegmentation!({ image, prompt: "cup" }, ctx()),
      ]);
      expect([a.width, b.width]).toEqual([160, 160]);
      expect(fake.state.concurrencyRejections).toBeGreaterThan(0);
      expect(fake.state.tasksCreated).toEqual({ promptSegmentation: 2 });
    });
  }

  it("a task that never finishes ends with provider_timeout at the deadline", async () => {
    fake.state.neverFinish = true;
    const image = await makeImage({ width: 160, height: 160 });
    const error = await provider({ taskTimeoutMs: 10 * 60_000 }).promptSegmentation!(
      { image, prompt: "cup" },
      ctx(),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "provider_timeout" });
    expect(statusChecks()).toHaveLength(10);
    expect(time.elapsed()).toBeLessThanOrEqual(10 * 60_000);
  });

  it("a failed task is provider_failed: the router falls back and never creates a second paid task", async () => {
    fake.state.failTasks = true;
    const image = await makeImage({ width: 200, height: 200 });
    const local = stubProvider({ id: "local", impl: () => okResult(200, 200) });
    const routed = await routeCall({
      serviceId: "background-change",
      request: {
        image,
        background: { kind: "color", color: "#00ff00" },
        shadow: false,
        canvas: "original",
        format: "png",
      },
      chain: [provider(), local],
      signal: new AbortController().signal,
      recordCall: async () => undefined,
      options: FAST_ROUTER,
    });
    expect(routed.providerId).toBe("local");
    expect(fake.state.tasksCreated).toEqual({ replaceBackground: 1 });
    expect(routed.attempts.find((a) => a.action === "task.poll")).toMatchObject({
      ok: false,
      errorCode: "provider_failed",
      errorMessage: expect.stringContaining("the model could not process this image"),
    });
    // The failed task was paid for: the job's cost counts it although another provider won.
    expect(routed.costMinor).toBe(5);
  });

  for (const fault of ["pollFailures", "pollRateLimits", "downloadFailures"] as const) {
    it(`retries the step alone on ${fault === "pollRateLimits" ? "429" : "5xx"} (${fault}), paying once`, async () => {
      fake.state[fault] = 2;
      const image = await makeImage({ width: 200, height: 200 });
      const recorder = callRecorder();
      const routed = await routeCall({
        serviceId: "background-change",
        request: {
          image,
          background: { kind: "color", color: "#0000ff" },
          shadow: false,
          canvas: "original",
          format: "png",
        },
        chain: [provider()],
        signal: new AbortController().signal,
        recordCall: recorder.recordCall,
        options: FAST_ROUTER,
      });
      expect(routed.providerId).toBe("sellerpic");
      expect(fake.state.tasksCreated).toEqual({ replaceBackground: 1 });
      expect(fake.state.creditsCharged).toBe(1);
      expect(fake.state.calls.filter((c) => c.path === "/v1/api/upload")).toHaveLength(1);
      const step = fault === "downloadFailures" ? "download" : "task.poll";
      expect(recorder.records.filter((r) => r.action === step).map((r) => r.ok)).toEqual([false, false, true]);
      expect(routed.costMinor).toBe(5);
    });
  }

  it("a status check that keeps failing fails the attempt without a new paid task (fallback, not retry)", async () => {
    fake.state.pollFailures = 100;
    const image = await makeImage({ width: 160, height: 160 });
    const local = stubProvider({ id: "local", impl: () => okResult(160, 160) });
    const routed = await routeCall({
      serviceId: "background-removal",
      request: { image, format: "png", output: "cutout" },
      chain: [provider({ stepAttempts: 3 }), local],
      signal: new AbortController().signal,
      recordCall: async () => undefined,
      options: { ...FAST_ROUTER, retries: 2 },
    });
    expect(routed.providerId).toBe("local");
    expect(fake.state.tasksCreated).toEqual({ removeBackground: 1 });
    expect(statusChecks()).toHaveLength(3);
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

  it("5xx before any task is retried by the router, then falls back to local; attempts record both", async () => {
    fake.state.failNext = 10;
    const image = await makeImage({ width: 160, height: 160 });
    const local = stubProvider({ id: "local", impl: () => okResult(160, 160) });
    const routed = await routeCall({
      serviceId: "prompt-segmentation",
      request: { image, prompt: "cup" },
      chain: [provider(), local],
      signal: new AbortController().signal,
      recordCall: async () => undefined,
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
