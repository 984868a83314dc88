import crypto from "node:crypto";
import { AppError } from "../../errors";
import { type EnginePool, getEnginePool } from "../../image/pool";
import type { EngineOp, EngineTasks } from "../../image/worker/tasks";
import type { ImageProvider, ProviderContext, ProviderResult } from "../types";

export type LocalProviderOptions = {
  /** Pool to run jobs on; defaults to the process-wide pool. */
  pool?: EnginePool;
  /**
   * "pool" (default) runs jobs in worker threads; "inline" runs them on the calling thread
   * (scripts and tests only: the pixel loops block the event loop for up to seconds).
   */
  mode?: "pool" | "inline";
};

/** The embedded offline engine as an `ImageProvider` (all four services, cost 0). */
export function createLocalProvider(opts: LocalProviderOptions = {}): ImageProvider {
  const mode = opts.mode ?? "pool";
  async function run<K extends EngineOp>(
    op: K,
    req: EngineTasks[K]["req"],
    ctx: ProviderContext,
  ): Promise<ProviderResult> {
    if (ctx.signal.aborted) throw new AppError("job_canceled", "The job was canceled.");
    const requestId = `local-${ctx.jobId ?? crypto.randomUUID()}`;
    let res: unknown;
    if (mode === "inline") {
      // Imported lazily: in pool mode the web process never loads sharp's pipelines or onnxruntime.
      const { handleTask } = await import("../../image/worker/handle-task");
      res = await handleTask(op, req, (f) => {
        if (ctx.signal.aborted) throw new AppError("job_canceled", "The job was canceled.");
        ctx.onProgress?.(f);
      });
    } else {
      res = await (opts.pool ?? getEnginePool()).run(op, req, { signal: ctx.signal, onProgress: ctx.onProgress });
    }
    ctx.onProgress?.(1);
    return { ...(res as ProviderResult), requestId, costMinor: 0 };
  }
  return {
    id: "local",
    capabilities: ["sky-replacement", "background-change", "background-removal", "prompt-segmentation"],
    skyReplacement: (req, ctx) => run("replaceSky", req, ctx),
    backgroundChange: (req, ctx) => run("changeBackground", req, ctx),
    backgroundRemoval: (req, ctx) => run("removeBackground", req, ctx),
    promptSegmentation: (req, ctx) => run("segmentByPrompt", req, ctx),
  };
}

/** Shared instance on the process-wide pool. */
export const localProvider: ImageProvider = createLocalProvider();

/** Readies the process-wide engine pool (model loaded, pixel loops optimised) before the first job. */
export async function warmLocalEngine(): Promise<void> {
  await getEnginePool().warmup();
}
