import { createHmac, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startYoucamFake, type YoucamFake } from "@/e2e/fakes/youcam-server";
import { resetEnvCache } from "@/lib/env";
import { resetCircuits, routeCall } from "@/lib/providers/router";
import { createYoucamProvider } from "@/lib/providers/youcam";
import {
  callRecorder,
  FAST_ROUTER,
  makeImage,
  okResult,
  regionMean,
  stubProvider,
  setupTempEnv,
} from "./providers-support";
import { testDbTargets, useTestDb } from "./test-db";

const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
setupTempEnv({ YOUCAM_WEBHOOK_SECRET: WEBHOOK_SECRET });

function sign(secret: string, id: string, ts: string, body: string) {
  return `v1,${createHmac("sha256", Buffer.from(secret.slice(6), "base64"))
    .update(`${id}.${ts}.${body}`)
    .digest("base64")}`;
}

for (const target of testDbTargets()) {
  describe(`YouCam adapter and webhook against the fake (${target.name})`, () => {
    let fake: YoucamFake;
    let db: Awaited<ReturnType<typeof useTestDb>>;
    let hook: Server;
    let hookUrl: string;
    const ctx = (recordCall?: (c: never) => Promise<void>) =>
      ({ signal: new AbortController().signal, recordCall }) as never;
    const provider = (overrides: Partial<Parameters<typeof createYoucamProvider>[0]> = {}) =>
      createYoucamProvider({
        apiKey: fake.state.apiKey,
        baseUrl: fake.url,
        pollIntervalMs: 20,
        taskTimeoutMs: 5_000,
        httpTimeoutMs: 5_000,
        unitCostMinor: 10,
        ...overrides,
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
        taskMs: 30,
        neverFinish: false,
        expireResults: false,
        failNext: 0,
        webhook: undefined,
      });
      fake.state.features = new Set(["bg-replace", "sod"]);
      fake.state.calls.length = 0;
      resetCircuits();
    });

    it("changes the background by prompt: file create → PUT → task → poll → download; 4 units recorded", async () => {
      const image = await makeImage({ width: 220, height: 180 });
      const recorder = callRecorder();
      const result = await provider().backgroundChange!(
        {
          image,
          background: { kind: "prompt", prompt: "golden-hour beach" },
          shadow: false,
          canvas: "original",
          format: "jpeg",
        },
        ctx(recorder.recordCall),
      );
      const meta = await sharp(result.bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", 220, 180]);
      expect(result.costMinor).toBe(40);
      expect(
        fake.state.calls.map((c) => `${c.method} ${c.path.replace(/\/[^/]{20,}$/, "/:id")} ${c.status}`).slice(0, 3),
      ).toEqual([
        "POST /s2s/v2.0/file 200",
        expect.stringMatching(/^PUT \/upload\/\S+ 200$/),
        "POST /s2s/v2.0/task/bg-replace 200",
      ]);
      expect(recorder.records.at(-1)).toMatchObject({ action: "download", ok: true, costMinor: 40 });
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
      expect(cutout.costMinor).toBe(10);
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
      const started = Date.now();
      const routed = await routeCall({
        serviceId: "background-removal",
        request: { image, format: "png", output: "cutout" },
        chain: [provider({ taskTimeoutMs: 250, pollIntervalMs: 40 }), local],
        signal: new AbortController().signal,
        recordCall: async () => undefined,
        options: FAST_ROUTER,
      });
      expect(routed.providerId).toBe("local");
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it("an expired result link is provider_failed", async () => {
      fake.state.expireResults = true;
      const image = await makeImage({ width: 160, height: 160 });
      await expect(
        provider().backgroundRemoval!({ image, format: "png", output: "cutout" }, ctx()),
      ).rejects.toMatchObject({ code: "provider_failed" });
    });

    it("the bg-replace-v2 path (older docs) fails cleanly when the service does not serve it", async () => {
      const image = await makeImage({ width: 160, height: 160 });
      const error = await provider({ bgTaskPath: "bg-replace-v2" }).backgroundChange!(
        { image, background: { kind: "prompt", prompt: "beach" }, shadow: false, canvas: "original", format: "png" },
        ctx(),
      ).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "provider_failed" });
      fake.state.features.add("bg-replace-v2");
      const ok = await provider({ bgTaskPath: "bg-replace-v2" }).backgroundChange!(
        { image, background: { kind: "prompt", prompt: "beach" }, shadow: false, canvas: "original", format: "png" },
        ctx(),
      );
      expect(ok.width).toBe(160);
    });

    it("a signed webhook wakes the poller early and is recorded once", async () => {
      fake.state.webhook = { url: hookUrl, secret: WEBHOOK_SECRET };
      fake.state.taskMs = 50;
      const image = await makeImage({ width: 160, height: 160 });
      const started = Date.now();
      const result = await provider({ pollIntervalMs: 20_000, taskTimeoutMs: 60_000 }).backgroundRemoval!(
        { image, format: "png", output: "cutout" },
        ctx(),
      );
      expect(result.width).toBe(160);
      expect(Date.now() - started).toBeLessThan(5_000);
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
