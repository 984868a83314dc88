import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAssetBytes, getAssetOrThrow, storeAsset } from "@/lib/assets/assets";
import { createPayment } from "@/lib/billing/payments";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { closeEnginePool } from "@/lib/image/pool";
import { cancelJob, claimNextJob, enqueuePaidJob, failDeadJobs, finishJobSuccess, waitForJob } from "@/lib/jobs/queue";
import { startWorkers, type WorkerHandle } from "@/lib/jobs/worker";
import { registerProvider } from "@/lib/providers";
import { resetCircuits } from "@/lib/providers/router";
import type { ImageProvider } from "@/lib/providers/types";
import { BASE, until, prepareScratchEnv } from "./helpers/paid-api";
import { testDbTargets, useTestDb } from "./test-db";

// sky-replacement runs on the real embedded engine; background-removal on a scripted provider.
const dataDir = await prepareScratchEnv({
  PROVIDER_SKY_REPLACEMENT: "local",
  PROVIDER_BACKGROUND_REMOVAL: "scripted",
  ENGINE_CONCURRENCY: "1",
});
afterAll(async () => {
  await closeEnginePool();
  await rm(dataDir, { recursive: true, force: true });
});

/** Fails (or succeeds) as told by the next entry of `script`. */
const script: Array<AppError | "ok"> = [];
const scripted: ImageProvider = {
  id: "scripted",
  capabilities: ["background-removal"],
  async backgroundRemoval(req) {
    const next = script.shift() ?? "ok";
    if (next !== "ok") throw next;
    return { bytes: req.image.bytes, mime: req.image.mime, width: req.image.width, height: req.image.height };
  },
};
registerProvider(scripted);

describe.each(testDbTargets())("job queue on $name", (target) => {
  let dispose: () => Promise<void>;
  let workers: WorkerHandle | undefined;
  let cameraId: string;

  beforeAll(async () => {
    ({ dispose } = await useTestDb(target));
    const bytes = await readFile(path.join(process.cwd(), "e2e/fixtures/files/camera.jpg"));
    cameraId = (await storeAsset({ kind: "upload", bytes, mime: "image/jpeg", width: 512, height: 512 })).id;
  });
  afterAll(async () => {
    await workers?.stop();
    await dispose();
  });

  const start = () => {
    workers ??= startWorkers({ concurrency: 1, leaseSeconds: 5, pollMs: 50, retryBaseMs: 20 });
  };

  it("runs a paid sky replacement on the embedded engine, stores the result and captures the payment", async () => {
    start();
    const payment = await createPayment({ serviceId: "sky-replacement", origin: BASE });
    const job = await enqueuePaidJob({
      serviceId: "sky-replacement",
      input: { imageAssetId: cameraId, skyPresetId: "sunset-orange", harmonize: 0.6, horizonShift: 0, format: "jpeg" },
      paymentToken: payment.token!,
    });
    const done = await waitForJob(job.id, 60_000);
    expect(done.status).toBe("succeeded");
    expect(done.provider).toBe("local");
    const result = await getAssetOrThrow(done.resultAssetId!);
    const meta = await sharp(await readAssetBytes(result)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", 512, 512]);

    const db = await getDb();
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.paymentId } })).status).toBe("captured");
    const ledger = await db.ledgerEntry.findMany({ where: { jobId: job.id }, orderBy: { createdAt: "asc" } });
    expect(ledger.map((entry) => entry.kind)).toEqual(["authorize", "capture"]);
    const calls = await db.providerCall.findMany({ where: { jobId: job.id } });
    expect(calls).toMatchObject([{ provider: "local", action: "local.sky-replacement", ok: true }]);
  });

  it("fails an engine error without charging, and the released token pays for the next try", async () => {
    start();
    const payment = await createPayment({ serviceId: "background-removal", origin: BASE });
    script.push(new AppError("engine_failed", "The engine crashed."));
    const failed = await waitForJob(
      (
        await enqueuePaidJob({
          serviceId: "background-removal",
          input: { imageAssetId: cameraId },
          paymentToken: payment.token!,
        })
      ).id,
      20_000,
    );
    expect(failed).toMatchObject({ status: "failed", errorCode: "engine_failed", attempts: 1 });
    const db = await getDb();
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.paymentId } })).status).toBe("released");

    script.push(new AppError("no_subject_detected", "No subject in this photo."));
    const refused = await waitForJob(
      (
        await enqueuePaidJob({
          serviceId: "background-removal",
          input: { imageAssetId: cameraId },
          paymentToken: payment.token!,
        })
      ).id,
      20_000,
    );
    expect(refused).toMatchObject({ status: "failed", errorCode: "no_subject_detected" });

    const ok = await waitForJob(
      (
        await enqueuePaidJob({
          serviceId: "background-removal",
          input: { imageAssetId: cameraId },
          paymentToken: payment.token!,
        })
      ).id,
      20_000,
    );
    expect(ok.status).toBe("succeeded");
    const kinds = (await db.ledgerEntry.findMany({ where: { paymentId: payment.paymentId } })).map(
      (entry) => entry.kind,
    );
    expect(kinds.filter((kind) => kind === "capture")).toHaveLength(1);
    expect(kinds.filter((kind) => kind === "release")).toHaveLength(2);
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.paymentId } })).status).toBe("captured");
  });

  it("retries a retryable provider failure (router backoff) and charges once when the retry succeeds", async () => {
    start();
    const payment = await createPayment({ serviceId: "background-removal", origin: BASE });
    script.push(new AppError("provider_unavailable", "Busy.", { retryable: true }));
    const job = await waitForJob(
      (
        await enqueuePaidJob({
          serviceId: "background-removal",
          input: { imageAssetId: cameraId },
          paymentToken: payment.token!,
        })
      ).id,
      20_000,
    );
    // The provider router retries inside the job's attempt; the job itself ran once.
    expect(job).toMatchObject({ status: "succeeded", attempts: 1 });
    const db = await getDb();
    expect(await db.ledgerEntry.count({ where: { jobId: job.id, kind: "capture" } })).toBe(1);
    expect(await db.providerCall.count({ where: { jobId: job.id } })).toBe(2);
  });

  it("dead-letters a retryable failure after maxAttempts and releases the payment", async () => {
    start();
    const payment = await createPayment({ serviceId: "background-removal", origin: BASE });
    // Each job attempt makes 3 provider calls (router: 1 + 2 retries); 2 attempts = 6 failures.
    script.push(...Array.from({ length: 6 }, () => new AppError("provider_unavailable", "Down.", { retryable: true })));
    const job = await waitForJob(
      (
        await enqueuePaidJob({
          serviceId: "background-removal",
          input: { imageAssetId: cameraId },
          paymentToken: payment.token!,
          maxAttempts: 2,
        })
      ).id,
      20_000,
    );
    expect(job).toMatchObject({ status: "failed", attempts: 2, errorCode: "provider_unavailable" });
    const db = await getDb();
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.paymentId } })).status).toBe("released");
    // Five failures in a row opened the provider's circuit; later tests start from a healthy provider.
    script.length = 0;
    resetCircuits();
  });

  it("takes over a job whose worker stopped heart-beating, finishes it once and fences the old worker out", async () => {
    await workers?.stop();
    workers = undefined;
    const payment = await createPayment({ serviceId: "background-removal", origin: BASE });
    const job = await enqueuePaidJob({
      serviceId: "background-removal",
      input: { imageAssetId: cameraId },
      paymentToken: payment.token!,
    });
    const claimed = await claimNextJob({ workerId: "dead-worker", leaseSeconds: 0.5 });
    expect(claimed?.id).toBe(job.id);
    start();
    const done = await waitForJob(job.id, 20_000);
    expect(done).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(done.lockedBy).not.toBe("dead-worker");
    // The old worker wakes up and tries to finish: refused, nothing booked twice.
    const late = await finishJobSuccess({
      jobId: job.id,
      workerId: "dead-worker",
      success: { resultAssetId: done.resultAssetId!, provider: "late" },
    });
    expect(late).toBe(false);
    const db = await getDb();
    expect(await db.ledgerEntry.count({ where: { paymentId: payment.paymentId, kind: "capture" } })).toBe(1);
  });

  it("fails a job whose lease expired on its last attempt (payment released)", async () => {
    await workers?.stop();
    workers = undefined;
    const payment = await createPayment({ serviceId: "background-removal", origin: BASE });
    const job = await enqueuePaidJob({
      serviceId: "background-removal",
      input: { imageAssetId: cameraId },
      paymentToken: payment.token!,
      maxAttempts: 1,
    });
    await claimNextJob({ workerId: "dead-worker", leaseSeconds: 0.2 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await failDeadJobs({ workerId: "sweeper", leaseSeconds: 5 })).toBe(1);
    const db = await getDb();
    expect(await db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      status: "failed",
      errorCode: "job_timeout",
    });
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.paymentId } })).status).toBe("released");
  });

  it("cancels a queued job at once and a running job at its next heartbeat, releasing both payments", async () => {
    const db = await getDb();
    const first = await createPayment({ serviceId: "background-removal", origin: BASE });
    const queued = await enqueuePaidJob({
      serviceId: "background-removal",
      input: { imageAssetId: cameraId },
      paymentToken: first.token!,
    });
    expect((await cancelJob(queued.id)).status).toBe("canceled");
    expect((await db.payment.findUniqueOrThrow({ where: { id: first.paymentId } })).status).toBe("released");

    const second = await createPayment({ serviceId: "sky-replacement", origin: BASE });
    let release: () => void = () => undefined;
    workers = startWorkers({
      concurrency: 1,
      leaseSeconds: 1,
      pollMs: 50,
      execute: (_job, ctx) =>
        new Promise((_resolve, reject) => {
          release = () => reject(new Error("never"));
          ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
        }),
    });
    const running = await enqueuePaidJob({
      serviceId: "sky-replacement",
      input: { imageAssetId: cameraId, skyPresetId: "clear-blue" },
      paymentToken: second.token!,
    });
    await until(async () => (await db.job.findUniqueOrThrow({ where: { id: running.id } })).status === "running");
    await cancelJob(running.id);
    const done = await waitForJob(running.id, 10_000);
    release();
    expect(done).toMatchObject({ status: "canceled", errorCode: "job_canceled" });
    expect((await db.payment.findUniqueOrThrow({ where: { id: second.paymentId } })).status).toBe("released");
    await workers.stop();
    workers = undefined;
  });
});
