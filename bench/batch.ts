/**
 * Batch benchmark (npm run bench:batch): a 100-photo bulk background change through the API route
 * handlers on embedded defaults (PGlite in a temp DATA_DIR, in-process workers, the embedded engine
 * in its worker-thread pool), sandbox payment. Reports wall time (upload, processing, ZIP), the
 * outcome per item and the process's peak RSS (engine threads included).
 *
 *   npx tsx --conditions=react-server bench/batch.ts [--photos 100] [--side 1200] [--out bench/out/batch.md]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const PHOTOS = Number(arg("--photos", "100"));
const SIDE = Number(arg("--side", "1200"));
const OUT = arg("--out", "bench/out/batch.md");

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bd-bench-batch-"));
process.env.DATA_DIR = dataDir;
process.env.PAYMENTS_MODE = "sandbox";
process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? "warn";
process.env.PAYMENT_RATE_LIMIT_PER_MINUTE = "1000";

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);

const BASE = "http://127.0.0.1:3000";
const noParams = { params: Promise.resolve({}) };

/** 100 distinct product-like photos from the three fixtures: crops, flips, tints and sizes. */
async function makePhotos(count: number): Promise<Array<{ name: string; bytes: Buffer }>> {
  const fixtures = ["camera", "coffee", "astronaut"].map((name) =>
    fs.readFileSync(path.resolve("e2e/fixtures/files", `${name}.jpg`)),
  );
  const out: Array<{ name: string; bytes: Buffer }> = [];
  for (let i = 0; i < count; i++) {
    const source = fixtures[i % fixtures.length]!;
    const side = Math.round(SIDE * (0.75 + ((i * 37) % 50) / 100));
    let image = sharp(source).resize(side, Math.round(side * (0.8 + ((i * 13) % 40) / 100)), { fit: "cover" });
    if (i % 2) image = image.flop();
    image = image.modulate({ brightness: 0.9 + ((i * 7) % 20) / 100, hue: (i * 29) % 60 });
    out.push({
      name: `product-${String(i + 1).padStart(3, "0")}.jpg`,
      bytes: await image.jpeg({ quality: 88 }).toBuffer(),
    });
  }
  return out;
}

async function main(): Promise<void> {
  const { POST: uploadRoute } = await import("@/app/api/assets/route");
  const { POST: paymentRoute } = await import("@/app/api/payments/route");
  const { POST: batchRoute } = await import("@/app/api/batches/route");
  const { GET: batchStatus } = await import("@/app/api/batches/[id]/route");
  const { GET: batchZip } = await import("@/app/api/batches/[id]/zip/route");
  const { getDb, getDbHandle } = await import("@/lib/db");
  const { engineConfigFromEnv, getEnv } = await import("@/lib/env");
  const { configureEngine } = await import("@/lib/image/config");
  const { startEmbeddedWorkers } = await import("@/lib/jobs/worker");
  const { closeEnginePool } = await import("@/lib/image/pool");
  const { readZip } = await import("@/lib/zip");

  const env = getEnv();
  const engine = configureEngine(engineConfigFromEnv(env));
  await getDbHandle();
  const workers = startEmbeddedWorkers();
  const photos = await makePhotos(PHOTOS);
  console.log(
    `${PHOTOS} photos of ~${SIDE} px · WORKER_CONCURRENCY=${env.WORKER_CONCURRENCY} · ENGINE_THREADS=${engine.threads} · ${os.cpus().length} CPUs`,
  );

  const t0 = performance.now();
  const assetIds: string[] = [];
  for (const photo of photos) {
    const form = new FormData();
    form.append("file", new File([new Uint8Array(photo.bytes)], photo.name, { type: "image/jpeg" }));
    const response = await uploadRoute(new Request(`${BASE}/api/assets`, { method: "POST", body: form }), noParams);
    if (response.status !== 201) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
    assetIds.push(((await response.json()) as { id: string }).id);
  }
  const tUploaded = performance.now();

  const json = (url: string, body: unknown) =>
    new Request(`${BASE}${url}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const payment = (await (
    await paymentRoute(json("/api/payments", { serviceId: "background-change", units: PHOTOS }), noParams)
  ).json()) as { token: string; amountMinor: number };
  const created = await batchRoute(
    json("/api/batches", {
      items: assetIds.map((imageAssetId) => ({ imageAssetId })),
      look: { backgroundColor: "#ffffff", shadow: true, canvas: "square-2000", format: "jpeg" },
      paymentToken: payment.token,
    }),
    noParams,
  );
  if (created.status !== 201) throw new Error(`batch refused: ${created.status} ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };
  const tQueued = performance.now();

  type View = {
    done: boolean;
    counts: Record<string, number>;
    charged: { edits: number; display: string };
    items: Array<{ status: string; error: { code: string } | null }>;
  };
  let view: View;
  let lastLine = "";
  for (;;) {
    view = (await (
      await batchStatus(new Request(`${BASE}/api/batches/${id}`), { params: Promise.resolve({ id }) })
    ).json()) as View;
    const line = `  ${view.counts.succeeded} succeeded · ${view.counts.failed} failed · ${view.counts.running} running · ${view.counts.queued} queued`;
    if (line !== lastLine) {
      console.log(`${((performance.now() - tQueued) / 1000).toFixed(0).padStart(5)} s${line}`);
      lastLine = line;
    }
    if (view.done) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const tDone = performance.now();
  const zipResponse = await batchZip(new Request(`${BASE}/api/batches/${id}/zip`), { params: Promise.resolve({ id }) });
  const archive = Buffer.from(await zipResponse.arrayBuffer());
  const tZip = performance.now();
  const entries = readZip(archive);

  // Per item: how long each job ran (the engine's work) and how long it waited in the queue.
  const timed = await (
    await getDb()
  ).job.findMany({
    where: { batchId: id, startedAt: { not: null }, finishedAt: { not: null } },
    select: { queuedAt: true, startedAt: true, finishedAt: true },
  });
  const quantile = (values: number[], q: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  };
  const runMs = timed.map((job) => job.finishedAt!.getTime() - job.startedAt!.getTime());
  const waitMs = timed.map((job) => job.startedAt!.getTime() - job.queuedAt.getTime());

  await workers?.stop();
  await closeEnginePool();
  clearInterval(sampler);
  const errors = view.items.filter((item) => item.error).map((item) => item.error!.code);
  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  const report = [
    `# Batch benchmark (${new Date().toISOString().slice(0, 10)})`,
    "",
    `\`npx tsx --conditions=react-server bench/batch.ts --photos ${PHOTOS} --side ${SIDE}\` on ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), load average ${os.loadavg()[0]!.toFixed(1)} at the end.`,
    `Embedded defaults: PGlite, WORKER_CONCURRENCY=${env.WORKER_CONCURRENCY}, ENGINE_THREADS=${engine.threads}; look: white background, contact shadow, square 2000 px, JPEG.`,
    "",
    "| step | wall time |",
    "|---|---|",
    `| upload ${PHOTOS} photos (validate, store) | ${seconds(tUploaded - t0)} s |`,
    `| pay + create batch (${PHOTOS} jobs) | ${seconds(tQueued - tUploaded)} s |`,
    `| process all items | ${seconds(tDone - tQueued)} s (${seconds((tDone - tQueued) / PHOTOS)} s per photo) |`,
    `| stream the ZIP (${(archive.length / 1024 / 1024).toFixed(1)} MB, ${entries.length} entries) | ${seconds(tZip - tDone)} s |`,
    `| **total** | **${seconds(tZip - t0)} s** |`,
    "",
    `Per item (one job each): runs p50 ${seconds(quantile(runMs, 0.5))} s, p95 ${seconds(quantile(runMs, 0.95))} s, max ${seconds(Math.max(0, ...runMs))} s; waited in the queue up to ${seconds(Math.max(0, ...waitMs))} s.`,
    `Outcome: ${view.counts.succeeded} succeeded, ${view.counts.failed} failed${errors.length ? ` (${[...new Set(errors)].join(", ")})` : ""}; charged ${view.charged.edits} edits (${view.charged.display}).`,
    `Peak RSS of the process: ${(peakRss / 1024 / 1024).toFixed(0)} MB.`,
    "",
  ].join("\n");
  console.log(`\n${report}`);
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, report);
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
