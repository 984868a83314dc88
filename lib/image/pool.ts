import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { AppError, type ErrorCode } from "../errors";
import { type EngineConfig, getEngineConfig } from "./config";
import { type EngineOp, type EngineTasks, type FromWorker, type SerializedError, asBuffer } from "./worker/tasks";

export type RunOptions = { signal?: AbortSignal; onProgress?: (fraction: number) => void; timeoutMs?: number };

type Job = {
  id: number;
  op: EngineOp;
  req: unknown;
  opts: RunOptions;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  cleanup: () => void;
};

/** `draining`: the job was canceled but the worker is still finishing its current stage. */
type Slot = { worker: Worker; ready: Promise<void>; job?: Job; draining?: { id: number; since: number } };

/** A worker that ignores a cancel this long is killed (last resort: killing ORT mid-run can abort the process). */
const DRAIN_KILL_MS = 120_000;

const WORKER_FILE = "engine-worker.mjs";

/**
 * Finds the worker entry. Under tsx/vitest `import.meta.url` is this source file, so the sibling
 * `worker/engine-worker.mjs` exists. Inside a Next.js server bundle `import.meta.url` points into
 * `.next/`, so we fall back to the project root (`process.cwd()`), where the file ships unbundled.
 */
export function resolveWorkerPath(config: EngineConfig = getEngineConfig()): string {
  const candidates: string[] = [];
  if (config.workerPath) candidates.push(path.resolve(config.workerPath));
  try {
    // Deliberately not `new URL("./worker/…", import.meta.url)`: bundlers rewrite that pattern into
    // a copied asset, which would then miss the TypeScript sources it imports.
    candidates.push(path.join(path.dirname(fileURLToPath(import.meta.url)), "worker", WORKER_FILE));
  } catch {
    // import.meta.url may not be a file URL once bundled.
  }
  candidates.push(path.resolve(process.cwd(), "lib/image/worker", WORKER_FILE));
  // A usable entry sits next to the engine sources it loads.
  const usable = (c: string) => fs.existsSync(c) && fs.existsSync(path.join(path.dirname(c), "handle-task.ts"));
  for (const c of candidates) if (usable(c)) return c;
  throw new AppError("engine_failed", `Image engine worker not found (tried ${candidates.join(", ")}).`);
}

function reviveError(e: SerializedError): Error {
  if (e.code) return new AppError(e.code as ErrorCode, e.message, { details: e.details, retryable: e.retryable });
  return new AppError("engine_failed", e.message || "The image engine failed.", {
    retryable: false,
    details: { name: e.name },
  });
}

function reviveResult(res: unknown): unknown {
  if (res && typeof res === "object" && "bytes" in res && res.bytes instanceof Uint8Array) {
    (res as { bytes: Buffer }).bytes = asBuffer((res as { bytes: Uint8Array }).bytes);
  }
  return res;
}

/**
 * Worker-thread pool for the image engine. Each worker loads the subject model once; jobs queue
 * FIFO. Aborting a queued job drops it; aborting a running job rejects at once and tells the worker
 * to stop at its next stage boundary (see cancel()). A crashed worker fails only its
 * own job (retryable) and is replaced the same way.
 */
export class EnginePool {
  private readonly slots: (Slot | undefined)[];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  readonly size: number;
  readonly workerPath: string;
  private readonly config: EngineConfig;

  constructor(opts: { size?: number; config?: EngineConfig } = {}) {
    this.config = opts.config ?? getEngineConfig();
    this.size = Math.max(1, opts.size ?? this.config.concurrency);
    this.workerPath = resolveWorkerPath(this.config);
    this.slots = Array.from({ length: this.size }, () => undefined);
  }

  /** Queued + running jobs. */
  get pending(): number {
    return this.queue.length + this.slots.filter((s) => s?.job).length;
  }

  run<K extends EngineOp>(op: K, req: EngineTasks[K]["req"], opts: RunOptions = {}): Promise<EngineTasks[K]["res"]> {
    if (this.closed) return Promise.reject(new AppError("engine_failed", "The image engine is shut down."));
    if (opts.signal?.aborted) return Promise.reject(new AppError("job_canceled", "The job was canceled."));
    return new Promise((resolve, reject) => {
      const job: Job = {
        id: this.nextId++,
        op,
        req,
        opts,
        resolve: resolve as (v: unknown) => void,
        reject,
        cleanup: () => {},
      };
      const onAbort = () => this.cancel(job, new AppError("job_canceled", "The job was canceled."));
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      let timer: NodeJS.Timeout | undefined;
      if (opts.timeoutMs) {
        timer = setTimeout(
          () => this.cancel(job, new AppError("job_timeout", "The image engine took too long.", { retryable: true })),
          opts.timeoutMs,
        );
        timer.unref?.();
      }
      job.cleanup = () => {
        opts.signal?.removeEventListener("abort", onAbort);
        if (timer) clearTimeout(timer);
      };
      this.queue.push(job);
      this.pump();
    });
  }

  /** Starts the workers, loads the model in each and runs the edits on a small photo (warmup.ts), so the first request is not slow. */
  async warmup(): Promise<void> {
    await Promise.all(Array.from({ length: this.size }, () => this.run("warmup", {})));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0))
      this.settle(job, new AppError("engine_failed", "The image engine is shut down."));
    await Promise.all(
      this.slots.map(async (slot, i) => {
        this.slots[i] = undefined;
        if (!slot) return;
        if (slot.job) this.settle(slot.job, new AppError("engine_failed", "The image engine is shut down."));
        await this.stopWorker(slot);
      }),
    );
  }

  /** Busy or draining workers keep the process alive (exiting mid-inference aborts in ORT); idle ones do not. */
  private updateRef(slot: Slot): void {
    if (slot.job || slot.draining) slot.worker.ref();
    else slot.worker.unref();
  }

  /** Asks an idle worker to free its model and exit; terminates it if it does not within 5 s. */
  private async stopWorker(slot: Slot): Promise<void> {
    const exited = new Promise<void>((resolve) => slot.worker.once("exit", () => resolve()));
    if (slot.job || slot.draining) {
      await slot.worker.terminate();
      return;
    }
    slot.worker.postMessage({ type: "shutdown" });
    const timer = setTimeout(() => void slot.worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }

  private settle(job: Job, error: unknown, value?: unknown): void {
    job.cleanup();
    if (error) job.reject(error);
    else job.resolve(value);
  }

  private cancel(job: Job, error: AppError): void {
    const qi = this.queue.indexOf(job);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      this.settle(job, error);
      return;
    }
    const si = this.slots.findIndex((s) => s?.job === job);
    if (si < 0) return;
    const slot = this.slots[si]!;
    slot.job = undefined;
    this.settle(job, error);
    // Terminating a worker while onnxruntime runs aborts the whole process (seen with ORT 1.30), so
    // cancellation is cooperative: the caller is released now, the worker stops at its next stage
    // boundary and only then takes new work.
    slot.draining = { id: job.id, since: Date.now() };
    slot.worker.postMessage({ type: "cancel", id: job.id });
    const timer = setTimeout(() => {
      if (slot.draining?.id === job.id && this.slots[si] === slot) {
        this.slots[si] = undefined;
        void slot.worker.terminate();
        this.pump();
      }
    }, DRAIN_KILL_MS);
    timer.unref?.();
  }

  private spawn(index: number): Slot {
    const worker = new Worker(this.workerPath, {
      workerData: { config: this.config },
      // Do not inherit the parent's loader flags (vitest, tsx, Next): the entry registers tsx itself.
      execArgv: [],
      // Bounds the JS heap; pixel buffers are typed arrays and ORT memory is native, budgeted separately.
      resourceLimits: { maxOldGenerationSizeMb: 1024 },
    });
    worker.unref();
    let markReady: () => void = () => {};
    const slot: Slot = { worker, ready: new Promise<void>((r) => (markReady = r)) };
    worker.on("message", (msg: FromWorker | { id: 0; type: "ready" }) => {
      if (msg.type === "ready") {
        markReady();
        return;
      }
      if (slot.draining?.id === msg.id) {
        if (msg.type === "progress") return;
        slot.draining = undefined;
        this.updateRef(slot);
        this.pump();
        return;
      }
      const job = slot.job;
      if (!job || job.id !== msg.id) return;
      if (msg.type === "progress") {
        job.opts.onProgress?.(msg.fraction);
        return;
      }
      slot.job = undefined;
      this.updateRef(slot);
      if (msg.type === "done") this.settle(job, undefined, reviveResult(msg.res));
      else this.settle(job, reviveError(msg.error));
      this.pump();
    });
    const fail = (error: unknown) => {
      if (this.slots[index] === slot) this.slots[index] = undefined;
      const job = slot.job;
      slot.job = undefined;
      slot.draining = undefined;
      if (job) {
        const message = error instanceof Error ? error.message : String(error);
        this.settle(
          job,
          new AppError("engine_failed", `The image engine worker crashed: ${message}`, {
            retryable: true,
            cause: error,
          }),
        );
      }
      markReady();
      this.pump();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (this.slots[index] === slot) fail(new Error(`worker exited with code ${code}`));
    });
    this.slots[index] = slot;
    return slot;
  }

  private pump(): void {
    if (this.closed) return;
    for (let i = 0; i < this.size && this.queue.length > 0; i++) {
      let slot = this.slots[i];
      if (slot?.job || slot?.draining) continue;
      slot ??= this.spawn(i);
      const job = this.queue.shift()!;
      slot.job = job;
      const s = slot;
      this.updateRef(s);
      void s.ready.then(() => {
        if (s.job === job && this.slots[i] === s) s.worker.postMessage({ id: job.id, op: job.op, req: job.req });
      });
    }
  }
}

const GLOBAL_KEY = Symbol.for("backdrop.enginePool");

/** Process-wide pool (kept on globalThis so dev-mode hot reloads do not spawn a second set of workers). */
export function getEnginePool(): EnginePool {
  const g = globalThis as unknown as Record<symbol, EnginePool | undefined>;
  g[GLOBAL_KEY] ??= new EnginePool();
  return g[GLOBAL_KEY];
}

export async function closeEnginePool(): Promise<void> {
  const g = globalThis as unknown as Record<symbol, EnginePool | undefined>;
  const pool = g[GLOBAL_KEY];
  g[GLOBAL_KEY] = undefined;
  await pool?.close();
}
