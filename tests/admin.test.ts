import { rm } from "node:fs/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PUT as updateCatalog } from "@/app/api/admin/catalog/[serviceId]/route";
import { GET as exportRoute } from "@/app/api/admin/export/route";
import { GET as getBatchRoute } from "@/app/api/batches/[id]/route";
import { POST as createBatchRoute } from "@/app/api/batches/route";
import { POST as refundRoute } from "@/app/api/admin/jobs/[id]/refund/route";
import { POST as rerunRoute } from "@/app/api/admin/jobs/[id]/rerun/route";
import { DELETE as deleteAssetsRoute } from "@/app/api/admin/jobs/[id]/assets/route";
import { GET as listJobsRoute } from "@/app/api/admin/jobs/route";
import { POST as loginRoute } from "@/app/api/admin/login/route";
import { POST as logoutRoute } from "@/app/api/admin/logout/route";
import { GET as reportsRoute } from "@/app/api/admin/reports/route";
import { POST as retentionRoute } from "@/app/api/admin/retention/route";
import { ensureBootstrapAdmin, resetLoginRateLimit } from "@/lib/admin/auth";
import { csvCell } from "@/lib/admin/csv";
import { hashPassword, verifyPassword } from "@/lib/admin/password";
import { getAdminPaymentDetail } from "@/lib/admin/payments";
import { getCostWarnings } from "@/lib/admin/providers";
import { getAssetOrThrow, storeAsset } from "@/lib/assets/assets";
import { runRetention } from "@/lib/assets/retention";
import { createPayment } from "@/lib/billing/payments";
import { getServiceOrThrow } from "@/lib/catalog/catalog";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { recordProviderCall } from "@/lib/providers/audit";
import { getPublicJob } from "@/lib/jobs/public";
import { enqueuePaidJob, waitForJob } from "@/lib/jobs/queue";
import { startWorkers, type WorkerHandle } from "@/lib/jobs/worker";
import { makeJpeg } from "./helpers/images";
import { BASE, jsonRequest, params, prepareScratchEnv } from "./helpers/paid-api";
import { testDbTargets, useTestDb } from "./test-db";

const PASSWORD = "correct horse battery staple";
const REFUND = { confirm: true, reason: "test refund" };
const dataDir = await prepareScratchEnv({
  PAYMENTS_MODE: "sandbox",
  ADMIN_PASSWORD: PASSWORD,
  ADMIN_LOGIN_RATE_LIMIT_PER_MINUTE: "5",
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

type Session = { cookie: string; csrf: string };

function request(
  pathname: string,
  init: { method?: string; body?: unknown; session?: Session | null; headers?: Record<string, string> } = {},
): Request {
  const headers: Record<string, string> = { "content-type": "application/json", origin: BASE, ...init.headers };
  if (init.session) {
    headers.cookie = init.session.cookie;
    headers["x-csrf-token"] = init.session.csrf;
  }
  return new Request(`${BASE}${pathname}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

async function signIn(ip = "10.1.1.1"): Promise<Session> {
  const response = await loginRoute(
    request("/api/admin/login", {
      method: "POST",
      body: { username: "admin", password: PASSWORD },
      headers: { "x-backdrop-peer": ip },
    }),
    params({}),
  );
  expect(response.status).toBe(200);
  const cookies = response.headers.getSetCookie();
  const body = (await response.json()) as { csrfToken: string };
  return { cookie: cookies.map((cookie) => cookie.split(";")[0]).join("; "), csrf: body.csrfToken };
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

describe("admin passwords and CSV cells", () => {
  it("hashes with a per-user salt and verifies only the right password", async () => {
    const first = await hashPassword("s3cret");
    const second = await hashPassword("s3cret");
    expect(first).not.toBe(second);
    expect(first).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await verifyPassword("s3cret", first)).toBe(true);
    expect(await verifyPassword("s3cret!", first)).toBe(false);
    expect(await verifyPassword("s3cret", "garbage")).toBe(false);
  });

  it("escapes CSV cells and defuses spreadsheet formulas", () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell("+1")).toBe("'+1");
    expect(csvCell("-2")).toBe("'-2");
    expect(csvCell("@cmd")).toBe("'@cmd");
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell("line\nbreak")).toBe('"line\nbreak"');
    expect(csvCell(-20)).toBe("-20");
    expect(csvCell(null)).toBe("");
  });
});

describe.each(testDbTargets())("admin console API on $name", (target) => {
  let dispose: () => Promise<void>;
  let workers: WorkerHandle;
  let photoId: string;

  beforeAll(async () => {
    ({ dispose } = await useTestDb(target));
    const jpeg = await makeJpeg({ width: 64, height: 48 });
    photoId = (
      await storeAsset({ kind: "upload", bytes: jpeg, mime: "image/jpeg", width: 64, height: 48, fileName: "shoe.jpg" })
    ).id;
    workers = startWorkers({
      concurrency: 1,
      leaseSeconds: 10,
      pollMs: 50,
      execute: async (job) => {
        const asset = await storeAsset({ kind: "result", bytes: jpeg, mime: "image/jpeg", width: 64, height: 48 });
        // A paid vendor attempt that failed after charging (then the fallback won): both calls cost us.
        const db = await getDb();
        await recordProviderCall(db, {
          provider: "vendor",
          action: "task",
          ok: false,
          latencyMs: 1,
          costMinor: 2,
          jobId: job.id,
        });
        await recordProviderCall(db, {
          provider: "stub",
          action: "edit",
          ok: true,
          latencyMs: 1,
          costMinor: 3,
          jobId: job.id,
        });
        return { resultAssetId: asset.id, inputAssetIds: job.inputAssetIds, provider: "stub", providerCostMinor: 5 };
      },
    });
  });
  beforeEach(() => resetLoginRateLimit());
  afterAll(async () => {
    await workers.stop();
    await dispose();
  });

  async function paidJob(serviceId: "background-change" | "sky-replacement" = "background-change") {
    const payment = await createPayment({ serviceId, origin: BASE });
    const input =
      serviceId === "background-change"
        ? { imageAssetId: photoId, backgroundColor: "#ffffff" }
        : { imageAssetId: photoId, skyPresetId: "clear-blue" };
    const job = await enqueuePaidJob({ serviceId, input, paymentToken: payment.token! });
    const done = await waitForJob(job.id, 20_000);
    expect(done.status).toBe("succeeded");
    return { job: done, payment };
  }

  it("creates the first admin from ADMIN_PASSWORD once", async () => {
    await ensureBootstrapAdmin();
    expect(await ensureBootstrapAdmin()).toBe(false);
    const db = await getDb();
    expect(await db.adminUser.count()).toBe(1);
    expect((await db.adminUser.findFirstOrThrow()).passwordHash).not.toContain(PASSWORD);
  });

  it("refuses every admin API without a session (401) and writes without the CSRF token or from another site (403)", async () => {
    const anonymous = await listJobsRoute(request("/api/admin/jobs"), params({}));
    expect(anonymous.status).toBe(401);
    expect(await errorCode(anonymous)).toBe("unauthorized");
    const forged = await listJobsRoute(
      request("/api/admin/jobs", { headers: { cookie: `bd_admin=${"A".repeat(43)}.forged` } }),
      params({}),
    );
    expect(forged.status).toBe(401);

    const session = await signIn();
    const { job } = await paidJob();
    expect((await listJobsRoute(request("/api/admin/jobs", { session }), params({}))).status).toBe(200);
    const noToken = await refundRoute(
      request(`/api/admin/jobs/${job.id}/refund`, { method: "POST", body: REFUND, session: { ...session, csrf: "" } }),
      params({ id: job.id }),
    );
    expect(noToken.status).toBe(403);
    expect(await errorCode(noToken)).toBe("csrf_failed");
    const crossSite = await refundRoute(
      request(`/api/admin/jobs/${job.id}/refund`, {
        method: "POST",
        body: {},
        session,
        headers: { origin: "https://evil.example" },
      }),
      params({ id: job.id }),
    );
    expect(crossSite.status).toBe(403);
    const db = await getDb();
    expect(await db.ledgerEntry.count({ where: { paymentId: job.paymentId!, kind: "refund" } })).toBe(0);

    const loggedOut = await logoutRoute(request("/api/admin/logout", { method: "POST", session }), params({}));
    expect(loggedOut.status).toBe(200);
    expect((await listJobsRoute(request("/api/admin/jobs", { session }), params({}))).status).toBe(401);
  });

  it("sets httpOnly SameSite=Strict cookies and rate-limits sign-in per address and username", async () => {
    const ok = await loginRoute(
      request("/api/admin/login", {
        method: "POST",
        body: { username: "admin", password: PASSWORD },
        headers: { "x-backdrop-peer": "10.2.2.2" },
      }),
      params({}),
    );
    const [sessionCookie] = ok.headers.getSetCookie();
    expect(sessionCookie).toMatch(/^bd_admin=.+; Path=\/; SameSite=Strict; HttpOnly; Max-Age=\d+/);
    const statuses: number[] = [];
    // scrypt at OWASP's cost takes a while here, so the bucket refills a little during the loop.
    for (let i = 0; i < 10 && !statuses.includes(429); i++) {
      const response = await loginRoute(
        request("/api/admin/login", {
          method: "POST",
          body: { username: "admin", password: "wrong" },
          headers: { "x-backdrop-peer": "10.3.3.3" },
        }),
        params({}),
      );
      statuses.push(response.status);
    }
    // 5 attempts a minute per address and username (token bucket): wrong passwords first, then 429.
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.at(-1)).toBe(429);
    // Another address is not locked out by someone else's attempts.
    expect(
      (
        await loginRoute(
          request("/api/admin/login", {
            method: "POST",
            body: { username: "admin", password: PASSWORD },
            headers: { "x-backdrop-peer": "10.3.3.4" },
          }),
          params({}),
        )
      ).status,
    ).toBe(200);
  });

  it("refunds a job's payment once; the second refund changes nothing and says so", async () => {
    const session = await signIn();
    const { job, payment } = await paidJob();
    const first = await refundRoute(
      request(`/api/admin/jobs/${job.id}/refund`, {
        method: "POST",
        body: { confirm: true, reason: "bad edges" },
        session,
      }),
      params({ id: job.id }),
    );
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ alreadyRefunded: false, status: "refunded", amountMinor: 20 });
    const second = await refundRoute(
      request(`/api/admin/jobs/${job.id}/refund`, { method: "POST", body: REFUND, session }),
      params({ id: job.id }),
    );
    expect(await second.json()).toMatchObject({ alreadyRefunded: true });
    const db = await getDb();
    const refunds = await db.ledgerEntry.findMany({ where: { paymentId: payment.paymentId, kind: "refund" } });
    expect(refunds.map((entry) => entry.amountMinor)).toEqual([20]);
    expect(await db.auditLog.count({ where: { action: "job.refund", targetId: job.id } })).toBe(1);

    const report = (await (await reportsRoute(request("/api/admin/reports", { session }), params({}))).json()) as {
      byService: Array<{
        serviceId: string;
        revenueMinor: number;
        refundsMinor: number;
        providerCostMinor: number;
        marginMinor: number;
      }>;
    };
    const bg = report.byService.find((row) => row.serviceId === "background-change")!;
    const captured = await db.ledgerEntry.aggregate({
      where: { kind: "capture", payment: { serviceId: "background-change" } },
      _sum: { amountMinor: true },
    });
    const refunded = await db.ledgerEntry.aggregate({
      where: { kind: "refund", payment: { serviceId: "background-change" } },
      _sum: { amountMinor: true },
    });
    // Every paid provider call counts, the failed attempt's included (not only the winning one).
    const cost = await db.providerCall.aggregate({
      where: { job: { serviceId: "background-change", finishedAt: { not: null } } },
      _sum: { costMinor: true },
    });
    expect(bg.revenueMinor).toBe(captured._sum.amountMinor);
    expect(bg.refundsMinor).toBe(refunded._sum.amountMinor);
    expect(cost._sum.costMinor).toBeGreaterThan(0);
    expect(bg.providerCostMinor).toBe(cost._sum.costMinor);
    expect(bg.marginMinor).toBe(bg.revenueMinor - bg.refundsMinor - bg.providerCostMinor);
  });

  it("refunds one photo of a batch: exactly that edit, once; the payment is refunded in full only when every edit is", async () => {
    const session = await signIn();
    const payment = await createPayment({ serviceId: "background-change", units: 3, origin: BASE });
    const created = await createBatchRoute(
      jsonRequest("/api/batches", {
        items: [1, 2, 3].map(() => ({ imageAssetId: photoId })),
        look: { backgroundColor: "#ffffff" },
        paymentToken: payment.token,
      }),
      params({}),
    );
    expect(created.status).toBe(201);
    const { id: batchId, items } = (await created.json()) as { id: string; items: Array<{ jobId: string }> };
    const jobIds = items.map((item) => item.jobId);
    for (const jobId of jobIds) expect((await waitForJob(jobId, 20_000)).status).toBe("succeeded");
    const refund = async (jobId: string) =>
      (await (
        await refundRoute(
          request(`/api/admin/jobs/${jobId}/refund`, { method: "POST", body: REFUND, session }),
          params({ id: jobId }),
        )
      ).json()) as Record<string, unknown>;
    const [first, second, third] = jobIds as [string, string, string];

    expect(await refund(first)).toMatchObject({
      alreadyRefunded: false,
      amountMinor: 20,
      refundedMinor: 20,
      refund: "partial",
      status: "captured",
      message: "Refunded $0.20 (sandbox) ($0.20 of $0.60 refunded so far).",
    });
    expect(await refund(first)).toMatchObject({
      alreadyRefunded: true,
      amountMinor: 20,
      refundedMinor: 20,
      refund: "partial",
    });
    const db = await getDb();
    const refunds = () =>
      db.ledgerEntry.findMany({
        where: { paymentId: payment.paymentId, kind: "refund" },
        orderBy: { createdAt: "asc" },
        select: { jobId: true, amountMinor: true },
      });
    expect(await refunds()).toEqual([{ jobId: first, amountMinor: 20 }]);
    expect(await db.auditLog.count({ where: { action: "job.refund", targetId: first } })).toBe(1);

    // The buyer sees one photo refunded and the other two still charged.
    const batch = (await (
      await getBatchRoute(new Request(`${BASE}/api/batches/${batchId}`), params({ id: batchId }))
    ).json()) as {
      charged: { edits: number; amountMinor: number };
      refunded: { edits: number };
      items: Array<{ charged: boolean }>;
    };
    expect(batch).toMatchObject({ charged: { edits: 2, amountMinor: 40 }, refunded: { edits: 1 } });
    expect(batch.items.map((item) => item.charged)).toEqual([false, true, true]);
    expect((await getPublicJob(first, BASE)).charged).toBe(false);
    expect((await getPublicJob(second, BASE)).charged).toBe(true);

    // The other two at once: each refunds its own edit, and together they complete the refund.
    const rest = await Promise.all([refund(second), refund(third)]);
    expect(rest.map((outcome) => outcome.amountMinor)).toEqual([20, 20]);
    expect(rest.map((outcome) => outcome.refund).sort()).toEqual(["full", "partial"]);
    expect((await refunds()).map((entry) => entry.amountMinor)).toEqual([20, 20, 20]);
    expect(await db.payment.findUniqueOrThrow({ where: { id: payment.paymentId } })).toMatchObject({
      status: "refunded",
      usesLeft: 0,
    });
    expect((await getAdminPaymentDetail(payment.paymentId)).totals).toMatchObject({
      captured: 60,
      refunded: 60,
      net: 0,
    });
    expect(await refund(third)).toMatchObject({ alreadyRefunded: true, status: "refunded", refund: "full" });
  });

  it("re-runs a job for free and deletes a job's files while keeping the rows", async () => {
    const session = await signIn();
    const { job } = await paidJob();
    const rerun = await rerunRoute(
      request(`/api/admin/jobs/${job.id}/rerun`, { method: "POST", session }),
      params({ id: job.id }),
    );
    expect(rerun.status).toBe(201);
    const { jobId } = (await rerun.json()) as { jobId: string };
    const copy = await waitForJob(jobId, 20_000);
    expect(copy).toMatchObject({ status: "succeeded", paymentId: null, rerunOfJobId: job.id, params: job.params });

    const deleted = await deleteAssetsRoute(
      request(`/api/admin/jobs/${copy.id}/assets`, { method: "DELETE", session }),
      params({ id: copy.id }),
    );
    expect(await deleted.json()).toMatchObject({ deleted: 2 });
    await expect(getAssetOrThrow(copy.resultAssetId!)).rejects.toMatchObject({ code: "asset_gone" });
    const again = await deleteAssetsRoute(
      request(`/api/admin/jobs/${copy.id}/assets`, { method: "DELETE", session }),
      params({ id: copy.id }),
    );
    expect(await again.json()).toMatchObject({ deleted: 0, alreadyDeleted: 2 });
  });

  it("filters and sorts the jobs table on the server", async () => {
    const session = await signIn();
    await paidJob("sky-replacement");
    const read = async (query: string) =>
      (await (await listJobsRoute(request(`/api/admin/jobs?${query}`, { session }), params({}))).json()) as {
        rows: Array<{ id: string; serviceId: string; status: string; durationMs: number | null }>;
        total: number;
      };
    const sky = await read("service=sky-replacement&status=succeeded");
    expect(sky.total).toBeGreaterThanOrEqual(1);
    expect(sky.rows.every((row) => row.serviceId === "sky-replacement" && row.status === "succeeded")).toBe(true);
    const one = await read(`q=${sky.rows[0]!.id}`);
    expect(one.rows.map((row) => row.id)).toEqual([sky.rows[0]!.id]);
    const byDuration = await read("sort=duration&dir=desc");
    const durations = byDuration.rows.map((row) => row.durationMs).filter((ms): ms is number => ms !== null);
    expect(durations).toEqual([...durations].sort((a, b) => b - a));
    const future = await read("from=2999-01-01");
    expect(future.total).toBe(0);
  });

  it("edits a price (audited, cache dropped) and exports CSV with formula cells defused", async () => {
    const session = await signIn();
    const before = await getServiceOrThrow("prompt-segmentation");
    const updated = await updateCatalog(
      request("/api/admin/catalog/prompt-segmentation", {
        method: "PUT",
        body: { priceMinor: 7, enabled: false },
        session,
      }),
      params({ serviceId: "prompt-segmentation" }),
    );
    expect(updated.status).toBe(200);
    const after = await getServiceOrThrow("prompt-segmentation", { requireEnabled: false });
    expect(after).toMatchObject({ priceMinor: 7, enabled: false });
    const db = await getDb();
    const audit = await db.auditLog.findFirstOrThrow({
      where: { action: "catalog.update", targetId: "prompt-segmentation" },
    });
    expect(audit).toMatchObject({
      actor: "admin",
      before: { priceMinor: before.priceMinor, enabled: true },
      after: { priceMinor: 7, enabled: false },
    });
    await updateCatalog(
      request("/api/admin/catalog/prompt-segmentation", {
        method: "PUT",
        body: { priceMinor: before.priceMinor, enabled: true },
        session,
      }),
      params({ serviceId: "prompt-segmentation" }),
    );

    const { job } = await paidJob();
    await db.job.update({ where: { id: job.id }, data: { errorMessage: "=cmd|' /C calc'!A0" } });
    const today = new Date().toISOString().slice(0, 10);
    const csv = await exportRoute(
      request(`/api/admin/export?kind=jobs&from=${today}&to=${today}`, { session }),
      params({}),
    );
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const text = await csv.text();
    expect(text.split("\r\n")[0]).toMatch(/^job_id,queued_at,/);
    expect(text).toContain(job.id);
    expect(text).toContain(`,'=cmd|' /C calc'!A0,`);
    expect(text).not.toContain(`,=cmd`);
    const payments = await (
      await exportRoute(request(`/api/admin/export?kind=payments&from=${today}&to=${today}`, { session }), params({}))
    ).text();
    expect(payments).toContain(job.paymentId!);
  });

  it("deletes files past retention (rows kept) and runs one retention at a time", async () => {
    const session = await signIn();
    const old = await storeAsset({
      kind: "upload",
      bytes: await makeJpeg({ width: 16, height: 16 }),
      mime: "image/jpeg",
      width: 16,
      height: 16,
    });
    const db = await getDb();
    await db.asset.update({ where: { id: old.id }, data: { createdAt: new Date(Date.now() - 400 * 86_400_000) } });
    const [a, b] = await Promise.all([runRetention({ trigger: "test" }), runRetention({ trigger: "test" })]);
    expect([a.ran, b.ran].sort()).toEqual([false, true]);
    const ran = a.ran ? a : b;
    expect(ran.run?.assetsDeleted).toBeGreaterThanOrEqual(1);
    await expect(getAssetOrThrow(old.id)).rejects.toMatchObject({ code: "asset_gone" });
    expect(await db.asset.findUnique({ where: { id: old.id } })).not.toBeNull();
    const manual = await retentionRoute(request("/api/admin/retention", { method: "POST", session }), params({}));
    expect(manual.status).toBe(200);
    expect(await manual.json()).toMatchObject({ run: { trigger: "manual", assetsDeleted: 0 } });
  });

  it("warns when a configured vendor cost exceeds the price of the edit it serves", async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, {
        YOUCAM_API_KEY: "key",
        PROVIDER_BACKGROUND_CHANGE: "youcam,local",
        PROVIDER_BACKGROUND_REMOVAL: "youcam,local",
      });
      resetEnvCache();
      expect(await getCostWarnings()).toEqual([]); // the default unit cost keeps 4 units within the price
      process.env.YOUCAM_UNIT_COST_MINOR = "10";
      resetEnvCache();
      const price = (await getServiceOrThrow("background-change")).priceMinor;
      expect(await getCostWarnings()).toEqual([
        { providerId: "youcam", serviceId: "background-change", costMinor: 40, priceMinor: price, currency: "USD" },
      ]);
    } finally {
      for (const key of [
        "YOUCAM_API_KEY",
        "PROVIDER_BACKGROUND_CHANGE",
        "PROVIDER_BACKGROUND_REMOVAL",
        "YOUCAM_UNIT_COST_MINOR",
      ])
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      resetEnvCache();
    }
  });
});
