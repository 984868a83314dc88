import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as createBatchRoute } from "@/app/api/batches/route";
import { POST as callTool } from "@/app/api/tools/[serviceId]/route";
import { POST as mcpRoute } from "@/app/api/mcp/route";
import { createApiKey, revokeApiKey, setApiKeyCap } from "@/lib/accounts/api-keys";
import { storeAsset } from "@/lib/assets/assets";
import { checkCreditLedger, getCreditSummary } from "@/lib/billing/credits";
import { adjustCredits, createTopup, refundTopupUnspent } from "@/lib/billing/topups";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { startWorkers, type WorkerHandle } from "@/lib/jobs/worker";
import { makeJpeg } from "./helpers/images";
import { BASE, jsonRequest, params, prepareScratchEnv } from "./helpers/paid-api";
import { testDbTargets, useTestDb } from "./test-db";

const dataDir = await prepareScratchEnv({ PAYMENTS_MODE: "sandbox", API_WAIT_SECONDS: "60" });
afterAll(() => rm(dataDir, { recursive: true, force: true }));

type ToolBody = {
  code: string;
  data: { JobId?: string; Charged?: boolean } | null;
  error?: { code: string; message: string; details?: Record<string, unknown> };
  payment?: { credits?: { header: string } };
};

/** A prompt the stand-in edit cannot find: the job fails without retry (like a real "no subject"). */
const FAILING_PROMPT = "a unicorn that is not there";

describe.each(testDbTargets())("prepaid credits and API keys on $name", (target) => {
  let dispose: () => Promise<void>;
  let workers: WorkerHandle;
  let photoId: string;

  beforeAll(async () => {
    ({ dispose } = await useTestDb(target));
    const jpeg = await makeJpeg({ width: 64, height: 48 });
    photoId = (await storeAsset({ kind: "upload", bytes: jpeg, mime: "image/jpeg", width: 64, height: 48 })).id;
    // The image engine is not under test: a stand-in that stores a result quickly, or fails for FAILING_PROMPT.
    workers = startWorkers({
      concurrency: 3,
      leaseSeconds: 10,
      pollMs: 20,
      execute: async (job) => {
        if ((job.params as { prompt?: string }).prompt === FAILING_PROMPT)
          throw new AppError("no_subject_detected", "Nothing matches the prompt.");
        const asset = await storeAsset({ kind: "result", bytes: jpeg, mime: "image/jpeg", width: 64, height: 48 });
        return { resultAssetId: asset.id, provider: "stub" };
      },
    });
  });
  afterAll(async () => {
    await workers.stop();
    await dispose();
  });

  async function newAccount(): Promise<string> {
    const db = await getDb();
    const id = newId("acc");
    await db.account.create({ data: { id, email: `${id.toLowerCase()}@example.com` } });
    return id;
  }

  async function accountWithKey(packId = "pack_10"): Promise<{ accountId: string; key: string; keyId: string }> {
    const accountId = await newAccount();
    await createTopup({ accountId, packId, origin: BASE });
    const { key, apiKey } = await createApiKey({ accountId, name: "test" });
    return { accountId, key, keyId: apiKey.id };
  }

  async function edit(key: string, input: Record<string, unknown> = { imageAssetId: photoId }, service?: string) {
    const serviceId = service ?? ("prompt" in input ? "prompt-segmentation" : "background-removal");
    const response = await callTool(
      jsonRequest(`/api/tools/${serviceId}?wait=60`, input, { authorization: `Bearer ${key}` }),
      params({ serviceId }),
    );
    return { status: response.status, body: (await response.json()) as ToolBody };
  }

  it("50 concurrent calls against a balance of 10: exactly 10 charged, 40 refused, balance 0, ledger consistent", async () => {
    const { accountId, key } = await accountWithKey("pack_10");
    expect((await getCreditSummary(accountId)).balance).toBe(10);

    const results = await Promise.all(Array.from({ length: 50 }, () => edit(key)));

    const ok = results.filter((result) => result.status === 200);
    const refused = results.filter((result) => result.status === 402);
    expect(ok).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const result of refused) expect(result.body.error?.code).toBe("insufficient_credits");
    for (const result of ok) expect(result.body.data?.Charged).toBe(true);

    const summary = await getCreditSummary(accountId);
    expect(summary).toMatchObject({ balance: 0, reserved: 0, spent: 10, toppedUp: 10 });
    const check = await checkCreditLedger(accountId);
    expect(check.problems).toEqual([]);
    const db = await getDb();
    // A refused call leaves nothing behind: no job, no reservation.
    expect(await db.job.count({ where: { creditAccountId: accountId } })).toBe(10);
    expect(await db.creditEntry.count({ where: { accountId, kind: "reserve" } })).toBe(10);
    expect(await db.creditEntry.count({ where: { accountId, kind: "capture" } })).toBe(10);
    // The 41st call says how to get more.
    const more = await edit(key);
    expect(more.status).toBe(402);
    expect(more.body.error).toMatchObject({ code: "insufficient_credits", details: { balance: 0, needed: 1 } });
  });

  it("a failed edit releases its reservation: the credit is back and nothing is charged", async () => {
    const { accountId, key } = await accountWithKey("pack_10");
    const failed = await edit(key, { imageAssetId: photoId, prompt: FAILING_PROMPT });
    expect(failed.status).toBe(422);
    expect(failed.body.error?.code).toBe("no_subject_detected");
    expect(failed.body.error?.message).toContain("the credit is back on your balance");
    expect(failed.body.data?.Charged).toBe(false);

    const summary = await getCreditSummary(accountId);
    expect(summary).toMatchObject({ balance: 10, reserved: 0, spent: 0 });
    const db = await getDb();
    const entries = await db.creditEntry.findMany({ where: { accountId, jobId: failed.body.data?.JobId } });
    expect(entries.map((entry) => entry.kind).sort()).toEqual(["release", "reserve"]);
    expect((await checkCreditLedger(accountId)).ok).toBe(true);

    // The next edit works and is charged once.
    const ok = await edit(key, { imageAssetId: photoId, prompt: "the mug" });
    expect(ok.status).toBe(200);
    expect((await getCreditSummary(accountId)).balance).toBe(9);
  });

  it("refuses a revoked key at once and an unknown key, with distinct codes", async () => {
    const { accountId, key, keyId } = await accountWithKey();
    expect((await edit(key)).status).toBe(200);
    await revokeApiKey({ accountId, keyId });
    const revoked = await edit(key);
    expect(revoked.status).toBe(401);
    expect(revoked.body.error?.code).toBe("api_key_revoked");
    const unknown = await edit(`bdk_${"A".repeat(43)}`);
    expect(unknown.status).toBe(401);
    expect(unknown.body.error?.code).toBe("api_key_invalid");
    expect((await getCreditSummary(accountId)).balance).toBe(9);
  });

  it("records the key's last use and usage, and enforces its monthly cap", async () => {
    const { accountId, key, keyId } = await accountWithKey();
    await setApiKeyCap({ accountId, keyId, monthlyCap: 2 });
    expect((await edit(key)).status).toBe(200);
    expect((await edit(key, { imageAssetId: photoId, prompt: FAILING_PROMPT })).status).toBe(422);
    expect((await edit(key)).status).toBe(200);
    const capped = await edit(key);
    expect(capped.status).toBe(402);
    expect(capped.body.error).toMatchObject({ code: "api_key_cap_reached", details: { monthlyCap: 2, used: 2 } });
    const db = await getDb();
    const row = await db.apiKey.findUniqueOrThrow({ where: { id: keyId } });
    expect(row.lastUsedAt).not.toBeNull();
    // The failed edit did not count: 2 spent, 8 left.
    expect((await getCreditSummary(accountId)).balance).toBe(8);
  });

  it("says in the 402 that an API key with credits is the other way to pay", async () => {
    const response = await callTool(
      jsonRequest("/api/tools/background-removal", { imageAssetId: photoId }),
      params({ serviceId: "background-removal" }),
    );
    expect(response.status).toBe(402);
    const body = (await response.json()) as ToolBody;
    expect(body.payment?.credits?.header).toBe("Authorization: Bearer <api key>");
  });

  it("pays an MCP tool call with the request's API key", async () => {
    const { accountId, key } = await accountWithKey();
    const response = await mcpRoute(
      new Request(`${BASE}/api/mcp`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          authorization: `Bearer ${key}`,
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { name: "background_removal", arguments: { imageAssetId: photoId } },
        }),
      }),
    );
    const rpc = (await response.json()) as { result: { isError: boolean; structuredContent: ToolBody } };
    expect(rpc.result.isError).toBe(false);
    expect(rpc.result.structuredContent.data?.Charged).toBe(true);
    expect((await getCreditSummary(accountId)).balance).toBe(9);
  });

  it("pays a batch with credits (one per photo), all or nothing", async () => {
    const { accountId, key } = await accountWithKey("pack_10");
    const items = Array.from({ length: 3 }, () => ({ imageAssetId: photoId }));
    const created = await createBatchRoute(
      jsonRequest("/api/batches", { items, look: { backgroundColor: "#ffffff" } }, { authorization: `Bearer ${key}` }),
      params({}),
    );
    expect(created.status).toBe(201);
    const batch = (await created.json()) as { id: string; paidWith: string };
    expect(batch.paidWith).toBe("credits");
    expect((await getCreditSummary(accountId)).balance).toBe(7);

    const tooMany = await createBatchRoute(
      jsonRequest(
        "/api/batches",
        { items: Array.from({ length: 8 }, () => ({ imageAssetId: photoId })), look: { backgroundColor: "#000000" } },
        { authorization: `Bearer ${key}` },
      ),
      params({}),
    );
    expect(tooMany.status).toBe(402);
    expect(((await tooMany.json()) as ToolBody).error?.code).toBe("insufficient_credits");
    const db = await getDb();
    expect(await db.batch.count({ where: { creditAccountId: accountId } })).toBe(1);
    expect((await getCreditSummary(accountId)).balance).toBe(7);
  });

  it("refunds only a top-up's unspent credits (spent oldest first), once", async () => {
    const accountId = await newAccount();
    const older = await createTopup({ accountId, packId: "pack_10", origin: BASE });
    const { key } = await createApiKey({ accountId, name: "refund test" });
    for (let i = 0; i < 3; i++) expect((await edit(key)).status).toBe(200);
    const newer = await createTopup({ accountId, packId: "pack_10", origin: BASE });
    for (let i = 0; i < 9; i++) expect((await edit(key)).status).toBe(200);
    // 20 bought, 12 spent: the older pack is used up, the newer one has 8 left.
    expect((await getCreditSummary(accountId)).balance).toBe(8);

    await expect(refundTopupUnspent({ topupId: older.id, actor: "admin", reason: "asked" })).rejects.toMatchObject({
      code: "payment_not_refundable",
    });
    const refund = await refundTopupUnspent({ topupId: newer.id, actor: "admin", reason: "customer asked" });
    expect(refund).toMatchObject({ credits: 8, amountMinor: 144 });
    expect(refund.topup).toMatchObject({ refundedCredits: 8, refundedMinor: 144 });
    expect((await getCreditSummary(accountId)).balance).toBe(0);
    await expect(refundTopupUnspent({ topupId: newer.id, actor: "admin", reason: "again" })).rejects.toMatchObject({
      code: "payment_not_refundable",
    });
    expect((await checkCreditLedger(accountId)).problems).toEqual([]);
  });

  it("a manual adjustment needs a reason and cannot take the balance below zero", async () => {
    const accountId = await newAccount();
    await expect(adjustCredits({ accountId, credits: 5, reason: " ", actor: "admin" })).rejects.toMatchObject({
      code: "validation_failed",
    });
    expect(await adjustCredits({ accountId, credits: 5, reason: "goodwill", actor: "admin" })).toMatchObject({
      balance: 5,
    });
    await expect(adjustCredits({ accountId, credits: -6, reason: "fix", actor: "admin" })).rejects.toMatchObject({
      code: "insufficient_credits",
    });
    expect((await adjustCredits({ accountId, credits: -5, reason: "fix", actor: "admin" })).balance).toBe(0);
    const db = await getDb();
    const entries = await db.creditEntry.findMany({ where: { accountId, kind: "adjustment" } });
    expect(entries.map((entry) => [entry.delta, entry.note, entry.actor])).toEqual(
      expect.arrayContaining([
        [5, "goodwill", "admin"],
        [-5, "fix", "admin"],
      ]),
    );
  });
});
