import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as adjustRoute } from "@/app/api/admin/accounts/[id]/credits/route";
import { POST as loginRoute } from "@/app/api/admin/login/route";
import { POST as refundTopupRoute } from "@/app/api/admin/topups/[id]/refund/route";
import { getAdminAccount, listAdminAccounts } from "@/lib/admin/accounts";
import { ensureBootstrapAdmin } from "@/lib/admin/auth";
import { getCreditSummary } from "@/lib/billing/credits";
import { createTopup } from "@/lib/billing/topups";
import { getDb } from "@/lib/db";
import { newId } from "@/lib/ids";
import { BASE, params, prepareScratchEnv } from "./helpers/paid-api";
import { testDbTargets, useTestDb } from "./test-db";

const PASSWORD = "accounts console password";
const dataDir = await prepareScratchEnv({ PAYMENTS_MODE: "sandbox", ADMIN_PASSWORD: PASSWORD });
afterAll(() => rm(dataDir, { recursive: true, force: true }));

type Session = { cookie: string; csrf: string };
type Json = { error?: { code: string; message: string } } & Record<string, unknown>;

function request(pathname: string, init: { body?: unknown; session?: Session | null } = {}): Request {
  const headers: Record<string, string> = { "content-type": "application/json", origin: BASE };
  if (init.session) {
    headers.cookie = init.session.cookie;
    headers["x-csrf-token"] = init.session.csrf;
  }
  return new Request(`${BASE}${pathname}`, {
    method: "POST",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

async function call(
  handler: (req: Request, ctx: { params: Promise<never> }) => Promise<Response>,
  pathname: string,
  init: { id: string; body?: unknown; session?: Session | null },
): Promise<{ status: number; json: Json }> {
  const response = await handler(request(pathname, init), params({ id: init.id }) as { params: Promise<never> });
  return { status: response.status, json: (await response.json()) as Json };
}

describe.each(testDbTargets())("the admin console's accounts on $name", (target) => {
  let dispose: () => Promise<void>;
  let admin: Session;

  beforeAll(async () => {
    ({ dispose } = await useTestDb(target));
    await ensureBootstrapAdmin();
    const response = await loginRoute(
      request("/api/admin/login", { body: { username: "admin", password: PASSWORD } }),
      params({}),
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { csrfToken: string };
    admin = {
      cookie: response.headers
        .getSetCookie()
        .map((cookie) => cookie.split(";")[0])
        .join("; "),
      csrf: body.csrfToken,
    };
  });
  afterAll(() => dispose());

  async function newAccount(): Promise<{ id: string; email: string }> {
    const db = await getDb();
    const id = newId("acc");
    const email = `${id.toLowerCase()}@example.com`;
    await db.account.create({ data: { id, email } });
    return { id, email };
  }

  it("adjusts a balance only with a reason, never below zero, and audits who did it and why", async () => {
    const account = await newAccount();
    const path = `/api/admin/accounts/${account.id}/credits`;
    expect((await call(adjustRoute, path, { id: account.id, body: { credits: 5, reason: "goodwill" } })).status).toBe(
      401,
    );
    const noReason = await call(adjustRoute, path, {
      id: account.id,
      session: admin,
      body: { credits: 5, reason: "" },
    });
    expect(noReason.status).toBe(422);

    const granted = await call(adjustRoute, path, {
      id: account.id,
      session: admin,
      body: { credits: 5, reason: "goodwill for a bad result" },
    });
    expect(granted).toMatchObject({ status: 200, json: { balance: 5 } });
    const tooMuch = await call(adjustRoute, path, {
      id: account.id,
      session: admin,
      body: { credits: -6, reason: "correction" },
    });
    expect(tooMuch.status).toBe(402);
    expect(tooMuch.json.error?.code).toBe("insufficient_credits");
    expect((await getCreditSummary(account.id)).balance).toBe(5);

    const detail = await getAdminAccount(account.id);
    expect(detail.audit.map((entry) => [entry.actor, entry.action, entry.after])).toEqual([
      [
        "admin",
        "account.credits.adjust",
        expect.objectContaining({ balance: 5, credits: 5, reason: "goodwill for a bad result" }),
      ],
    ]);
    expect(detail.entries.map((entry) => [entry.kind, entry.delta, entry.actor, entry.note])).toEqual([
      ["adjustment", 5, "admin", "goodwill for a bad result"],
    ]);

    const unknown = await call(adjustRoute, "/api/admin/accounts/acc_nope/credits", {
      id: "acc_nope",
      session: admin,
      body: { credits: 1, reason: "test" },
    });
    expect(unknown.status).toBe(404);
  });

  it("refunds a top-up's unspent credits once, audited, and lists balances and usage as ledger sums", async () => {
    const account = await newAccount();
    const topup = await createTopup({ accountId: account.id, packId: "pack_10", origin: BASE });
    await call(adjustRoute, `/api/admin/accounts/${account.id}/credits`, {
      id: account.id,
      session: admin,
      body: { credits: -4, reason: "four edits made by hand" },
    });
    expect((await getAdminAccount(account.id)).topups).toEqual([expect.objectContaining({ id: topup.id, unspent: 6 })]);

    const path = `/api/admin/topups/${topup.id}/refund`;
    expect((await call(refundTopupRoute, path, { id: topup.id, body: { reason: "asked" } })).status).toBe(401);
    const refund = await call(refundTopupRoute, path, {
      id: topup.id,
      session: admin,
      body: { reason: "customer asked" },
    });
    // 6 of 10 credits bought for $1.80: $1.08 back.
    expect(refund).toMatchObject({ status: 200, json: { credits: 6, amountMinor: 108 } });
    const again = await call(refundTopupRoute, path, { id: topup.id, session: admin, body: { reason: "again" } });
    expect(again.status).toBe(409);
    expect(again.json.error?.code).toBe("payment_not_refundable");

    const detail = await getAdminAccount(account.id);
    expect(detail.credits).toMatchObject({ balance: 0, toppedUp: 10, refunded: 6, adjusted: -4 });
    expect(detail.topups[0]).toMatchObject({ refundedCredits: 6, refundedMinor: 108, unspent: 0 });
    expect(detail.audit.map((entry) => entry.action)).toEqual(["account.topup.refund", "account.credits.adjust"]);

    const listed = await listAdminAccounts({ q: account.email, page: 1 });
    expect(listed.rows).toEqual([expect.objectContaining({ id: account.id, balance: 0, toppedUp: 10, spent: 0 })]);
  });
});
