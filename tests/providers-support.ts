/**
 * Helpers for the provider tests (tests/providers-*.test.ts) and for the lead's job-level tests:
 * images, a loopback host for our signed asset URLs, a ProviderCall recorder, stub providers,
 * and `runJobThroughRouter` (one job through buildProviderChain + routeCall, recorded).
 */
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import type { ServiceId } from "@/lib/catalog/services";
import type { PrismaClient } from "@/generated/prisma/client";
import { parseEnv, resetEnvCache, type Env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { recordProviderCall } from "@/lib/providers/audit";
import { buildProviderChain, type ChainOverrides } from "@/lib/providers/chain";
import { routeCall, type RequestFor, type RouteResult, type RouterOptions } from "@/lib/providers/router";
import type { Clock } from "@/lib/providers/backoff";
import type { ImageInput } from "@/lib/image/types";
import type { ImageProvider, ProviderCallRecord, ProviderResult } from "@/lib/providers/types";

/** Points DATA_DIR at a fresh temp dir and fixes the signing secret (call before anything reads env). */
export function setupTempEnv(extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), "bd-prov-"));
  process.env.DATA_DIR = dir;
  process.env.SIGNING_SECRET = "test-signing-secret-0123456789abcdef-providers";
  process.env.LOG_LEVEL = "error";
  Object.assign(process.env, extra);
  resetEnvCache();
  return dir;
}

/** A JPEG (or PNG) photo-like test image: a blue-ish "sky" band over a brown "ground". */
export async function makeImage(params: {
  width: number;
  height: number;
  format?: "jpeg" | "png" | "webp";
  top?: string;
  bottom?: string;
}): Promise<ImageInput> {
  const { width, height } = params;
  const top = await sharp({
    create: { width, height: Math.ceil(height / 2), channels: 3, background: params.top ?? "#7fa7d9" },
  })
    .png()
    .toBuffer();
  let pipeline = sharp({ create: { width, height, channels: 3, background: params.bottom ?? "#6b4f2a" } }).composite([
    { input: top, top: 0, left: 0 },
  ]);
  const format = params.format ?? "jpeg";
  pipeline = format === "png" ? pipeline.png() : format === "webp" ? pipeline.webp() : pipeline.jpeg({ quality: 90 });
  const bytes = await pipeline.toBuffer();
  return {
    bytes,
    mime: format === "png" ? "image/png" : format === "webp" ? "image/webp" : "image/jpeg",
    width,
    height,
  };
}

/** Noise image of a given size (large byte counts, for the 3 MB limit). */
export async function makeNoisyImage(width: number, height: number): Promise<ImageInput> {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i += 1) data[i] = (i * 2654435761) >>> 24;
  const bytes = await sharp(data, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 98 })
    .toBuffer();
  return { bytes, mime: "image/jpeg", width, height };
}

/** Mean RGB(A) of a region. */
export async function regionMean(
  bytes: Buffer,
  region: { left: number; top: number; width: number; height: number },
): Promise<number[]> {
  const { data, info } = await sharp(bytes).extract(region).raw().toBuffer({ resolveWithObject: true });
  const sums = new Array<number>(info.channels).fill(0);
  for (let i = 0; i < data.length; i += 1) sums[i % info.channels]! += data[i]!;
  return sums.map((s) => s / (data.length / info.channels));
}

/** Collects ProviderCall records (and optionally persists them). */
export function callRecorder(db?: PrismaClient) {
  const records: ProviderCallRecord[] = [];
  return {
    records,
    recordCall: async (call: ProviderCallRecord) => {
      records.push(call);
      if (db) await recordProviderCall(db, call);
    },
  };
}

/**
 * Serves our real `GET /api/assets/{id}/content` route on loopback, so vendors (the Alibaba fake)
 * fetch inputs through the production signed-URL check. Returns its base URL.
 */
export async function startAssetHost(): Promise<{ url: string; close: () => Promise<void>; hits: string[] }> {
  const { GET } = await import("@/app/api/assets/[id]/content/route");
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      hits.push(url.pathname);
      const match = /^\/api\/assets\/([^/]+)\/content$/.exec(url.pathname);
      if (!match) return void res.writeHead(404).end();
      const response = await GET(new Request(url.toString()), { params: Promise.resolve({ id: match[1]! }) });
      res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
      res.end(Buffer.from(await response.arrayBuffer()));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A provider object for router tests: `impl` decides what each call does. */
export function stubProvider(params: {
  id: string;
  capabilities?: ServiceId[];
  impl: (call: number) => Promise<ProviderResult> | ProviderResult;
}): ImageProvider & { calls: number } {
  const provider = {
    id: params.id,
    capabilities:
      params.capabilities ??
      (["sky-replacement", "background-change", "background-removal", "prompt-segmentation"] as ServiceId[]),
    calls: 0,
    async skyReplacement() {
      provider.calls += 1;
      return params.impl(provider.calls);
    },
    async backgroundChange() {
      provider.calls += 1;
      return params.impl(provider.calls);
    },
    async backgroundRemoval() {
      provider.calls += 1;
      return params.impl(provider.calls);
    },
    async promptSegmentation() {
      provider.calls += 1;
      return params.impl(provider.calls);
    },
  };
  return provider;
}

export async function okResult(width = 8, height = 8, costMinor = 0): Promise<ProviderResult> {
  const bytes = await sharp({ create: { width, height, channels: 3, background: "#00ff00" } })
    .png()
    .toBuffer();
  return { bytes, mime: "image/png", width, height, costMinor, requestId: "stub" };
}

export const failWith =
  (code: ConstructorParameters<typeof AppError>[0], retryable = false) =>
  () => {
    throw new AppError(code, `stub ${code}`, { retryable });
  };

/**
 * A clock whose sleeps return at once and move its time forward: adapters poll, back off and hit
 * deadlines in virtual time, so tests neither wait nor depend on how fast the machine is.
 */
export function virtualClock(start = 1_700_000_000_000) {
  let now = start;
  const sleeps: number[] = [];
  const clock: Clock = {
    now: () => now,
    async sleep(ms, signal) {
      if (signal?.aborted) throw new AppError("job_canceled", "The job was canceled.");
      sleeps.push(ms);
      now += ms;
      // Let other tasks (a second job, the fake server) run, as a real wait would.
      await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted) throw new AppError("job_canceled", "The job was canceled.");
    },
  };
  return { clock, sleeps, elapsed: () => now - start };
}

/** Router options for tests: no real waiting. */
/**
 * A clock whose sleeps never end by themselves, only when aborted: whatever the code under test
 * does after a wait must come from an event (a webhook). `sleeping` resolves when the first
 * sleep begins.
 */
export function heldClock(start = 1_700_000_000_000) {
  const sleeps: number[] = [];
  let began: () => void = () => undefined;
  const sleeping = new Promise<void>((resolve) => (began = resolve));
  const clock: Clock = {
    now: () => start,
    sleep(ms, signal) {
      sleeps.push(ms);
      began();
      return new Promise((_, reject) => {
        const stop = () => reject(new AppError("job_canceled", "The job was canceled."));
        if (signal?.aborted) stop();
        signal?.addEventListener("abort", stop, { once: true });
      });
    },
  };
  return { clock, sleeps, sleeping };
}

export const FAST_ROUTER: Partial<RouterOptions> = { baseDelayMs: 1, maxDelayMs: 2, sleep: async () => undefined };

/**
 * Runs one job the way lib/jobs will: builds the chain from env-style settings
 * (PROVIDER_<SERVICE>, keys, base URLs), routes the request, records every ProviderCall
 * (into `db` when given, and always into the returned `records`).
 */
export async function runJobThroughRouter<S extends ServiceId>(params: {
  serviceId: S;
  request: RequestFor<S>;
  env: Record<string, string>;
  db?: PrismaClient;
  jobId?: string;
  overrides?: ChainOverrides;
  routerOptions?: Partial<RouterOptions>;
  signal?: AbortSignal;
}): Promise<(RouteResult & { records: ProviderCallRecord[] }) | { error: AppError; records: ProviderCallRecord[] }> {
  const env: Env = parseEnv({ ...params.env });
  const chain = await buildProviderChain(params.serviceId, env, params.overrides);
  const recorder = callRecorder(params.db);
  try {
    const routed = await routeCall({
      serviceId: params.serviceId,
      request: params.request,
      chain,
      signal: params.signal ?? new AbortController().signal,
      jobId: params.jobId,
      recordCall: recorder.recordCall,
      options: { ...FAST_ROUTER, ...params.routerOptions },
    });
    return { ...routed, records: recorder.records };
  } catch (error) {
    if (error instanceof AppError) return { error, records: recorder.records };
    throw error;
  }
}
