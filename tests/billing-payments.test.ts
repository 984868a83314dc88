import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getPayment } from "@/app/api/payments/[id]/route";
import { POST as createPaymentRoute } from "@/app/api/payments/route";
import { POST as callTool } from "@/app/api/tools/[serviceId]/route";
import { createPayment, refundJobCharge, reservePaymentToken } from "@/lib/billing/payments";
import { hashPaymentToken } from "@/lib/billing/tokens";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { storeAsset } from "@/lib/assets/assets";
import { startWorkers, type WorkerHandle } from "@/lib/jobs/worker";
import { makeJpeg } from "./helpers/images";
import { BASE, jsonRequest, params, prepareScratchEnv } from "./helpers/paid-api";
import { testDbTargets, useTestDb } from "./test-db";

const dataDir = await prepareScratchEnv({ PAYMENTS_MODE: "sandbox", PAYMENT_RATE_LIMIT_PER_MINUTE: "5" });
afterAll(() => rm(dataDir, { recursive: true, force: true }));

type PaymentBody = {
  paymentId: string;
  token?: string;
  status: string;
  amountMinor: number;
  currency: string;
  sandbox: boolean;
  method: string;
  usable: boolean;
};

describe.each(testDbTargets())("payments and tokens on $name", (target) => {
  let dispose: () => Promise<void>;
  let workers: WorkerHandle;
  let photoAssetId: string;

  beforeAll(async () => {
    ({ dispose } = await useTestDb(target));
    const jpeg = await makeJpeg({ width: 64, height: 48 });
    photoAssetId = (await storeAsset({ kind: "upload", bytes: jpeg, mime: "image/jpeg", width: 64, height: 48 })).id;
    // The edit itself is not under test here: a stand-in that stores a result quickly.
    workers = startWorkers({
      concurrency: 2,
      leaseSeconds: 10,
      pollMs: 50,
      execute: async () => {
        const asset = await storeAsset({ kind: "result", bytes: jpeg, mime: "image/jpeg", width: 64, height: 48 });
        return { resultAssetId: asset.id, provider: "stub" };
      },
    });
  });
  afterAll(async () => {
    await workers.stop();
    await dispose();
  });

  it("creates a paid sandbox payment, shows the token once and stores only its hash", async () => {
    const response = await createPaymentRoute(
      jsonRequest(
        "/api/payments",
        { serviceId: "sky-replacement" },
        { "x-backdrop-peer": `10.9.${target.name.length}.1` },
      ),
      params({}),
    );
    expect(response.status).toBe(201);
    const body = (await response.json()) as PaymentBody;
    expect(body).toMatchObject({
      status: "paid",
      amountMinor: 20,
      currency: "USD",
      sandbox: true,
      method: "sandbox",
      usable: true,
    });
    expect(body.token).toMatch(/^bdp_[A-Za-z0-9_-]{43}$/);

    const row = await (await getDb()).payment.findUniqueOrThrow({ where: { id: body.paymentId } });
    expect(row.tokenHash).toBe(hashPaymentToken(body.token!));
    expect(JSON.stringify(row)).not.toContain(body.token!);

    const read = (await (
      await getPayment(new Request(`${BASE}/api/payments/${body.paymentId}`), params({ id: body.paymentId }))
    ).json()) as PaymentBody;
    expect(read.paymentId).toBe(body.paymentId);
    expect(read.token).toBeUndefined();
  });

  it("rate-limits payment creation per client address with 429 rate_limited", async () => {
    const ip = `10.77.${target.name.length}.9`;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await createPaymentRoute(
        jsonRequest("/api/payments", { serviceId: "prompt-segmentation" }, { "x-backdrop-peer": ip }),
        params({}),
      );
      statuses.push(response.status);
      if (response.status === 429)
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
    }
    expect(statuses.slice(0, 5)).toEqual([201, 201, 201, 201, 201]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const other = await createPaymentRoute(
      jsonRequest("/api/payments", { serviceId: "prompt-segmentation" }, { "x-backdrop-peer": `${ip}0` }),
      params({}),
    );
    expect(other.status).toBe(201);
  });

  it("refuses unknown, wrong-service, expired and used tokens with distinct codes and queues nothing", async () => {
    const db = await getDb();
    const jobsBefore = await db.job.count();
    const attempt = async (token: string, serviceId = "sky-replacement") => {
      const response = await callTool(
        jsonRequest(
          `/api/tools/${serviceId}`,
          { imageAssetId: photoAssetId, skyPresetId: "clear-blue" },
          { "X-Payment-Token": token },
        ),
        params({ serviceId }),
      );
      const body = (await response.json()) as { code: string; error: { code: string } };
      return { status: response.status, code: body.error?.code, envelopeCode: body.code };
    };

    expect(await attempt(`bdp_${"A".repeat(43)}`)).toEqual({ status: 402, code: "token_invalid", envelopeCode: "402" });
    expect(await attempt("not-even-a-token")).toMatchObject({ status: 402, code: "token_invalid" });

    const forRemoval = await createPayment({ serviceId: "background-removal", origin: BASE });
    expect(await attempt(forRemoval.token!)).toMatchObject({ status: 409, code: "token_wrong_service" });

    const expiring = await createPayment({ serviceId: "sky-replacement", origin: BASE });
    await db.payment.update({
      where: { id: expiring.paymentId },
      data: { tokenExpiresAt: new Date(Date.now() - 1000) },
    });
    expect(await attempt(expiring.token!)).toMatchObject({ status: 402, code: "token_expired" });

    const used = await createPayment({ serviceId: "sky-replacement", origin: BASE });
    await db.payment.update({ where: { id: used.paymentId }, data: { status: "captured", usesLeft: 0 } });
    expect(await attempt(used.token!)).toMatchObject({ status: 409, code: "token_already_used" });

    expect(await db.job.count()).toBe(jobsBefore);
    expect(
      await db.ledgerEntry.count({
        where: { paymentId: { in: [forRemoval.paymentId, expiring.paymentId, used.paymentId] } },
      }),
    ).toBe(0);
  });

  it("lets exactly one of 50 concurrent calls with one token run; the rest get 409 and one capture is booked", async () => {
    const payment = await createPayment({ serviceId: "sky-replacement", origin: BASE });
    const calls = Array.from({ length: 50 }, () =>
      callTool(
        jsonRequest(
          "/api/tools/sky-replacement",
          { imageAssetId: photoAssetId, skyPresetId: "clear-blue" },
          { "X-Payment-Token": payment.token!, Prefer: "wait=20" },
        ),
        params({ serviceId: "sky-replacement" }),
      ).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as { error?: { code: string }; data: { JobId?: string } },
      })),
    );
    const results = await Promise.all(calls);
    const ok = results.filter((result) => result.status === 200);
    const refused = results.filter((result) => result.status === 409);
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(49);
    for (const result of refused) expect(["token_in_use", "token_already_used"]).toContain(result.body.error?.code);

    const db = await getDb();
    expect(await db.job.count({ where: { paymentId: payment.paymentId } })).toBe(1);
    const entries = await db.ledgerEntry.findMany({ where: { paymentId: payment.paymentId } });
    expect(entries.map((entry) => entry.kind).sort()).toEqual(["authorize", "capture"]);
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.paymentId } })).status).toBe("captured");
  });

  it("reserves inside a transaction: a refused reservation changes nothing", async () => {
    const db = await getDb();
    const payment = await createPayment({ serviceId: "prompt-segmentation", origin: BASE });
    const outcome = await db
      .$transaction((tx) => reservePaymentToken(tx, { token: payment.token!, serviceId: "sky-replacement" }))
      .catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(AppError);
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.paymentId } })).status).toBe("paid");
  });

  it("refunds a job's captured edit once, with one refund ledger entry, and refuses a job that was never charged", async () => {
    const db = await getDb();
    const payment = await createPayment({ serviceId: "background-removal", origin: BASE });
    const edit = await callTool(
      jsonRequest(
        "/api/tools/background-removal",
        { imageAssetId: photoAssetId },
        { "X-Payment-Token": payment.token!, Prefer: "wait=20" },
      ),
      params({ serviceId: "background-removal" }),
    );
    const jobId = ((await edit.json()) as { data: { JobId: string } }).data.JobId;
    const [first, second] = await Promise.all([
      refundJobCharge({ jobId, reason: "bad cut-out" }),
      refundJobCharge({ jobId }),
    ]);
    expect([first.applied, second.applied].sort()).toEqual([false, true]);
    for (const outcome of [first, second])
      expect(outcome).toMatchObject({ amountMinor: 10, refundedMinor: 10, state: "full" });
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.paymentId } })).status).toBe("refunded");
    expect(
      await db.ledgerEntry.findMany({
        where: { paymentId: payment.paymentId, kind: "refund" },
        select: { jobId: true, amountMinor: true },
      }),
    ).toEqual([{ jobId, amountMinor: 10 }]);

    const unpaid = await createPayment({ serviceId: "background-removal", origin: BASE });
    const job = await db.job.create({
      data: {
        id: newId("job"),
        serviceId: "background-removal",
        status: "failed",
        params: {},
        paymentId: unpaid.paymentId,
      },
    });
    await expect(refundJobCharge({ jobId: job.id })).rejects.toMatchObject({ code: "payment_not_refundable" });
    expect(await db.ledgerEntry.count({ where: { paymentId: unpaid.paymentId } })).toBe(0);
  });
});
