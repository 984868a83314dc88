import crypto from "node:crypto";
import type { MatteCache } from "../../assets/matte-cache";
import { AppError } from "../../errors";
import { getEngineConfig } from "../../image/config";
import { type MatteBytes, type MatteKind, matteKey } from "../../image/mattes";
import { type EnginePool, getEnginePool } from "../../image/pool";
import type { ImageInput, PreviewOptions } from "../../image/types";
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
  /**
   * Where mattes are kept between edits of the same photo: previews, paid renders and batch items
   * of one photo then compute its masks once. Default: the process's cache over the asset storage;
   * `null` computes every matte afresh.
   */
  matteCache?: MatteCache | null;
};

/** The matte an operation needs, if it is one that keeps mattes. */
function matteKindOf(op: EngineOp): MatteKind | undefined {
  if (op === "removeBackground" || op === "changeBackground") return "subject";
  if (op === "replaceSky") return "sky";
  return undefined;
}

async function defaultMatteCache(): Promise<MatteCache> {
  // Imported lazily: the store needs the database and storage, which scripts using the engine alone lack.
  return (await import("../../assets/matte-store")).getMatteCache();
}

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
    const kind = matteKindOf(op);
    const cache = kind ? (opts.matteCache === undefined ? await defaultMatteCache() : opts.matteCache) : null;
    let key: string | undefined;
    if (kind && cache) {
      const r = req as { image: ImageInput; preview?: PreviewOptions; hints?: ImageInput };
      key = matteKey({ kind, image: r.image, preview: r.preview, hints: r.hints, config: getEngineConfig() });
      const known = await cache.get(key);
      if (known) req = { ...req, mattes: { [kind]: known } satisfies MatteBytes };
    }
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
    const { mattes, ...edit } = res as ProviderResult;
    const computed = kind ? mattes?.[kind] : undefined;
    if (cache && key && computed)
      await cache.put(key, Buffer.from(computed.buffer, computed.byteOffset, computed.byteLength));
    return { ...edit, requestId, costMinor: 0 };
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
