import { rm } from "node:fs/promises";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as webhook } from "@/app/api/webhooks/stripe/route";
import { checkCreditLedger, getCreditSummary } from "@/lib/billing/credits";
import { createTopup, fulfilTopupSession, refundTopupUnspent } from "@/lib/billing/topups";
import { getDb } from "@/lib/db";
import { newId } from "@/lib/ids";
import { startFakeStripe, type FakeStripe } from "@/e2e/fakes/stripe-server";
import { BASE, params, prepareScratchEnv } from "./helpers/paid-api";
import { testDbTargets, useTestDb } from "./test-db";

const SECRET_KEY = "sk_test_backdrop_credits";
const WEBHOOK_SECRET = "whsec_backdrop_credits_secret";
const fake: FakeStripe = await startFakeStripe({ secretKey: SECRET_KEY });
const dataDir = await prepareScratchEnv({
  PAYMENTS_MODE: "stripe",
  STRIPE_SECRET_KEY: SECRET_KEY,
  STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  STRIPE_API_BASE: fake.url,
});
afterAll(async () => {
  await fake.close();
  await rm(dataDir, { recursive: true, force: true });
});

const signer = new Stripe(SECRET_KEY);

function deliver(payload: string) {
  const signature = signer.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
  return webhook(
    new Request(`${BASE}/api/webhooks/stripe`, {
      method: "POST",
      headers: { "stripe-signature": signature, "content-type": "application/json" },
      body: payload,
    }),
    params({}),
  );
}

describe.each(testDbTargets())("credit packs bought through Stripe on $name", (target) => {
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ dispose } = await useTestDb(target));
  });
  afterAll(async () => dispose());

  async function newAccount(): Promise<string> {
    const db = await getDb();
    const id = newId("acc");
    await db.account.create({ data: { id, email: `${id.toLowerCase()}@example.com` } });
    return id;
  }

  it("fulfils a top-up exactly once under duplicate and concurrent webhooks and the receipt page", async () => {
    const accountId = await newAccount();
    const topup = await createTopup({ accountId, packId: "pack_50", origin: BASE, email: "buyer@example.com" });
    expect(topup).toMatchObject({ status: "pending", method: "stripe", credits: 50, sandbox: false });
    const session = [...fake.sessions.values()].find((candidate) => candidate.client_reference_id === topup.id)!;
    expect(topup.checkoutUrl).toBe(session.url);
    const sent = fake.requests.find(
      (request) => request.path === "/v1/checkout/sessions" && request.body.client_reference_id === topup.id,
    )!;
    expect(sent.idempotencyKey).toBe(`checkout:${topup.id}`);
    expect(sent.body).toMatchObject({
      "line_items[0][price_data][unit_amount]": "750",
      "metadata[topupId]": topup.id,
      success_url: `${BASE}/account/receipts/${topup.id}?session_id={CHECKOUT_SESSION_ID}`,
    });
    // Not paid yet: no credits.
    expect((await fulfilTopupSession(session.id)).fulfilled).toBe(false);
    expect((await getCreditSummary(accountId)).balance).toBe(0);

    const paid = fake.completeSession(session.id);
    const completed = fake.event("checkout.session.completed", paid);
    const [responses, last] = await Promise.all([
      Promise.all([deliver(completed), deliver(completed), deliver(completed), deliver(completed)]),
      fulfilTopupSession(session.id),
    ]);
    const handled = await Promise.all(
      responses.map(async (response) => {
        expect(response.status).toBe(200);
        return ((await response.json()) as { handled: boolean }).handled;
      }),
    );
    expect([...handled, last.fulfilled].filter(Boolean)).toHaveLength(1);
    // A late duplicate and an "expired" event change nothing.
    expect((await deliver(completed)).status).toBe(200);
    expect((await deliver(fake.event("checkout.session.expired", paid))).status).toBe(200);

    const db = await getDb();
    expect(await db.creditEntry.count({ where: { topupId: topup.id, kind: "topup" } })).toBe(1);
    expect((await getCreditSummary(accountId)).balance).toBe(50);
    expect((await db.creditTopup.findUniqueOrThrow({ where: { id: topup.id } })).status).toBe("paid");
  });

  it("an expired Checkout closes the top-up without credits", async () => {
    const accountId = await newAccount();
    const topup = await createTopup({ accountId, packId: "pack_10", origin: BASE });
    const session = [...fake.sessions.values()].find((candidate) => candidate.client_reference_id === topup.id)!;
    const response = await deliver(fake.event("checkout.session.expired", session));
    expect(((await response.json()) as { handled: boolean }).handled).toBe(true);
    const db = await getDb();
    expect((await db.creditTopup.findUniqueOrThrow({ where: { id: topup.id } })).status).toBe("expired");
    expect((await getCreditSummary(accountId)).balance).toBe(0);
  });

  it("refunds only the unspent credits of a card top-up, as a Stripe partial refund", async () => {
    const accountId = await newAccount();
    const topup = await createTopup({ accountId, packId: "pack_10", origin: BASE });
    const session = [...fake.sessions.values()].find((candidate) => candidate.client_reference_id === topup.id)!;
    fake.completeSession(session.id);
    await fulfilTopupSession(session.id);
    const db = await getDb();
    // Four edits spent (reserved and captured as the worker would).
    await db.$transaction(async (tx) => {
      const { reserveCredits, captureCreditsForJob } = await import("@/lib/billing/credits");
      const jobIds = Array.from({ length: 4 }, () => newId("job"));
      for (const id of jobIds)
        await tx.job.create({
          data: { id, serviceId: "background-removal", params: {}, status: "succeeded", creditAccountId: accountId },
        });
      await reserveCredits(tx, { payer: { accountId }, jobIds });
      for (const jobId of jobIds) await captureCreditsForJob(tx, { jobId });
    });
    expect((await getCreditSummary(accountId)).balance).toBe(6);

    const refund = await refundTopupUnspent({ topupId: topup.id, actor: "admin", reason: "customer asked" });
    expect(refund).toMatchObject({ credits: 6, amountMinor: 108, display: "$1.08" });
    const stripeRefund = fake.refunds.find((candidate) => candidate.payment_intent === session.payment_intent);
    expect(stripeRefund?.amount).toBe(108);
    expect((await getCreditSummary(accountId)).balance).toBe(0);
    expect((await checkCreditLedger(accountId)).problems).toEqual([]);
    await expect(refundTopupUnspent({ topupId: topup.id, actor: "admin", reason: "again" })).rejects.toMatchObject({
      code: "payment_not_refundable",
    });
    expect(fake.refunds.filter((candidate) => candidate.payment_intent === session.payment_intent)).toHaveLength(1);
  });
});
