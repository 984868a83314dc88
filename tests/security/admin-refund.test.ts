/**
 * An admin refund must be confirmed and give a reason, which the audit log keeps (issue 18 §1).
 * In-process, with stub workers: the point is what the refund route accepts and records.
 */
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as refundRoute } from "@/app/api/admin/jobs/[id]/refund/route";
import { POST as loginRoute } from "@/app/api/admin/login/route";
import { resetLoginRateLimit } from "@/lib/admin/auth";
import { storeAsset } from "@/lib/assets/assets";
import { createPayment } from "@/lib/billing/payments";
import { getDb } from "@/lib/db";
import { enqueuePaidJob, waitForJob } from "@/lib/jobs/queue";
import { startWorkers, type WorkerHandle } from "@/lib/jobs/worker";
import { makeJpeg } from "../helpers/images";
import { BASE, params, prepareScratchEnv } from "../helpers/paid-api";
import { testDbTargets, useTestDb } from "../test-db";

const PASSWORD = "correct horse battery staple";
const dataDir = await prepareScratchEnv({ PAYMENTS_MODE: "sandbox", ADMIN_PASSWORD: PASSWORD });
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe.each(testDbTargets())("admin refunds on $name", (target) => {
  let dispose: () => Promise<void>;
  let workers: WorkerHandle;
  let session: { cookie: string; csrf: string };

  beforeAll(async () => {
    ({ dispose } = await useTestDb(target));
    resetLoginRateLimit();
    const jpeg = await makeJpeg({ width: 32, height: 24 });
    workers = startWorkers({
      concurrency: 1,
      pollMs: 50,
      execute: async (job) => {
        const asset = await storeAsset({ kind: "result", bytes: jpeg, mime: "image/jpeg", width: 32, height: 24 });
        return { resultAssetId: asset.id, inputAssetIds: job.inputAssetIds, provider: "stub" };
      },
    });
    const login = await loginRoute(
      new Request(`${BASE}/api/admin/login`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: BASE },
        body: JSON.stringify({ username: "admin", password: PASSWORD }),
      }),
      params({}),
    );
    expect(login.status).toBe(200);
    session = {
      cookie: login.headers
        .getSetCookie()
        .map((cookie) => cookie.split(";")[0])
        .join("; "),
      csrf: ((await login.json()) as { csrfToken: string }).csrfToken,
    };
  });
  afterAll(async () => {
    await workers.stop();
    await dispose();
  });

  const refund = (jobId: string, body: unknown) =>
    refundRoute(
      new Request(`${BASE}/api/admin/jobs/${jobId}/refund`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          origin: BASE,
          cookie: session.cookie,
          "x-csrf-token": session.csrf,
        },
        body: JSON.stringify(body),
      }),
      params({ id: jobId }),
    );

  it("refuses a refund without confirmation or reason; a confirmed one is audited with its reason", async () => {
    const payment = await createPayment({ serviceId: "background-removal", origin: BASE });
    const job = await enqueuePaidJob({
      serviceId: "background-removal",
      input: { ImageURL: "https://example.com/a.jpg" },
      paymentToken: payment.token!,
    });
    expect((await waitForJob(job.id, 20_000)).status).toBe("succeeded");
    const db = await getDb();
    for (const body of [{}, { reason: "customer asked" }, { confirm: true }, { confirm: true, reason: " " }]) {
      const response = await refund(job.id, body);
      expect({ body, status: response.status }).toEqual({ body, status: 422 });
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("validation_failed");
    }
    expect(await db.ledgerEntry.count({ where: { paymentId: payment.paymentId, kind: "refund" } })).toBe(0);

    const confirmed = await refund(job.id, { confirm: true, reason: "halo around the hair" });
    expect(confirmed.status).toBe(200);
    expect(await db.ledgerEntry.count({ where: { paymentId: payment.paymentId, kind: "refund" } })).toBe(1);
    const audit = await db.auditLog.findFirstOrThrow({ where: { action: "job.refund", targetId: job.id } });
    expect(audit.actor).toBe("admin");
    expect(audit.after).toMatchObject({ reason: "halo around the hair" });
  });
});
