/**
 * Load bench (npm run bench:load): latency under sustained load, and job throughput.
 *
 *  1. embedded defaults (one `next start`, PGlite, in-process workers):
 *     autocannon on the 402 answer (POST /api/tools/sky-replacement without a token) and on
 *     GET /api/jobs/{id}; then paid jobs at a steady rate → jobs/minute and end-to-end latency.
 *  2. scale setup (private Postgres, S3 test server, 1 web, WORKER_MODE=external) with 1 worker,
 *     then with 2 workers: the same paid-job backlog → jobs/minute and the 2:1 throughput ratio.
 *
 * Writes bench/out/load.md and prints it.
 *   LOAD_SECONDS (autocannon duration per endpoint, default 10), LOAD_CONNECTIONS (default 20),
 *   LOAD_JOBS (jobs per throughput run, default 16), LOAD_RATE (jobs/s for the steady run, default 0.5),
 *   BACKDROP_APP_DIR (a built copy), LOAD_SKIP_EMBEDDED=1 / LOAD_SKIP_SCALE=1.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { hasBuild, stopAll, stopAllOnExit } from "../scripts/scale/procs";
import { makeSkyPhoto, payAndSubmit, startStack, uploadPhoto } from "../scripts/scale/stack";

const require = createRequire(import.meta.url);
type AutocannonResult = {
  latency: { p50: number; p99: number; average: number; max: number };
  requests: { average: number; total: number };
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
};
const autocannon = require("autocannon") as (options: Record<string, unknown>) => Promise<AutocannonResult>;

const SECONDS = Number(process.env.LOAD_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 20);
const JOBS = Number(process.env.LOAD_JOBS ?? 16);
const RATE = Number(process.env.LOAD_RATE ?? 0.5);
const lines: string[] = [];
const out = (line = "") => {
  lines.push(line);
  console.log(line);
};

async function hammer(name: string, options: Record<string, unknown>, expected: number): Promise<void> {
  const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options });
  const total = Object.values(result.statusCodeStats).reduce((sum, s) => sum + s.count, 0) + result.errors;
  const good = result.statusCodeStats[String(expected)]?.count ?? 0;
  const errorRate = total ? (total - good) / total : 1;
  out(
    `| ${name} | ${result.requests.average.toFixed(0)} | ${result.latency.p50} | ${result.latency.p99} | ${result.latency.max} | ${(errorRate * 100).toFixed(2)} % | ${total} |`,
  );
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

async function waitAll(
  origin: string,
  jobIds: string[],
  timeoutMs: number,
): Promise<{ doneAt: Map<string, number>; failed: number }> {
  const doneAt = new Map<string, number>();
  let failed = 0;
  const deadline = Date.now() + timeoutMs;
  while (doneAt.size < jobIds.length && Date.now() < deadline) {
    for (const id of jobIds) {
      if (doneAt.has(id)) continue;
      const job = (await (await fetch(`${origin}/api/jobs/${id}`)).json()) as { status: string };
      if (["succeeded", "failed", "canceled"].includes(job.status)) {
        doneAt.set(id, Date.now());
        if (job.status !== "succeeded") failed++;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { doneAt, failed: failed + (jobIds.length - doneAt.size) };
}

/** A backlog of `count` paid jobs queued at once; jobs/minute from first submit to last finish. */
async function backlogThroughput(
  origin: string,
  assetId: string,
  count: number,
): Promise<{ perMinute: number; failed: number; seconds: number }> {
  const t0 = Date.now();
  const submitted = await Promise.all(Array.from({ length: count }, () => payAndSubmit(origin, assetId, 0)));
  const { doneAt, failed } = await waitAll(
    origin,
    submitted.map((s) => s.jobId),
    15 * 60_000,
  );
  const seconds = (Math.max(...doneAt.values()) - t0) / 1000;
  return { perMinute: (count - failed) / (seconds / 60), failed, seconds };
}

/** Paid jobs at a steady rate: end-to-end latency per job while the queue keeps up (or not). */
async function steadyRate(origin: string, assetId: string, count: number, perSecond: number) {
  const submittedAt = new Map<string, number>();
  const t0 = Date.now();
  for (let i = 0; i < count; i++) {
    const wake = t0 + (i / perSecond) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wake - Date.now())));
    const at = Date.now();
    const { jobId } = await payAndSubmit(origin, assetId, 0);
    submittedAt.set(jobId, at);
  }
  const { doneAt, failed } = await waitAll(origin, [...submittedAt.keys()], 15 * 60_000);
  const latencies = [...doneAt.entries()].map(([id, at]) => at - submittedAt.get(id)!);
  const seconds = (Math.max(...doneAt.values()) - t0) / 1000;
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failed,
    perMinute: (count - failed) / (seconds / 60),
  };
}

async function main() {
  stopAllOnExit();
  if (!hasBuild())
    throw new Error("no production build: run `npm run build` (or set BACKDROP_APP_DIR to a built copy)");
  const photo = await makeSkyPhoto(1200, 800);
  out(`# Load bench (${new Date().toISOString()})`);
  out();
  out(
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, load average at start ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" / ")}. Photo 1200×800, sky replacement with a preset.`,
  );
  out(`autocannon: ${CONNECTIONS} connections × ${SECONDS} s per endpoint.`);

  if (process.env.LOAD_SKIP_EMBEDDED !== "1") {
    const stack = await startStack({ mode: "embedded", env: { WORKER_CONCURRENCY: "1" } });
    try {
      const origin = stack.origins[0]!;
      const assetId = await uploadPhoto(origin, photo);
      const { jobId } = await payAndSubmit(origin, assetId, 110);
      out();
      out("## Embedded defaults (1 process, PGlite, in-process worker)");
      out();
      out("| endpoint | req/s | p50 ms | p99 ms | max ms | errors | requests |");
      out("|---|---|---|---|---|---|---|");
      await hammer(
        "POST /api/tools/sky-replacement → 402",
        {
          url: `${origin}/api/tools/sky-replacement`,
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ imageAssetId: assetId, skyPresetId: "clear-blue" }),
        },
        402,
      );
      await hammer(`GET /api/jobs/{id} → 200`, { url: `${origin}/api/jobs/${jobId}` }, 200);
      const steady = await steadyRate(origin, assetId, Math.max(4, Math.round(JOBS / 2)), RATE);
      out();
      out(
        `Paid jobs at ${RATE}/s: end-to-end p50 ${(steady.p50 / 1000).toFixed(1)} s, p99 ${(steady.p99 / 1000).toFixed(1)} s, ${steady.perMinute.toFixed(1)} jobs/min, ${steady.failed} failed.`,
      );
      const backlog = await backlogThroughput(origin, assetId, JOBS);
      out(
        `Backlog of ${JOBS} jobs: ${backlog.perMinute.toFixed(1)} jobs/min (${backlog.seconds.toFixed(1)} s), ${backlog.failed} failed.`,
      );
    } finally {
      await stack.stop();
    }
  }

  if (process.env.LOAD_SKIP_SCALE !== "1") {
    out();
    out("## Scale setup (Postgres server, S3, 1 web, external workers, ENGINE_THREADS=1 per worker)");
    out();
    const perWorkers: Record<number, number> = {};
    for (const workers of [1, 2]) {
      const stack = await startStack({ mode: "scale", workers, env: { WORKER_CONCURRENCY: "1", ENGINE_THREADS: "1" } });
      try {
        const origin = stack.origins[0]!;
        const assetId = await uploadPhoto(origin, photo);
        const { jobId } = await payAndSubmit(origin, assetId, 110); // warm-up (engine start-up)
        if (workers === 1) {
          out("| endpoint | req/s | p50 ms | p99 ms | max ms | errors | requests |");
          out("|---|---|---|---|---|---|---|");
          await hammer(
            "POST /api/tools/sky-replacement → 402",
            {
              url: `${origin}/api/tools/sky-replacement`,
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ imageAssetId: assetId, skyPresetId: "clear-blue" }),
            },
            402,
          );
          await hammer(`GET /api/jobs/{id} → 200`, { url: `${origin}/api/jobs/${jobId}` }, 200);
          out();
        }
        const backlog = await backlogThroughput(origin, assetId, JOBS);
        perWorkers[workers] = backlog.perMinute;
        out(
          `${workers} worker${workers > 1 ? "s" : ""}: backlog of ${JOBS} jobs → ${backlog.perMinute.toFixed(1)} jobs/min (${backlog.seconds.toFixed(1)} s), ${backlog.failed} failed.`,
        );
      } finally {
        await stack.stop();
      }
    }
    if (perWorkers[1] && perWorkers[2]) {
      out();
      out(
        `Throughput ratio 2 workers : 1 worker = ${(perWorkers[2] / perWorkers[1]).toFixed(2)}× (goal ≥ 1.8× with a core per worker; this machine has ${os.cpus().length} cores shared by the web process, Postgres and both workers).`,
      );
    }
  }
  await stopAll();
  const dir = path.join(import.meta.dirname, "out");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "load.md"), `${lines.join("\n")}\n`);
  console.log(`\nwritten to ${path.join(dir, "load.md")}`);
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    await stopAll();
    process.exit(1);
  },
);
