import "server-only";
import { hostname } from "node:os";
import { getEnv } from "@/lib/env";
import { newId } from "@/lib/ids";
import { logger } from "@/lib/logger";
import type { Job } from "@/generated/prisma/client";
import { jobEvents } from "./events";
import { executeJob } from "./execute";
import {
  claimNextJob,
  failDeadJobs,
  finishJobFailure,
  finishJobSuccess,
  heartbeatJob,
  toAppError,
  type JobSuccess,
} from "./queue";
import { AppError } from "@/lib/errors";

export type WorkerOptions = {
  concurrency?: number;
  leaseSeconds?: number;
  /** Idle poll interval (embedded workers are also woken at once when a job is queued here). */
  pollMs?: number;
  retryBaseMs?: number;
  /** Replaces the edit itself (tests). */
  execute?: typeof executeJob;
};

export type WorkerHandle = { id: string; stop(): Promise<void>; running(): number };

/**
 * Starts `concurrency` job loops in this process. Each loop claims a job with a lease, keeps the
 * lease alive with heartbeats while the edit runs, and finishes the job (capture or release of its
 * payment happens in the same transaction). A stop waits for the jobs in hand.
 */
export function startWorkers(options: WorkerOptions = {}): WorkerHandle {
  const env = getEnv();
  const concurrency = options.concurrency ?? env.WORKER_CONCURRENCY;
  const leaseSeconds = options.leaseSeconds ?? env.JOB_LEASE_SECONDS;
  const pollMs = options.pollMs ?? 1000;
  const retryBaseMs = options.retryBaseMs ?? 2000;
  const execute = options.execute ?? executeJob;
  const id = `${hostname()}:${process.pid}:${newId("wrk").slice(4, 12)}`;
  let stopping = false;
  let active = 0;
  const sleepers = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of [...sleepers]) wake();
  };
  jobEvents.on("queued", wakeAll);

  const idle = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, pollMs);
      sleepers.add(done);
    });

  async function runOne(job: Job, workerId: string): Promise<void> {
    const controller = new AbortController();
    let progress = 0;
    let canceled = false;
    let lost = false;
    const beatMs = Math.max(200, Math.min(2000, (leaseSeconds * 1000) / 3));
    const beat = setInterval(() => {
      void heartbeatJob({ jobId: job.id, workerId, leaseSeconds, progress })
        .then((state) => {
          if (state.lost) {
            lost = true;
            controller.abort(new AppError("job_canceled", "This worker lost the job's lease."));
          } else if (state.cancelRequested) {
            canceled = true;
            controller.abort(new AppError("job_canceled", "The job was canceled."));
          }
        })
        .catch((error: unknown) => logger.warn("heartbeat failed", { jobId: job.id, error: String(error) }));
    }, beatMs);
    let success: JobSuccess | undefined;
    let failure: unknown;
    try {
      if (job.cancelRequested) {
        canceled = true;
        throw new AppError("job_canceled", "The job was canceled.");
      }
      success = await execute(job, { signal: controller.signal, onProgress: (f) => (progress = f) });
    } catch (error) {
      failure = error;
    } finally {
      clearInterval(beat);
    }
    if (lost) {
      logger.warn("job lease lost; another worker has it", { jobId: job.id, workerId });
      return;
    }
    if (success && !canceled) {
      const ok = await finishJobSuccess({ jobId: job.id, workerId, success });
      logger.info(ok ? "job succeeded" : "job finished elsewhere", {
        jobId: job.id,
        serviceId: job.serviceId,
        attempt: job.attempts,
      });
      return;
    }
    const error = canceled ? new AppError("job_canceled", "The job was canceled.") : toAppError(failure);
    const outcome = await finishJobFailure({ jobId: job.id, workerId, error, canceled, retryBaseMs });
    logger.info("job attempt failed", { jobId: job.id, code: error.code, outcome, attempt: job.attempts });
  }

  async function loop(slot: number): Promise<void> {
    const workerId = `${id}/${slot}`;
    while (!stopping) {
      let job: Job | null = null;
      try {
        await failDeadJobs({ workerId, leaseSeconds });
        job = await claimNextJob({ workerId, leaseSeconds });
      } catch (error) {
        logger.error("claiming a job failed", { error: String(error) });
      }
      if (!job) {
        await idle();
        continue;
      }
      active++;
      try {
        await runOne(job, workerId);
      } catch (error) {
        logger.error("job loop error", { jobId: job.id, error: error instanceof Error ? error.stack : String(error) });
      } finally {
        active--;
      }
    }
  }

  const loops = Array.from({ length: concurrency }, (_, slot) => loop(slot));
  if (concurrency > 0) logger.info("workers started", { id, concurrency, leaseSeconds });
  return {
    id,
    running: () => active,
    async stop() {
      stopping = true;
      jobEvents.off("queued", wakeAll);
      wakeAll();
      await Promise.all(loops);
    },
  };
}

const globalForWorkers = globalThis as unknown as { backdropWorkers?: WorkerHandle };

/** Starts the embedded workers once per process (WORKER_MODE=embedded). */
export function startEmbeddedWorkers(): WorkerHandle | undefined {
  const env = getEnv();
  if (env.WORKER_MODE !== "embedded" || env.WORKER_CONCURRENCY === 0) return undefined;
  globalForWorkers.backdropWorkers ??= startWorkers();
  return globalForWorkers.backdropWorkers;
}
