/**
 * Paid-API benchmark (npm run bench:api) against a running server (BENCH_URL, default
 * http://127.0.0.1:3000): rps and latency of the 402 answer and of GET /api/jobs/{id}, and the
 * wall time of a full pay-and-edit round trip per service on a 1024 px photo.
 *
 *   BENCH_URL=http://127.0.0.1:3400 npx tsx bench/api.ts [--seconds 10] [--connections 20] [--rounds 2]
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import sharp from "sharp";

type AutocannonResult = {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  non2xx: number;
  errors: number;
  statusCodeStats?: Record<string, { count: number }>;
};
type AutocannonOptions = {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  duration: number;
};
const autocannon = createRequire(import.meta.url)("autocannon") as (
  options: AutocannonOptions,
) => Promise<AutocannonResult>;

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const index = args.indexOf(name);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const BASE = (process.env.BENCH_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
const SECONDS = arg("--seconds", 10);
const CONNECTIONS = arg("--connections", 20);
const ROUNDS = arg("--rounds", 2);

async function photo1024(): Promise<Buffer> {
  const camera = fs.readFileSync(path.join(process.cwd(), "e2e/fixtures/files/camera.jpg"));
  return sharp(camera).resize(1024, 1024).jpeg({ quality: 90 }).toBuffer();
}

async function upload(bytes: Buffer): Promise<string> {
  const form = new FormData();
  form.append("file", new File([new Uint8Array(bytes)], "bench-1024.jpg", { type: "image/jpeg" }));
  const response = await fetch(`${BASE}/api/assets`, { method: "POST", body: form });
  if (response.status !== 201) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

const INPUTS: Record<string, (assetId: string) => Record<string, unknown>> = {
  "sky-replacement": (id) => ({ imageAssetId: id, skyPresetId: "golden-hour" }),
  "background-change": (id) => ({ imageAssetId: id, backgroundColor: "#f4f4f5", format: "jpeg" }),
  "background-removal": (id) => ({ imageAssetId: id }),
  "prompt-segmentation": (id) => ({ imageAssetId: id, prompt: "sky" }),
};

/** 402 → pay → retry (waits for the result) → download. Returns ms per phase. */
async function roundTrip(serviceId: string, assetId: string): Promise<{ total: number; edit: number; jobId: string }> {
  const body = JSON.stringify(INPUTS[serviceId]!(assetId));
  const started = performance.now();
  const unpaid = await fetch(`${BASE}/api/tools/${serviceId}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  if (unpaid.status !== 402) throw new Error(`${serviceId}: expected 402, got ${unpaid.status}`);
  const payment = await fetch(`${BASE}/api/payments`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ serviceId }),
  });
  const { token } = (await payment.json()) as { token: string };
  const editStarted = performance.now();
  const paid = await fetch(`${BASE}/api/tools/${serviceId}`, {
    method: "POST",
    headers: { "content-type": "application/json", "X-Payment-Token": token, Prefer: "wait=120" },
    body,
  });
  const result = (await paid.json()) as { data: { ImageURL: string; JobId: string }; message: string };
  if (paid.status !== 200) throw new Error(`${serviceId}: ${paid.status} ${result.message}`);
  const edit = performance.now() - editStarted;
  const image = await fetch(result.data.ImageURL);
  await sharp(Buffer.from(await image.arrayBuffer())).metadata();
  return { total: performance.now() - started, edit, jobId: result.data.JobId };
}

async function load(name: string, options: Omit<AutocannonOptions, "connections" | "duration">) {
  const result = await autocannon({ ...options, connections: CONNECTIONS, duration: SECONDS });
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function main(): Promise<void> {
  const health = await fetch(`${BASE}/api/health`).catch(() => null);
  if (!health?.ok) throw new Error(`No server at ${BASE} (set BENCH_URL).`);
  const assetId = await upload(await photo1024());

  const trips: Array<{ serviceId: string; runs: number[]; edits: number[] }> = [];
  let jobId = "";
  for (const serviceId of Object.keys(INPUTS)) {
    const runs: number[] = [];
    const edits: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const trip = await roundTrip(serviceId, assetId);
      runs.push(trip.total);
      edits.push(trip.edit);
      jobId = trip.jobId;
    }
    trips.push({ serviceId, runs, edits });
    console.log(`${serviceId}: round trip ${runs.map((ms) => ms.toFixed(0)).join(", ")} ms`);
  }

  const unpaid = await load("POST /api/tools/sky-replacement (402)", {
    url: `${BASE}/api/tools/sky-replacement`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ImageURL: "https://example.com/photo.jpg", skyPresetId: "golden-hour" }),
  });
  const status = await load("GET /api/jobs/{id}", { url: `${BASE}/api/jobs/${jobId}` });

  const lines = [
    `Paid API benchmark — ${new Date().toISOString()} — ${BASE}, ${CONNECTIONS} connections × ${SECONDS} s`,
    "",
    "| endpoint | req/s | p50 ms | p99 ms | requests | non-2xx |",
    "|---|---|---|---|---|---|",
    ...[unpaid, status].map(
      (row) => `| ${row.name} | ${row.rps.toFixed(0)} | ${row.p50} | ${row.p99} | ${row.total} | ${row.non2xx} |`,
    ),
    "",
    `Pay-and-edit round trip on a 1024 px photo (402 + payment + paid call with wait + download), ${ROUNDS} runs each:`,
    "",
    "| service | round trip ms (each run) | paid call ms (median) |",
    "|---|---|---|",
    ...trips.map((trip) => {
      const sorted = [...trip.edits].sort((a, b) => a - b);
      return `| ${trip.serviceId} | ${trip.runs.map((ms) => ms.toFixed(0)).join(", ")} | ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} |`;
    }),
  ];
  const report = lines.join("\n");
  console.log(`\n${report}`);
  fs.mkdirSync("bench/out", { recursive: true });
  fs.writeFileSync("bench/out/api.md", `${report}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
