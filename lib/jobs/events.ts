import { EventEmitter } from "node:events";

/**
 * In-process signals between the API and embedded workers ("a job was queued", "job X finished").
 * Only a shortcut: external workers and other web processes are found by polling the database.
 */
const globalForEvents = globalThis as unknown as { backdropJobEvents?: EventEmitter };
export const jobEvents: EventEmitter = (globalForEvents.backdropJobEvents ??= new EventEmitter().setMaxListeners(0));

export function notifyJobQueued(): void {
  jobEvents.emit("queued");
}

export function notifyJobFinished(jobId: string): void {
  jobEvents.emit(`finished:${jobId}`);
}

/** Resolves when `event` fires or after `ms`, whichever is first. */
export function waitForEvent(event: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      jobEvents.off(event, done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    jobEvents.on(event, done);
  });
}
