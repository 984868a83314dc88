import { afterAll, describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { createLocalProvider } from "../providers/local";
import path from "node:path";
import { getEngineConfig } from "./config";
import { EnginePool, resolveWorkerPath } from "./pool";
import { fixture } from "./test-support/fixtures";

// The pool never loads the subject model here (sky and preset jobs only), so workers start fast.
const pool = new EnginePool({ size: 1 });
afterAll(() => pool.close());

describe("engine pool", () => {
  it("resolves the worker entry next to the engine sources, or from the project root", () => {
    const expected = path.resolve("lib/image/worker/engine-worker.mjs");
    expect(resolveWorkerPath({ ...getEngineConfig(), workerPath: undefined })).toBe(expected);
    // A stale/bundled location is skipped in favour of the source tree.
    expect(resolveWorkerPath({ ...getEngineConfig(), workerPath: "/nonexistent/engine-worker.mjs" })).toBe(expected);
  });

  it("runs jobs in a worker and returns Buffers", async () => {
    const res = await pool.run("presetThumbnail", { kind: "sky", id: "starry-night" });
    expect(Buffer.isBuffer(res.bytes)).toBe(true);
    expect(res.bytes.subarray(8, 12).toString()).toBe("WEBP");
  });

  it("revives AppErrors with code and details from the worker", async () => {
    const camera = await fixture("camera");
    const err = await pool.run("segmentByPrompt", { image: camera, prompt: "unicorn" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("prompt_not_supported");
    expect((err as AppError).details).toHaveProperty("supported");
  });

  it("drops a queued job when it is aborted and rejects at once for a running one", async () => {
    const camera = await fixture("camera");
    const running = new AbortController();
    const queued = new AbortController();
    const req = {
      image: camera,
      sky: { kind: "preset" as const, presetId: "clear-blue" },
      harmonize: 0.5,
      horizonShift: 0,
      format: "png" as const,
    };
    const p1 = pool.run("replaceSky", req, { signal: running.signal });
    const p2 = pool.run("replaceSky", req, { signal: queued.signal });
    queued.abort();
    await expect(p2).rejects.toMatchObject({ code: "job_canceled" });
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    running.abort();
    await expect(p1).rejects.toMatchObject({ code: "job_canceled" });
    expect(performance.now() - t0).toBeLessThan(100);
    // The worker drains the canceled job and serves the next one.
    const ok = await pool.run("replaceSky", req);
    expect(ok.width).toBe(512);
  });

  it("replaces a crashed worker and fails only the crashed job", async () => {
    const crashed = await pool.run("debugCrash", {}).catch((e: unknown) => e);
    expect(crashed).toMatchObject({ code: "engine_failed", retryable: true });
    const res = await pool.run("presetThumbnail", { kind: "background", id: "concrete" });
    expect(res.bytes.length).toBeGreaterThan(100);
  });

  it("backs the local provider", async () => {
    const provider = createLocalProvider({ pool, matteCache: null });
    expect(provider.capabilities).toHaveLength(4);
    const camera = await fixture("camera");
    const progress: number[] = [];
    const res = await provider.skyReplacement!(
      {
        image: camera,
        sky: { kind: "preset", presetId: "golden-hour" },
        harmonize: 0.7,
        horizonShift: 0,
        format: "webp",
      },
      { signal: new AbortController().signal, jobId: "j1", onProgress: (f) => progress.push(f) },
    );
    expect(res).toMatchObject({ mime: "image/webp", width: 512, height: 512, requestId: "local-j1", costMinor: 0 });
    expect(progress.at(-1)).toBe(1);
    expect(progress.length).toBeGreaterThan(2);
  });

  it("also runs inline (scripts) and refuses an already-aborted signal", async () => {
    const provider = createLocalProvider({ mode: "inline" });
    const camera = await fixture("camera");
    const res = await provider.promptSegmentation!(
      { image: camera, prompt: "sky" },
      { signal: new AbortController().signal },
    );
    expect(res).toMatchObject({ mime: "image/png", width: 512, height: 512 });
    const aborted = new AbortController();
    aborted.abort();
    await expect(
      provider.promptSegmentation!({ image: camera, prompt: "sky" }, { signal: aborted.signal }),
    ).rejects.toMatchObject({ code: "job_canceled" });
  });
});
