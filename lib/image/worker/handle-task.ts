import { isMainThread } from "node:worker_threads";
import { isAppError } from "../../errors";
import { changeBackground, removeBackground, replaceSky, segmentByPrompt } from "../engine";
import { renderPresetThumbnail } from "../presets";
import { renderReference } from "../reference";
import { warmEngine } from "../warmup";
import { type EngineOp, type EngineTasks, type SerializedError, rehydrateRequest } from "./tasks";

/** Runs one task in the current thread (the worker, or the caller when the pool runs inline). */
export async function handleTask<K extends EngineOp>(
  op: K,
  req: EngineTasks[K]["req"],
  onProgress?: (f: number) => void,
): Promise<EngineTasks[K]["res"]> {
  rehydrateRequest(op, req);
  const hooks = { onProgress };
  switch (op) {
    case "removeBackground":
      return await removeBackground(req as EngineTasks["removeBackground"]["req"], hooks);
    case "changeBackground":
      return await changeBackground(req as EngineTasks["changeBackground"]["req"], hooks);
    case "replaceSky":
      return await replaceSky(req as EngineTasks["replaceSky"]["req"], hooks);
    case "segmentByPrompt":
      return await segmentByPrompt(req as EngineTasks["segmentByPrompt"]["req"], hooks);
    case "presetThumbnail": {
      const r = req as EngineTasks["presetThumbnail"]["req"];
      return { bytes: await renderPresetThumbnail(r.kind, r.id) } as EngineTasks[K]["res"];
    }
    case "renderReference":
      return { bytes: await renderReference(req as EngineTasks["renderReference"]["req"]) } as EngineTasks[K]["res"];
    case "warmup":
      await warmEngine();
      return { ok: true } as EngineTasks[K]["res"];
    case "debugCrash":
      // Only meaningful inside a worker thread, where process.exit ends that thread alone.
      if (isMainThread) throw new Error("debugCrash is only allowed in a worker thread");
      process.exit(70);
      break;
    default:
      throw new Error(`Unknown engine task "${String(op)}"`);
  }
}

export function serializeError(error: unknown): SerializedError {
  if (isAppError(error)) {
    return {
      name: error.name,
      message: error.message,
      code: error.code,
      details: error.details,
      retryable: error.retryable,
    };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, message: e.message, stack: e.stack };
}
