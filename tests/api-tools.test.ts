import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getAssetContent } from "@/app/api/assets/[id]/content/route";
import { GET as getCatalog } from "@/app/api/catalog/route";
import { GET as getJob } from "@/app/api/jobs/[id]/route";
import { POST as startJob } from "@/app/api/jobs/route";
import { POST as createPaymentRoute } from "@/app/api/payments/route";
import { POST as callTool } from "@/app/api/tools/[serviceId]/route";
import { storeAsset } from "@/lib/assets/assets";
import { getDb } from "@/lib/db";
import { closeEnginePool } from "@/lib/image/pool";
import { cancelJob } from "@/lib/jobs/queue";
import { startWorkers, type WorkerHandle } from "@/lib/jobs/worker";
import { AppError } from "@/lib/errors";
import { registerProvider } from "@/lib/providers";
import type { ProviderContext } from "@/lib/providers/types";
import { BASE, jsonRequest, params, startHttpServer, prepareScratchEnv } from "./helpers/paid-api";
import { testDbTargets, useTestDb } from "./test-db";

const camera = await readFile(path.join(process.cwd(), "e2e/fixtures/files/camera.jpg"));
// A blue close-up with no sky (a water drop): the old classical detector painted a sky into it.
const drop = await readFile(path.join(process.cwd(), "e2e/fixtures/files/drop.jpg"));
// A local "public" image host, allow-listed (tests only) so the SSRF guard lets it through.
const imageHost = await startHttpServer((req, res) => {
  if (req.url === "/camera.jpg") {
    res.writeHead(200, { "content-type": "image/jpeg" }).end(camera);
  } else res.writeHead(404).end();
});
// Sky replacement runs on the embedded engine. The non-blocking cases park on a provider that only
// ends when canceled: they are not about the edit, and stopping ONNX mid-run could abort the process.
const dataDir = await prepareScratchEnv({
  PAYMENTS_MODE: "sandbox",
  URL_FETCH_ALLOWLIST: `127.0.0.1:${imageHost.port}`,
  PROVIDER_SKY_REPLACEMENT: "local",
  PROVIDER_BACKGROUND_REMOVAL: "parked",
  PROVIDER_PROMPT_SEGMENTATION: "parked",
});
const park = (_req: unknown, ctx: ProviderContext) =>
  new Promise<never>((_resolve, reject) =>
    ctx.signal.addEventListener("abort", () => reject(new AppError("job_canceled", "Canceled."))),
  );
registerProvider({
  id: "parked",
  capabilities: ["background-removal", "prompt-segmentation"],
  backgroundRemoval: park,
  promptSegmentation: park,
});
afterAll(async () => {
  await closeEnginePool();
  await imageHost.close();
  await rm(dataDir, { recursive: true, force: true });
});

type Envelope = {
  code: string;
  message: string;
  requestId: string;
  data: Record<string, unknown> | null;
  error?: { code: string; message: string; details?: unknown };
  payment?: {
    serviceId: string;
    price: { amountMinor: number; currency: string; display: string };
    createPayment: { method: string; url: string; body: unknown };
    paymentHeader: string;
    mcpArgument: string;
    sandbox: boolean;
  };
};

async function tool(serviceId: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await callTool(jsonRequest(`/api/tools/${serviceId}`, body, headers), params({ serviceId }));
  return { status: response.status, headers: response.headers, body: (await response.json()) as Envelope };
}

async function pay(serviceId: string): Promise<string> {
  const response = await createPaymentRoute(jsonRequest("/api/payments", { serviceId }), params({}));
  expect(response.status).toBe(201);
  return ((await response.json()) as { token: string }).token;
}

describe.each(testDbTargets())("paid API on $name", (target) => {
  let dispose: () => Promise<void>;
  let workers: WorkerHandle;
  let cameraId: string;

  beforeAll(async () => {
    ({ dispose } = await useTestDb(target));
    cameraId = (await storeAsset({ kind: "upload", bytes: camera, mime: "image/jpeg", width: 512, height: 512 })).id;
    workers = startWorkers({ concurrency: 1, leaseSeconds: 10, pollMs: 50 });
  });
  afterAll(async () => {
    // Jobs queued by the non-blocking cases are not under test; don't wait for the engine.
    const db = await getDb();
    const open = await db.job.findMany({ where: { status: { in: ["queued", "running"] } }, select: { id: true } });
    await Promise.all(open.map((job) => cancelJob(job.id)));
    await workers.stop();
    await dispose();
  });

  it("answers an unpaid call with 402 and everything a program needs to pay", async () => {
    const { status, headers, body } = await tool("sky-replacement", {
      ImageURL: "https://example.com/a.jpg",
      ReplaceImageURL: "https://example.com/sky.jpg",
    });
    expect(status).toBe(402);
    expect(headers.get("cache-control")).toBe("no-store");
    expect(body).toMatchObject({ code: "402", error: { code: "payment_required" } });
    expect(body.message).toMatch(/^payment_required: /);
    expect(body.payment).toMatchObject({
      serviceId: "sky-replacement",
      price: { amountMinor: 20, currency: "USD", display: "$0.20" },
      createPayment: { method: "POST", url: `${BASE}/api/payments`, body: { serviceId: "sky-replacement" } },
      paymentHeader: "X-Payment-Token",
      mcpArgument: "paymentToken",
      sandbox: true,
    });
  });

  it("validates the input before asking for money (422, nothing charged) and knows its services", async () => {
    const missing = await tool("sky-replacement", { ImageURL: "https://example.com/a.jpg" });
    expect(missing.status).toBe(422);
    expect(missing.body.error?.code).toBe("validation_failed");
    const unknownKey = await tool("background-removal", { imageAssetId: cameraId, colour: "red" });
    expect(unknownKey.status).toBe(422);
    const notHttp = await tool("background-removal", { ImageURL: "file:///etc/passwd" });
    expect(notHttp.status).toBe(422);
    const unknown = await tool("turn-into-cat", { ImageURL: "https://example.com/a.jpg" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.code).toBe("service_not_found");
    const legacy = await tool("aliyun-imageseg-change-sky", {
      ImageURL: "https://example.com/a.jpg",
      ReplaceImageURL: "https://example.com/b.jpg",
    });
    expect(legacy.status).toBe(402);
    expect(legacy.body.payment?.serviceId).toBe("sky-replacement");
  });

  it("402 → pay → retry returns a downloadable, decodable result and the job shows the capture", async () => {
    expect(
      (await tool("sky-replacement", { ImageURL: `${imageHost.origin}/camera.jpg`, skyPresetId: "golden-hour" }))
        .status,
    ).toBe(402);
    const token = await pay("sky-replacement");
    const { status, body } = await tool(
      "sky-replacement",
      { ImageURL: `${imageHost.origin}/camera.jpg`, skyPresetId: "golden-hour" },
      { "X-Payment-Token": token },
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({
      code: "200",
      content: "",
      message: "success",
      data: { Action: "ChangeSky", Charged: true, Sandbox: true },
    });
    const imageUrl = new URL(String(body.data?.ImageURL));
    expect(imageUrl.origin).toBe(BASE);

    const assetId = imageUrl.pathname.split("/")[3]!;
    const download = await getAssetContent(new Request(imageUrl), params({ id: assetId }));
    expect(download.status).toBe(200);
    const meta = await sharp(Buffer.from(await download.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", 512, 512]);

    const jobResponse = await getJob(
      new Request(`${BASE}/api/jobs/${String(body.data?.JobId)}`),
      params({ id: String(body.data?.JobId) }),
    );
    const job = (await jobResponse.json()) as Record<string, unknown>;
    expect(job).toMatchObject({
      status: "succeeded",
      progress: 1,
      charged: true,
      error: null,
      payment: { status: "captured", method: "sandbox", amountMinor: 20, sandbox: true },
      input: { width: 512, height: 512 },
      result: { width: 512, height: 512, mime: "image/jpeg" },
    });

    const reuse = await tool(
      "sky-replacement",
      { ImageURL: `${imageHost.origin}/camera.jpg`, skyPresetId: "golden-hour" },
      { "X-Payment-Token": token },
    );
    expect(reuse.status).toBe(409);
    expect(reuse.body.error?.code).toBe("token_already_used");
  });

  it("refuses a photo without sky (no_sky_detected) without charging; the token still works after", async () => {
    const dropId = (await storeAsset({ kind: "upload", bytes: drop, mime: "image/jpeg", width: 640, height: 400 })).id;
    const token = await pay("sky-replacement");
    const refused = await tool(
      "sky-replacement",
      { imageAssetId: dropId, skyPresetId: "golden-hour" },
      { "X-Payment-Token": token },
    );
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ error: { code: "no_sky_detected" }, data: { Charged: false } });
    const db = await getDb();
    const job = await db.job.findUniqueOrThrow({ where: { id: String(refused.body.data?.JobId) } });
    expect(job.status).toBe("failed");
    const payment = await db.payment.findFirstOrThrow({ where: { jobs: { some: { id: job.id } } } });
    expect(payment.status).toBe("released");
    expect(await db.ledgerEntry.count({ where: { paymentId: payment.id, kind: "capture" } })).toBe(0);

    const accepted = await tool(
      "sky-replacement",
      { imageAssetId: cameraId, skyPresetId: "golden-hour" },
      { "X-Payment-Token": token, Prefer: "wait=0" },
    );
    expect(accepted.status).toBe(202);
  });

  it("refuses a private ImageURL and an unreachable one without charging; the token still works after", async () => {
    const token = await pay("background-removal");
    const privateUrl = await tool(
      "background-removal",
      { ImageURL: "http://127.0.0.1:9/photo.jpg" },
      { "X-Payment-Token": token },
    );
    expect(privateUrl.status).toBe(422);
    expect(privateUrl.body).toMatchObject({
      code: "422",
      error: { code: "url_not_allowed" },
      data: { Charged: false },
    });

    const unreachable = await tool(
      "background-removal",
      { ImageURL: `${imageHost.origin}/missing.jpg` },
      { "X-Payment-Token": token },
    );
    expect(unreachable.body.error?.code).toBe("url_fetch_failed");

    const db = await getDb();
    const jobs = await db.job.findMany({
      where: { id: { in: [String(privateUrl.body.data?.JobId), String(unreachable.body.data?.JobId)] } },
    });
    expect(jobs.map((job) => job.status)).toEqual(["failed", "failed"]);
    const payment = await db.payment.findFirstOrThrow({ where: { jobs: { some: { id: jobs[0]!.id } } } });
    expect(payment.status).toBe("released");
    expect(await db.ledgerEntry.count({ where: { paymentId: payment.id, kind: "capture" } })).toBe(0);

    // Same token, now a photo that can be edited (queued without waiting: 202 + job URL).
    const accepted = await tool(
      "background-removal",
      { imageAssetId: cameraId },
      { "X-Payment-Token": token, Prefer: "wait=0" },
    );
    expect(accepted.status).toBe(202);
    expect(accepted.body.data).toMatchObject({
      Action: "RemoveBackground",
      JobURL: `${BASE}/api/jobs/${String(accepted.body.data?.JobId)}`,
    });
  });

  it("POST /api/jobs queues without waiting and GET /api/jobs/{id} follows it", async () => {
    const token = await pay("prompt-segmentation");
    const response = await startJob(
      jsonRequest("/api/jobs", {
        serviceId: "prompt-segmentation",
        input: { imageAssetId: cameraId, prompt: "sky" },
        paymentToken: token,
      }),
      params({}),
    );
    expect(response.status).toBe(202);
    const { job } = (await response.json()) as { job: { id: string; status: string; payment: { status: string } } };
    expect(job).toMatchObject({ status: "queued", payment: { status: "reserved" } });
    const unknown = await getJob(
      new Request(`${BASE}/api/jobs/job_doesnotexist0000000000`),
      params({ id: "job_doesnotexist0000000000" }),
    );
    expect(unknown.status).toBe(404);
  });

  it("lists the catalog with prices and the payment convention", async () => {
    const body = (await (await getCatalog(new Request(`${BASE}/api/catalog`), params({}))).json()) as {
      services: Array<{ id: string; pricing: { amountMinor: number } }>;
      payment: { paymentHeader: string };
    };
    expect(body.services.map((service) => service.id).sort()).toEqual([
      "background-change",
      "background-removal",
      "prompt-segmentation",
      "sky-replacement",
    ]);
    expect(body.payment.paymentHeader).toBe("X-Payment-Token");
  });
});
