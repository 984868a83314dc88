import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startYoucamFake, type YoucamFake } from "@/e2e/fakes/youcam-server";
import { resetEnvCache } from "@/lib/env";
import { resetCircuits, routeCall } from "@/lib/providers/router";
import type { ImageInput } from "@/lib/image/types";
import type { ProviderCallRecord } from "@/lib/providers/types";
import { createYoucamProvider } from "@/lib/providers/youcam";
import { computeWebhookSignature, verifyStandardWebhook } from "@/lib/providers/youcam/webhook";
import {
  callRecorder,
  FAST_ROUTER,
  heldClock,
  makeImage,
  okResult,
  regionMean,
  setupTempEnv,
  stubProvider,
  virtualClock,
} from "./providers-support";
import { testDbTargets, useTestDb } from "./test-db";

const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
setupTempEnv({ YOUCAM_WEBHOOK_SECRET: WEBHOOK_SECRET });

/** A delivery's signature as the Standard Webhooks reference library makes it (the oracle). */
function sign(secret: string, id: string, ts: string, body: string) {
  return new Webhook(secret).sign(id, new Date(Number(ts) * 1000), body);
}

describe("YouCam webhook signatures agree with the Standard Webhooks reference library", () => {
  const id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
  const timestamp = "1761112848";
  const body = JSON.stringify({ created_at: 1761112848, data: { task_id: "task-1", task_status: "success" } });
  const headers = (signature: string) =>
    new Headers({ "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature });

  it("accepts what the library signs and refuses it when the body, id or secret differs", () => {
    const signature = sign(WEBHOOK_SECRET, id, timestamp, body);
    const verify = (rawBody: string, given = headers(signature), secret = WEBHOOK_SECRET) =>
      verifyStandardWebhook({ secret, headers: given, rawBody, nowSeconds: Number(timestamp) + 60 });
    expect(verify(body)).toEqual({ id, timestamp: Number(timestamp) });
    expect(() => verify(body.replace("success", "error"))).toThrow(/does not match/);
    const otherId = new Headers({
      "webhook-id": "msg_other",
      "webhook-timestamp": timestamp,
      "webhook-signature": signature,
    });
    expect(() => verify(body, otherId)).toThrow(/does not match/);
    expect(() => verify(body, headers(signature), `whsec_${randomBytes(24).toString("base64")}`)).toThrow(
      /does not match/,
    );
  });

  it("signs what the library verifies", () => {
    const nowSeconds = Math.floor(Date.now() / 1000).toString();
    const signature = `v1,${computeWebhookSignature({ secret: WEBHOOK_SECRET, id, timestamp: nowSeconds, body })}`;
    const payload = new Webhook(WEBHOOK_SECRET).verify(body, {
      "webhook-id": id,
      "webhook-timestamp": nowSeconds,
      "webhook-signature": signature,
    });
    expect(payload).toMatchObject({ data: { task_id: "task-1" } });
  });
});

for (const target of testDbTargets()) {
  describe(`YouCam adapter and webhook against the fake (${target.name})`, () => {
    let fake: YoucamFake;
    let db: Awaited<ReturnType<typeof useTestDb>>;
    let hook: Server;
    let hookUrl: string;
    let time: ReturnType<typeof virtualClock>;
    const ctx = (recordCall?: (c: ProviderCallRecord) => Promise<void>) => ({
      signal: new AbortController().signal,
      recordCall,
    });
    const provider = (overrides: Partial<Parameters<typeof createYoucamProvider>[0]> = {}) =>
      createYoucamProvider({
        apiKey: fake.state.apiKey,
        baseUrl: fake.url,
        pollIntervalMs: 3_000,
        taskTimeoutMs: 5 * 60_000,
        httpTimeoutMs: 5_000,
        unitCostMinor: 5,
        clock: time.clock,
        ...overrides,
      });
    const bgChange = (image: ImageInput, format: "png" | "jpeg" = "png") => ({
      image,
      background: { kind: "prompt" as const, prompt: "golden-hour beach" },
      shadow: false,
      canvas: "original" as const,
      format,
    });

    beforeAll(async () => {
      resetEnvCache();
      db = await useTestDb(target);
      fake = await startYoucamFake();
      // Our real route handler, served on loopback for the fake's deliveries.
      const { POST } = await import("@/app/api/webhooks/youcam/route");
      hook = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          void (async () => {
            const response = await POST(
              new Request(`http://127.0.0.1${req.url}`, {
                method: "POST",
                headers: req.headers as Record<string, string>,
                body: Buffer.concat(chunks),
              }),
              { params: Promise.resolve({}) },
            );
            res.writeHead(response.status, { "content-type": "application/json" });
            res.end(await response.text());
          })();
        });
      });
      await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", () => resolve()));
      hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/api/webhooks/youcam`;
    });
    afterAll(async () => {
      await fake.close();
      hook.closeAllConnections();
      await new Promise<void>((resolve) => hook.close(() => resolve()));
      await db.dispose();
    });
    beforeEach(() => {
      Object.assign(fake.state, {
        taskMs: 0,
        pollsToFinish: 1,
        neverFinish: false,
        expireResults: false,
        failNext: 0,
        failTasks: false,
        pollFailures: 0,
        pollRateLimits: 0,
        downloadFailures: 0,
        unitsCharged: 0,
        tasksCreated: {},
        tasks: new Map(),
        webhooksSent: [],
        webhook: undefined,
      });
      time = virtualClock();
      fake.state.features = new Set(["bg-replace", "sod"]);
      fake.state.calls.length = 0;
      resetCircuits();
    });

    it("changes the background by prompt: file create → PUT → task → poll → download; 4 units on the success poll", async () => {
      fake.state.pollsToFinish = 2;
      const image = await makeImage({ width: 220, height: 180 });
      const recorder = callRecorder();
      const result = await provider().backgroundChange!(bgChange(image, "jpeg"), ctx(recorder.recordCall));
      const meta = await sharp(result.bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", 220, 180]);
      expect(result.costMinor).toBe(20);
      expect(time.sleeps).toEqual([3_000, 3_000]);
      // Units are charged when the task succeeds: the cost is on the poll that saw it, nowhere else.
      expect(recorder.records.map((r) => [r.action, r.costMinor ?? 0])).toEqual([
        ["file.create", 0],
        ["file.put", 0],
        ["task.create:bg-replace", 0],
        ["task.poll:bg-replace", 0],
        ["task.poll:bg-replace", 20],
        ["download", 0],
      ]);
      expect(
        fake.state.calls.map((c) => `${c.method} ${c.path.replace(/\/[^/]{20,}$/, "/:id")} ${c.status}`).slice(0, 3),
      ).toEqual([
        "POST /s2s/v2.0/file 200",
        expect.stringMatching(/^PUT \/upload\/\S+ 200$/),
        "POST /s2s/v2.0/task/bg-replace 200",
      ]);
      expect(fake.state.unitsCharged).toBe(4);
    });

    it("uses a YouCam template for presets named youcam:<id>, and declines local presets", async () => {
      const p = provider();
      const image = await makeImage({ width: 200, height: 200 });
      expect(
        p.canHandle!("background-change", {
          image,
          background: { kind: "preset", presetId: "studio-white" },
          shadow: false,
          canvas: "original",
        }),
      ).toMatch(/prompt or by its own templates/);
      const result = await p.backgroundChange!(
        {
          image,
          background: { kind: "preset", presetId: "youcam:nature_cherryblossom" },
          shadow: false,
          canvas: "original",
          format: "png",
        },
        ctx(),
      );
      expect(result.width).toBe(200);
    });

    it("removes the background with sod (cut-out, matte), 1 unit", async () => {
      const image = await makeImage({ width: 200, height: 200, format: "webp" });
      const cutout = await provider().backgroundRemoval!({ image, format: "webp", output: "cutout" }, ctx());
      expect((await regionMean(cutout.bytes, { left: 90, top: 90, width: 20, height: 20 }))[3]).toBeGreaterThan(250);
      expect((await regionMean(cutout.bytes, { left: 0, top: 0, width: 20, height: 20 }))[3]).toBeLessThan(5);
      expect(cutout.costMinor).toBe(5);
      const matte = await provider().backgroundRemoval!({ image, format: "png", output: "matte" }, ctx());
      expect((await sharp(matte.bytes).metadata()).channels).toBe(1);
    });

    it("a wrong key is provider_auth_failed after one call", async () => {
      const image = await makeImage({ width: 200, height: 200 });
      const error = await routeCall({
        serviceId: "background-removal",
        request: { image, format: "png", output: "cutout" },
        chain: [provider({ apiKey: "nope" })],
        signal: new AbortController().signal,
        recordCall: async () => undefined,
        options: FAST_ROUTER,
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "provider_auth_failed" });
      expect((error as Error).message).toContain("InvalidApiKey");
      expect(fake.state.calls).toHaveLength(1);
    });

    it("bad input is provider_rejected_input with YouCam's message", async () => {
      const image = await makeImage({ width: 40, height: 40 });
      const error = await provider().backgroundRemoval!({ image, format: "png", output: "cutout" }, ctx()).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: "provider_rejected_input" });
      expect((error as Error).message).toContain("Image resolution too small (minimum 64 px).");
    });

    it("a task that never finishes hits the deadline (provider_timeout) and falls back", async () => {
      fake.state.neverFinish = true;
      const image = await makeImage({ width: 160, height: 160 });
      const local = stubProvider({ id: "local", impl: () => okResult(160, 160) });
      const routed = await routeCall({
        serviceId: "background-removal",
        request: { image, format: "png", output: "cutout" },
        chain: [provider({ taskTimeoutMs: 60_000, pollIntervalMs: 5_000 }), local],
        signal: new AbortController().signal,
        recordCall: async () => undefined,
        options: FAST_ROUTER,
      });
      expect(routed.providerId).toBe("local");
      expect(routed.attempts.find((a) => a.provider === "youcam" && !a.ok)).toBeUndefined();
      expect(fake.state.calls.filter((c) => c.path.startsWith("/s2s/v2.0/task/sod/"))).toHaveLength(12);
      expect(fake.state.tasksCreated).toEqual({ sod: 1 });
    });

    it("an expired result link is provider_failed", async () => {
      fake.state.expireResults = true;
      const image = await makeImage({ width: 160, height: 160 });
      await expect(
        provider().backgroundRemoval!({ image, format: "png", output: "cutout" }, ctx()),
      ).rejects.toMatchObject({ code: "provider_failed" });
    });

    it("bg-replace-v2 uploads through its own file path, and fails cleanly where the service lacks it", async () => {
      const image = await makeImage({ width: 160, height: 160 });
      const error = await provider({ bgTaskPath: "bg-replace-v2" }).backgroundChange!(bgChange(image), ctx()).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: "provider_failed" });
      fake.state.features.add("bg-replace-v2");
      fake.state.calls.length = 0;
      const ok = await provider({ bgTaskPath: "bg-replace-v2" }).backgroundChange!(bgChange(image), ctx());
      expect(ok.width).toBe(160);
      expect(
        fake.state.calls.slice(0, 3).map((c) => `${c.method} ${c.path.replace(/\/upload\/.*/, "/upload/…")}`),
      ).toEqual(["POST /s2s/v2.0/file/bg-replace-v2", "PUT /upload/…", "POST /s2s/v2.0/task/bg-replace-v2"]);
    });

    it("sends WebP inputs as PNG (YouCam takes JPEG and PNG), transparency kept, result at full size", async () => {
      const image = await makeImage({ width: 300, height: 200, format: "webp" });
      const result = await provider().backgroundRemoval!({ image, format: "png", output: "cutout" }, ctx());
      expect([result.width, result.height]).toEqual([300, 200]);
      expect(fake.state.calls.find((c) => c.method === "PUT")?.status).toBe(200);
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
        expect(fake.state.tasksCreated).toEqual({ sod: 1 });
      },
    );

    it("a failed task (error) falls back once, without a second paid task or a charge", async () => {
      fake.state.failTasks = true;
      const image = await makeImage({ width: 160, height: 160 });
      const local = stubProvider({ id: "local", impl: () => okResult(160, 160) });
      const routed = await routeCall({
        serviceId: "background-change",
        request: bgChange(image),
        chain: [provider(), local],
        signal: new AbortController().signal,
        recordCall: async () => undefined,
        options: FAST_ROUTER,
      });
      expect(routed.providerId).toBe("local");
      expect(fake.state.tasksCreated).toEqual({ "bg-replace": 1 });
      expect([fake.state.unitsCharged, routed.costMinor]).toEqual([0, 0]);
      expect(routed.attempts.find((a) => a.provider === "youcam" && !a.ok)?.errorMessage).toContain("error_inference");
    });

    for (const fault of ["pollFailures", "pollRateLimits", "downloadFailures"] as const) {
      it(`retries only the failing step on ${fault === "pollRateLimits" ? "429" : "5xx"} (${fault}); charged once`, async () => {
        fake.state[fault] = 2;
        const image = await makeImage({ width: 160, height: 160 });
        const recorder = callRecorder();
        const routed = await routeCall({
          serviceId: "background-change",
          request: bgChange(image),
          chain: [provider()],
          signal: new AbortController().signal,
          recordCall: recorder.recordCall,
          options: FAST_ROUTER,
        });
        expect(routed.providerId).toBe("youcam");
        expect(fake.state.tasksCreated).toEqual({ "bg-replace": 1 });
        expect(fake.state.unitsCharged).toBe(4);
        expect(routed.costMinor).toBe(20);
        const step = fault === "downloadFailures" ? "download" : "task.poll:bg-replace";
        expect(recorder.records.filter((r) => r.action === step).map((r) => r.ok)).toEqual([false, false, true]);
      });
    }

    it("a signed webhook wakes the poller early and is recorded once", async () => {
      fake.state.webhook = { url: hookUrl, secret: WEBHOOK_SECRET };
      fake.state.neverFinish = true;
      fake.state.pollsToFinish = 0;
      const image = await makeImage({ width: 160, height: 160 });
      // A clock whose hour-long wait between polls never ends by itself: only the webhook can end it.
      const held = heldClock();
      const running = provider({ pollIntervalMs: 3_600_000, taskTimeoutMs: 7_200_000, clock: held.clock })
        .backgroundRemoval!({ image, format: "png", output: "cutout" }, ctx());
      await held.sleeping;
      fake.state.neverFinish = false;
      await fake.deliverWebhooks();
      const result = await running;
      expect(result.width).toBe(160);
      expect(held.sleeps).toEqual([3_600_000]);
      expect(fake.state.calls.filter((c) => c.path.startsWith("/s2s/v2.0/task/sod/"))).toHaveLength(1);
      expect(fake.state.webhooksSent).toHaveLength(1);
      expect(fake.state.webhooksSent[0]!.status).toBe(200);
      const rows = await db.handle.prisma.providerCall.findMany({ where: { provider: "youcam", action: "webhook" } });
      expect(rows.some((r) => r.ok && r.requestId === result.requestId)).toBe(true);
    });

    it("rejects a webhook with a bad signature or a stale timestamp (401) and takes duplicates once", async () => {
      const body = JSON.stringify({ created_at: 1, data: { task_id: "task-abc", task_status: "success" } });
      const now = String(Math.floor(Date.now() / 1000));
      const post = (headers: Record<string, string>) =>
        fetch(hookUrl, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
      const bad = await post({
        "webhook-id": "msg_1",
        "webhook-timestamp": now,
        "webhook-signature": sign(`whsec_${randomBytes(24).toString("base64")}`, "msg_1", now, body),
      });
      expect(bad.status).toBe(401);
      expect(await bad.json()).toMatchObject({ error: { code: "webhook_invalid" } });
      const stale = String(Number(now) - 3600);
      expect(
        (
          await post({
            "webhook-id": "msg_1",
            "webhook-timestamp": stale,
            "webhook-signature": sign(WEBHOOK_SECRET, "msg_1", stale, body),
          })
        ).status,
      ).toBe(401);
      expect((await post({ "webhook-id": "msg_1", "webhook-timestamp": now })).status).toBe(401);

      const id = `msg_${randomBytes(6).toString("hex")}`;
      const headers = {
        "webhook-id": id,
        "webhook-timestamp": now,
        "webhook-signature": `v1,bm90LXRoaXMtb25l ${sign(WEBHOOK_SECRET, id, now, body)}`,
      };
      const [first, second] = await Promise.all([post(headers), post(headers)]);
      const answers = [await first.json(), await second.json()].map((a: { duplicate: boolean }) => a.duplicate).sort();
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(answers).toEqual([false, true]);
      const third = await post(headers);
      expect(await third.json()).toEqual({ received: true, duplicate: true });
      const rows = await db.handle.prisma.providerCall.findMany({
        where: { provider: "youcam", action: "webhook", requestId: "task-abc" },
      });
      expect(rows).toHaveLength(1);
    });
  });
}
