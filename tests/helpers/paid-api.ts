import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import http from "node:http";
import { storeAsset } from "@/lib/assets/assets";
import { engineConfigFromEnv, resetEnvCache } from "@/lib/env";
import { configureEngine } from "@/lib/image/config";
import { startWorkers, type WorkerHandle } from "@/lib/jobs/worker";

/** A fresh DATA_DIR (assets, signing secret) and env for a paid-API test file. */
export async function prepareScratchEnv(extra: Record<string, string> = {}): Promise<string> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "bd-paid-"));
  process.env.DATA_DIR = dataDir;
  for (const [key, value] of Object.entries(extra)) process.env[key] = value;
  resetEnvCache();
  configureEngine(engineConfigFromEnv());
  return dataDir;
}

export const BASE = "http://localhost:3000";

export function jsonRequest(
  pathname: string,
  body: unknown,
  headers: Record<string, string> = {},
  method = "POST",
): Request {
  return new Request(`${BASE}${pathname}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export function params<P>(value: P): { params: Promise<P> } {
  return { params: Promise.resolve(value) };
}

/** A tiny HTTP server on 127.0.0.1 (image host, redirector, Stripe fake…). */
export async function startHttpServer(
  handler: http.RequestListener,
): Promise<{ origin: string; port: number; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function until<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Old name (eslint's hooks rule mistakes `use…` for a React hook); prefer prepareScratchEnv. */

/**
 * Workers whose "edit" stores a copy of `bytes` as the result: for tests about payments and
 * transports, where the image engine's work is beside the point.
 */
export function startStubWorkers(params: { bytes: Buffer; width: number; height: number }): WorkerHandle {
  return startWorkers({
    concurrency: 1,
    leaseSeconds: 10,
    pollMs: 50,
    execute: async () => ({
      resultAssetId: (
        await storeAsset({
          kind: "result",
          bytes: params.bytes,
          mime: "image/jpeg",
          width: params.width,
          height: params.height,
        })
      ).id,
      provider: "stub",
    }),
  });
}
