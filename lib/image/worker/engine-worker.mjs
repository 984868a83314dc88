// Worker-thread entry of the image engine pool. Plain JavaScript on purpose: it must be loadable by
// Node as-is, whether the pool was imported from tsx, vitest or a Next.js server bundle. The engine
// itself is TypeScript, loaded through tsx's ESM hooks (registered for this thread only).
import { parentPort, workerData } from "node:worker_threads";

if (!parentPort) throw new Error("engine-worker.mjs must run in a worker thread");

const { register } = await import("tsx/esm/api");
register();
const { configureEngine } = await import("../config.ts");
if (workerData?.config) configureEngine(workerData.config);
const { handleTask, serializeError } = await import("./handle-task.ts");
const { releaseSubjectSession } = await import("../subject-model.ts");

const canceled = new Set();

parentPort.on("message", async (msg) => {
  if (msg.type === "shutdown") {
    // Release ORT before the thread ends; terminating with a live session can abort the process.
    await releaseSubjectSession().catch(() => {});
    process.exit(0);
  }
  if (msg.type === "cancel") {
    canceled.add(msg.id);
    return;
  }
  const { id, op, req } = msg;
  try {
    // Progress callbacks double as cancellation points: the engine reports between stages.
    const res = await handleTask(op, req, (fraction) => {
      if (canceled.has(id)) throw new CanceledError();
      parentPort.postMessage({ id, type: "progress", fraction });
    });
    parentPort.postMessage({ id, type: "done", res });
  } catch (error) {
    parentPort.postMessage({ id, type: "error", error: serializeError(error) });
  } finally {
    canceled.delete(id);
  }
});

class CanceledError extends Error {
  name = "CanceledError";
}

parentPort.postMessage({ id: 0, type: "ready" });
