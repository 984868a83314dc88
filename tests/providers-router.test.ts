import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startAlibabaFake, type AlibabaFake } from "@/e2e/fakes/alibaba-server";
import { parseEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { buildProviderChain, validateProviderConfig } from "@/lib/providers/chain";
import { renderReferenceInline } from "@/lib/providers/local/reference";
import { backoffDelay, getCircuitStates, resetCircuits, routeCall, type RouterOptions } from "@/lib/providers/router";
import {
  callRecorder,
  failWith,
  FAST_ROUTER,
  makeImage,
  okResult,
  runJobThroughRouter,
  startAssetHost,
  stubProvider,
  setupTempEnv,
} from "./providers-support";
import { testDbTargets, useTestDb } from "./test-db";

setupTempEnv();

const signal = () => new AbortController().signal;

describe("router: retries, fallback, circuit breaker", () => {
  let image: Awaited<ReturnType<typeof makeImage>>;
  const request = () => ({ image, format: "png" as const, output: "cutout" as const });

  beforeAll(async () => {
    image = await makeImage({ width: 32, height: 32 });
  });
  beforeEach(() => resetCircuits());

  it("retries a retryable failure with jittered backoff, then falls back; attempts list both", async () => {
    const vendor = stubProvider({ id: "vendor", impl: failWith("provider_unavailable", true) });
    const local = stubProvider({ id: "local", impl: () => okResult() });
    const delays: number[] = [];
    const recorder = callRecorder();
    const routed = await routeCall({
      serviceId: "background-removal",
      request: request(),
      chain: [vendor, local],
      signal: signal(),
      recordCall: recorder.recordCall,
      options: {
        ...FAST_ROUTER,
        retries: 2,
        baseDelayMs: 100,
        maxDelayMs: 1000,
        random: () => 0.5,
        sleep: async (ms) => void delays.push(ms),
      },
    });
    expect(routed.providerId).toBe("local");
    expect(vendor.calls).toBe(3);
    expect(delays).toEqual([50, 100]);
    expect(routed.attempts.map((a) => [a.provider, a.ok, a.errorCode])).toEqual([
      ["vendor", false, "provider_unavailable"],
      ["vendor", false, "provider_unavailable"],
      ["vendor", false, "provider_unavailable"],
      ["local", true, undefined],
    ]);
    expect(recorder.records).toEqual(routed.attempts);
  });

  it("backoff is capped and jittered", () => {
    const opts = { baseDelayMs: 500, maxDelayMs: 2000, random: () => 1 };
    expect([0, 1, 2, 3, 8].map((n) => backoffDelay(n, opts))).toEqual([500, 1000, 2000, 2000, 2000]);
    expect(backoffDelay(3, { ...opts, random: () => 0 })).toBe(0);
  });

  it("auth failure: no retry, falls back, opens the circuit so the next job skips the provider", async () => {
    const now = 1_000_000;
    const options: Partial<RouterOptions> = { ...FAST_ROUTER, now: () => now, authCooldownMs: 60_000 };
    const vendor = stubProvider({ id: "vendor", impl: failWith("provider_auth_failed") });
    const local = stubProvider({ id: "local", impl: () => okResult() });
    const first = await routeCall({
      serviceId: "background-removal",
      request: request(),
      chain: [vendor, local],
      signal: signal(),
      recordCall: async () => undefined,
      options,
    });
    expect(first.providerId).toBe("local");
    expect(vendor.calls).toBe(1);
    expect(getCircuitStates(now)).toEqual([
      expect.objectContaining({
        providerId: "vendor",
        state: "open",
        lastError: expect.objectContaining({ code: "provider_auth_failed" }),
      }),
    ]);

    const second = await routeCall({
      serviceId: "background-removal",
      request: request(),
      chain: [vendor, local],
      signal: signal(),
      recordCall: async () => undefined,
      options,
    });
    expect(vendor.calls).toBe(1);
    expect(second.skipped).toEqual([{ providerId: "vendor", reason: "circuit open" }]);

    // Without a fallback the job fails with the auth error, never silently.
    resetCircuits();
    await expect(
      routeCall({
        serviceId: "background-removal",
        request: request(),
        chain: [vendor],
        signal: signal(),
        recordCall: async () => undefined,
        options,
      }),
    ).rejects.toMatchObject({ code: "provider_auth_failed" });
    expect(vendor.calls).toBe(2);
  });

  it("opens after repeated failures, lets one trial through when half-open, closes on success", async () => {
    let now = 5_000_000;
    let healthy = false;
    const options: Partial<RouterOptions> = {
      ...FAST_ROUTER,
      retries: 0,
      failureThreshold: 2,
      cooldownMs: 10_000,
      now: () => now,
    };
    const vendor = stubProvider({
      id: "flaky",
      impl: () => (healthy ? okResult() : failWith("provider_unavailable", true)()),
    });
    const local = stubProvider({ id: "local", impl: () => okResult() });
    const run = () =>
      routeCall({
        serviceId: "background-removal",
        request: request(),
        chain: [vendor, local],
        signal: signal(),
        recordCall: async () => undefined,
        options,
      });
    await run();
    expect(getCircuitStates(now)[0]).toMatchObject({ state: "closed", consecutiveFailures: 1 });
    await run();
    expect(getCircuitStates(now)[0]).toMatchObject({ state: "open", consecutiveFailures: 2 });
    await run();
    expect(vendor.calls).toBe(2);
    now += 10_001;
    expect(getCircuitStates(now)[0]!.state).toBe("half-open");
    await run(); // the trial fails: open again
    expect(vendor.calls).toBe(3);
    expect(getCircuitStates(now)[0]!.state).toBe("open");
    now += 10_001;
    healthy = true;
    const routed = await run();
    expect(routed.providerId).toBe("flaky");
    expect(getCircuitStates(now)[0]).toMatchObject({ state: "closed", consecutiveFailures: 0 });
  });

  it("bad input ends the job: no retry, no fallback; the engine's verdicts too", async () => {
    const vendor = stubProvider({
      id: "vendor",
      impl: () => {
        throw new AppError("provider_rejected_input", "vendor could not process this image: too small");
      },
    });
    const local = stubProvider({ id: "local", impl: () => okResult() });
    await expect(
      routeCall({
        serviceId: "background-removal",
        request: request(),
        chain: [vendor, local],
        signal: signal(),
        recordCall: async () => undefined,
        options: FAST_ROUTER,
      }),
    ).rejects.toMatchObject({ code: "provider_rejected_input", message: expect.stringContaining("too small") });
    expect([vendor.calls, local.calls]).toEqual([1, 0]);
    const engine = stubProvider({ id: "local", impl: failWith("no_sky_detected") });
    await expect(
      routeCall({
        serviceId: "background-removal",
        request: request(),
        chain: [engine],
        signal: signal(),
        recordCall: async () => undefined,
        options: FAST_ROUTER,
      }),
    ).rejects.toMatchObject({ code: "no_sky_detected" });
    expect(getCircuitStates().find((c) => c.providerId === "vendor")?.consecutiveFailures ?? 0).toBe(0);
  });

  it("skips providers without the capability or that decline the request; an empty result is provider_unavailable", async () => {
    const skyOnly = stubProvider({ id: "sky-only", capabilities: ["sky-replacement"], impl: () => okResult() });
    const picky = Object.assign(stubProvider({ id: "picky", impl: () => okResult() }), {
      canHandle: () => "previews are rendered locally",
    });
    const error = await routeCall({
      serviceId: "background-removal",
      request: request(),
      chain: [skyOnly, picky],
      signal: signal(),
      recordCall: async () => undefined,
      options: FAST_ROUTER,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "provider_unavailable",
      details: {
        skipped: [
          { providerId: "sky-only", reason: "does not offer background-removal" },
          { providerId: "picky", reason: "previews are rendered locally" },
        ],
      },
    });
    expect(skyOnly.calls + picky.calls).toBe(0);
  });

  it("a canceled job stops at once", async () => {
    const controller = new AbortController();
    controller.abort();
    const vendor = stubProvider({ id: "vendor", impl: () => okResult() });
    await expect(
      routeCall({
        serviceId: "background-removal",
        request: request(),
        chain: [vendor],
        signal: controller.signal,
        recordCall: async () => undefined,
        options: FAST_ROUTER,
      }),
    ).rejects.toMatchObject({ code: "job_canceled" });
    expect(vendor.calls).toBe(0);
  });

  it("an unexpected exception from a provider is provider_failed and falls back", async () => {
    const vendor = stubProvider({
      id: "vendor",
      impl: () => {
        throw new TypeError("boom");
      },
    });
    const local = stubProvider({ id: "local", impl: () => okResult() });
    const routed = await routeCall({
      serviceId: "background-removal",
      request: request(),
      chain: [vendor, local],
      signal: signal(),
      recordCall: async () => undefined,
      options: FAST_ROUTER,
    });
    expect(routed.attempts[0]).toMatchObject({ provider: "vendor", ok: false, errorCode: "provider_failed" });
    expect(routed.providerId).toBe("local");
  });
});

describe("chain configuration", () => {
  const base = {
    ALIBABA_ACCESS_KEY_ID: "ak",
    ALIBABA_ACCESS_KEY_SECRET: "sk",
    SELLERPIC_API_KEY: "sp",
    YOUCAM_API_KEY: "yc",
    PUBLIC_BASE_URL: "https://backdrop.example",
  };

  it("validateProviderConfig refuses unknown names, missing keys and wrong services", () => {
    expect(() =>
      validateProviderConfig(parseEnv({ ...base, PROVIDER_SKY_REPLACEMENT: "alibaba,local" })),
    ).not.toThrow();
    // Without a public base URL Alibaba gets its inputs uploaded to its own storage instead.
    expect(() =>
      validateProviderConfig(parseEnv({ ...base, PUBLIC_BASE_URL: "", PROVIDER_SKY_REPLACEMENT: "alibaba,local" })),
    ).not.toThrow();
    expect(() =>
      validateProviderConfig(parseEnv({ ...base, ALIBABA_ACCESS_KEY_SECRET: "", PROVIDER_SKY_REPLACEMENT: "alibaba" })),
    ).toThrow(/PROVIDER_SKY_REPLACEMENT: alibaba needs ALIBABA_ACCESS_KEY_ID and ALIBABA_ACCESS_KEY_SECRET/);
    expect(() => validateProviderConfig(parseEnv({ ...base, PROVIDER_BACKGROUND_CHANGE: "photoroom,local" }))).toThrow(
      /unknown provider "photoroom"/,
    );
    expect(() =>
      validateProviderConfig(parseEnv({ ...base, YOUCAM_API_KEY: "", PROVIDER_BACKGROUND_REMOVAL: "youcam,local" })),
    ).toThrow(/youcam needs YOUCAM_API_KEY/);
    expect(() => validateProviderConfig(parseEnv({ ...base, PROVIDER_SKY_REPLACEMENT: "youcam,local" }))).toThrow(
      /youcam does not offer sky-replacement/,
    );
  });

  it("buildProviderChain maps names in order and skips unconfigured vendors", async () => {
    const local = stubProvider({ id: "local", impl: () => okResult() });
    const overrides = { providers: new Map([["local", local]]) };
    const chain = await buildProviderChain(
      "background-removal",
      parseEnv({ ...base, PROVIDER_BACKGROUND_REMOVAL: "youcam,sellerpic,alibaba,local" }),
      overrides,
    );
    expect(chain.map((p) => p.id)).toEqual(["youcam", "sellerpic", "alibaba", "local"]);
    const partial = await buildProviderChain(
      "background-removal",
      parseEnv({ ...base, SELLERPIC_API_KEY: "", PROVIDER_BACKGROUND_REMOVAL: "sellerpic,local" }),
      overrides,
    );
    expect(partial.map((p) => p.id)).toEqual(["local"]);
    const fallbackDefault = await buildProviderChain("sky-replacement", parseEnv({}), overrides);
    expect(fallbackDefault).toEqual([local]);
    await expect(
      buildProviderChain("sky-replacement", parseEnv({ PROVIDER_SKY_REPLACEMENT: "nope" }), overrides),
    ).rejects.toThrow(/unknown provider/);
  });
});

for (const target of testDbTargets()) {
  describe(`a full job through the router with the real embedded engine (${target.name})`, () => {
    let fake: AlibabaFake;
    let assets: Awaited<ReturnType<typeof startAssetHost>>;
    let db: Awaited<ReturnType<typeof useTestDb>>;
    beforeAll(async () => {
      db = await useTestDb(target);
      fake = await startAlibabaFake();
      assets = await startAssetHost();
    });
    afterAll(async () => {
      await fake.close();
      await assets.close();
      await db.dispose();
    });

    it("Alibaba answers 500 → retried → falls back to the local engine; ProviderCall rows persisted", async () => {
      resetCircuits();
      fake.state.failNext = 100;
      const { createLocalProvider } = await import("@/lib/providers/local");
      const image = await makeImage({ width: 320, height: 240 });
      const outcome = await runJobThroughRouter({
        serviceId: "sky-replacement",
        request: {
          image,
          sky: { kind: "preset", presetId: "clear-blue" },
          harmonize: 0.5,
          horizonShift: 0,
          format: "jpeg",
        },
        env: {
          PUBLIC_BASE_URL: assets.url,
          ALIBABA_ACCESS_KEY_ID: fake.state.accessKeyId,
          ALIBABA_ACCESS_KEY_SECRET: fake.state.accessKeySecret,
          ALIBABA_ENDPOINT: fake.url,
          PROVIDER_SKY_REPLACEMENT: "alibaba,local",
        },
        db: db.handle.prisma,
        overrides: {
          providers: new Map([["local", createLocalProvider({ mode: "inline", matteCache: null })]]),
          deps: { renderReference: renderReferenceInline },
        },
        routerOptions: { retries: 1 },
      });
      if ("error" in outcome) throw outcome.error;
      expect(outcome.providerId).toBe("local");
      expect((await sharp(outcome.result.bytes).metadata()).width).toBe(320);
      expect(fake.state.calls.map((c) => c.status)).toEqual([500, 500]);
      const rows = await db.handle.prisma.providerCall.findMany({ orderBy: { createdAt: "asc" } });
      expect(rows.map((r) => [r.provider, r.ok, r.httpStatus])).toEqual([
        ["alibaba", false, 500],
        ["alibaba", false, 500],
        ["local", true, null],
      ]);
    });
  });
}
