/**
 * Starts a whole Backdrop deployment on this machine for benches: "embedded" (one `next start`,
 * PGlite, in-process workers, local disk) or "scale" (a private Postgres, the S3 test server,
 * `webs` × `next start` with WORKER_MODE=external and `workers` × `npm run worker`).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { startS3Fake } from "../../e2e/fakes/s3-server";
import { ensureS3Bucket } from "../../lib/assets/storage/s3";
import { startOwnPostgres } from "./postgres";
import { freePort, startWeb, startWorker, type Proc } from "./procs";

export type Stack = { origins: string[]; webs: Proc[]; workers: Proc[]; stop: () => Promise<void> };

export async function startStack(params: {
  mode: "embedded" | "scale";
  webs?: number;
  workers?: number;
  env?: Record<string, string>;
}): Promise<Stack> {
  const runDir = mkdtempSync(path.join(os.tmpdir(), `bd-${params.mode}-`));
  const common = {
    SIGNING_SECRET: randomBytes(32).toString("hex"),
    PAYMENTS_MODE: "sandbox",
    PAYMENT_RATE_LIMIT_PER_MINUTE: "1000000",
    API_WAIT_SECONDS: "120",
    LOG_LEVEL: "warn",
    ...params.env,
  };
  const cleanups: Array<() => Promise<void> | void> = [() => rmSync(runDir, { recursive: true, force: true })];
  const webs: Proc[] = [];
  const workers: Proc[] = [];
  const origins: string[] = [];

  if (params.mode === "embedded") {
    const port = await freePort();
    webs.push(await startWeb({ name: "web", port, env: { ...common, DATA_DIR: path.join(runDir, "data") } }));
    origins.push(`http://127.0.0.1:${port}`);
  } else {
    const pg = await startOwnPostgres();
    cleanups.push(() => pg.stop());
    const s3 = await startS3Fake();
    cleanups.push(() => s3.close());
    const s3Config = {
      endpoint: s3.url,
      bucket: "backdrop-bench",
      accessKeyId: s3.state.accessKeyId,
      secretAccessKey: s3.state.secretAccessKey,
      region: "us-east-1",
    };
    await ensureS3Bucket(s3Config);
    const env = {
      ...common,
      DATABASE_URL: pg.url,
      S3_ENDPOINT: s3Config.endpoint,
      S3_BUCKET: s3Config.bucket,
      S3_ACCESS_KEY_ID: s3Config.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3Config.secretAccessKey,
      S3_REGION: s3Config.region,
      WORKER_MODE: "external",
    };
    for (let i = 0; i < (params.webs ?? 1); i++) {
      const port = await freePort();
      webs.push(
        await startWeb({ name: `web-${i + 1}`, port, env: { ...env, DATA_DIR: path.join(runDir, `web${i}`) } }),
      );
      origins.push(`http://127.0.0.1:${port}`);
    }
    for (let i = 0; i < (params.workers ?? 1); i++) {
      workers.push(
        startWorker({ name: `worker-${i + 1}`, env: { ...env, DATA_DIR: path.join(runDir, `worker${i}`) } }),
      );
    }
  }
  return {
    origins,
    webs,
    workers,
    stop: async () => {
      await Promise.all([...webs, ...workers].map((proc) => proc.stop()));
      for (const cleanup of cleanups.reverse()) await cleanup();
    },
  };
}

/** A photo with a sky-like top half, so the sky edit has real work to do. */
export async function makeSkyPhoto(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const sky = y < height * 0.45;
      const n = (x * 7 + y * 13) % 17;
      raw[i] = sky ? 150 + n : 60 + ((x >> 3) % 40);
      raw[i + 1] = sky ? 190 + n : 90 + ((y >> 2) % 30);
      raw[i + 2] = sky ? 235 : 40 + n;
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 88 })
    .toBuffer();
}

export async function uploadPhoto(origin: string, photo: Buffer): Promise<string> {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(photo)], { type: "image/jpeg" }), "bench.jpg");
  const response = await fetch(`${origin}/api/assets`, { method: "POST", body: form });
  const body = (await response.json()) as { id?: string };
  if (response.status !== 201 || !body.id) throw new Error(`upload answered ${response.status}`);
  return body.id;
}

export async function payAndSubmit(
  origin: string,
  assetId: string,
  wait = 0,
): Promise<{ jobId: string; status: number }> {
  const payment = await fetch(`${origin}/api/payments`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ serviceId: "sky-replacement" }),
  });
  const { token } = (await payment.json()) as { token: string };
  const response = await fetch(`${origin}/api/tools/sky-replacement`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-payment-token": token, prefer: `wait=${wait}` },
    body: JSON.stringify({ imageAssetId: assetId, skyPresetId: "clear-blue" }),
  });
  const body = (await response.json()) as { data?: { JobId?: string } };
  return { jobId: String(body.data?.JobId), status: response.status };
}
