import { spawn, type ChildProcess } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeAsset } from "@/lib/assets/assets";
import { createPayment } from "@/lib/billing/payments";
import { getDb } from "@/lib/db";
import { closeEnginePool } from "@/lib/image/pool";
import { enqueuePaidJob, waitForJob } from "@/lib/jobs/queue";
import { startWorkers, type WorkerHandle } from "@/lib/jobs/worker";
import { BASE, until, prepareScratchEnv } from "./helpers/paid-api";
import { testDbTargets, useTestDb } from "./test-db";

// A standalone worker (`npm run worker`) is a separate process, so this needs the Postgres server.
const serverTarget = testDbTargets().find((target) => target.name === "postgres");
const SIGNING_SECRET = "kill-test-signing-secret-0123456789abcdef";
const dataDir = await prepareScratchEnv({ SIGNING_SECRET, PROVIDER_SKY_REPLACEMENT: "local", JOB_LEASE_SECONDS: "2" });

describe.runIf(serverTarget)("a standalone worker killed mid-job (Postgres server)", () => {
  let dispose: () => Promise<void>;
  let databaseUrl: string;
  let child: ChildProcess | undefined;
  let workers: WorkerHandle | undefined;
  let smallId: string;
  let largeId: string;

  beforeAll(async () => {
    const opened = await useTestDb(serverTarget!);
    dispose = opened.dispose;
    databaseUrl = `postgresql://${opened.handle.location}`;
    const camera = await readFile(path.join(process.cwd(), "e2e/fixtures/files/camera.jpg"));
    smallId = (await storeAsset({ kind: "upload", bytes: camera, mime: "image/jpeg", width: 512, height: 512 })).id;
    const large = await sharp(camera).resize(2048, 2048).jpeg({ quality: 90 }).toBuffer();
    largeId = (await storeAsset({ kind: "upload", bytes: large, mime: "image/jpeg", width: 2048, height: 2048 })).id;
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await workers?.stop();
    await closeEnginePool();
    await dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** `npm run worker`, as one process (the tsx CLI would put a second process between us and the worker). */
  function spawnWorker(): ChildProcess {
    const serverUrl = new URL(process.env.TEST_DATABASE_URL!);
    serverUrl.pathname = new URL(databaseUrl).pathname;
    const proc = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "lib/jobs/run-worker.ts"], {
      cwd: process.cwd(),
      env: {
        ...process.env,
        DATABASE_URL: serverUrl.toString(),
        DATA_DIR: dataDir,
        SIGNING_SECRET,
        JOB_LEASE_SECONDS: "2",
        WORKER_CONCURRENCY: "1",
        PROVIDER_SKY_REPLACEMENT: "local",
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "inherit", "inherit"],
    });
    return proc;
  }

  it("runs jobs, and after kill -9 mid-job the job is taken over after its lease, finished once and charged once", async () => {
    child = spawnWorker();
    const db = await getDb();

    // 1. The standalone worker does the whole job.
    const first = await createPayment({ serviceId: "sky-replacement", origin: BASE });
    const small = await enqueuePaidJob({
      serviceId: "sky-replacement",
      input: { imageAssetId: smallId, skyPresetId: "clear-blue" },
      paymentToken: first.token!,
    });
    const smallDone = await waitForJob(small.id, 120_000);
    expect(smallDone.status).toBe("succeeded");
    expect(smallDone.lockedBy).toContain(`:${child.pid}:`);

    // 2. It dies with the next job in hand.
    const second = await createPayment({ serviceId: "sky-replacement", origin: BASE });
    const large = await enqueuePaidJob({
      serviceId: "sky-replacement",
      input: { imageAssetId: largeId, skyPresetId: "sunset-orange" },
      paymentToken: second.token!,
    });
    await until(
      async () => {
        const row = await db.job.findUniqueOrThrow({ where: { id: large.id } });
        return row.status === "running" && row.lockedBy?.includes(`:${child!.pid}:`);
      },
      60_000,
      10,
    );
    child.kill("SIGKILL");
    await new Promise((resolve) => child!.once("exit", resolve));
    const orphan = await db.job.findUniqueOrThrow({ where: { id: large.id } });
    expect(orphan).toMatchObject({ status: "running", attempts: 1 });
    expect((await db.payment.findUniqueOrThrow({ where: { id: second.paymentId } })).status).toBe("reserved");

    // 3. Another worker takes it over once the lease has run out.
    workers = startWorkers({ concurrency: 1, leaseSeconds: 2, pollMs: 200 });
    const done = await waitForJob(large.id, 120_000);
    expect(done).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(done.lockedBy).not.toContain(`:${child.pid}:`);
    expect(await db.ledgerEntry.count({ where: { paymentId: second.paymentId, kind: "capture" } })).toBe(1);
    expect((await db.payment.findUniqueOrThrow({ where: { id: second.paymentId } })).status).toBe("captured");
  });
});
