import { rm } from "node:fs/promises";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getPayment } from "@/app/api/payments/[id]/route";
import { POST as createBatchRoute } from "@/app/api/batches/route";
import { POST as createPaymentRoute } from "@/app/api/payments/route";
import { POST as callTool } from "@/app/api/tools/[serviceId]/route";
import { POST as webhook } from "@/app/api/webhooks/stripe/route";
import { storeAsset } from "@/lib/assets/assets";
import { refundJobCharge } from "@/lib/billing/payments";
import { fulfillCheckoutSession, revealCheckoutToken } from "@/lib/billing/stripe";
import { getDb } from "@/lib/db";
import { waitForJob } from "@/lib/jobs/queue";
import type { WorkerHandle } from "@/lib/jobs/worker";
import { startFakeStripe, type FakeStripe } from "@/e2e/fakes/stripe-server";
import { makeJpeg } from "./helpers/images";
import { BASE, jsonRequest, params, prepareScratchEnv, startStubWorkers } from "./helpers/paid-api";
import { testDbTargets, useTestDb } from "./test-db";

const SECRET_KEY = "sk_test_backdrop_fake";
const WEBHOOK_SECRET = "whsec_backdrop_test_secret";
const fake: FakeStripe = await startFakeStripe({ secretKey: SECRET_KEY });
const dataDir = await prepareScratchEnv({
  PAYMENTS_MODE: "stripe",
  STRIPE_SECRET_KEY: SECRET_KEY,
  STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  STRIPE_API_BASE: fake.url,
  PAYMENT_RATE_LIMIT_PER_MINUTE: "100",
});
afterAll(async () => {
  await fake.close();
  await rm(dataDir, { recursive: true, force: true });
});

const signer = new Stripe(SECRET_KEY);

function deliver(
  payload: string,
  signature = signer.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }),
) {
  return webhook(
    new Request(`${BASE}/api/webhooks/stripe`, {
      method: "POST",
      headers: { "stripe-signature": signature, "content-type": "application/json" },
      body: payload,
    }),
    params({}),
  );
}

type PaymentBody = {
  paymentId: string;
  status: string;
  checkoutUrl: string | null;
  token?: string;
  tokenShown?: boolean;
  method: string;
  sandbox: boolean;
  paidAt: string | null;
};

async function readPayment(id: string, query = ""): Promise<PaymentBody> {
  return (await (
    await getPayment(new Request(`${BASE}/api/payments/${id}${query}`), params({ id }))
  ).json()) as PaymentBody;
}

describe.each(testDbTargets())("Stripe checkout on $name", (target) => {
  let dispose: () => Promise<void>;
  let workers: WorkerHandle;
  let photoId: string;

  beforeAll(async () => {
    ({ dispose } = await useTestDb(target));
    const jpeg = await makeJpeg({ width: 64, height: 48 });
    photoId = (await storeAsset({ kind: "upload", bytes: jpeg, mime: "image/jpeg", width: 64, height: 48 })).id;
    workers = startStubWorkers({ bytes: jpeg, width: 64, height: 48 });
  });
  afterAll(async () => {
    await workers.stop();
    await dispose();
  });

  async function startCheckout(serviceId = "sky-replacement"): Promise<{ payment: PaymentBody; sessionId: string }> {
    const response = await createPaymentRoute(jsonRequest("/api/payments", { serviceId }), params({}));
    expect(response.status).toBe(201);
    const payment = (await response.json()) as PaymentBody;
    const session = [...fake.sessions.values()].find(
      (candidate) => candidate.client_reference_id === payment.paymentId,
    )!;
    return { payment, sessionId: session.id };
  }

  it("creates a pending payment with a Checkout URL and no token, keyed for idempotency", async () => {
    const { payment, sessionId } = await startCheckout();
    expect(payment).toMatchObject({ status: "pending", method: "stripe", sandbox: false });
    expect(payment.token).toBeUndefined();
    expect(payment.checkoutUrl).toBe(`${fake.url}/pay/${sessionId}`);
    const sent = fake.requests.find(
      (request) => request.path === "/v1/checkout/sessions" && request.body.client_reference_id === payment.paymentId,
    )!;
    expect(sent.idempotencyKey).toBe(`checkout:${payment.paymentId}`);
    expect(sent.body).toMatchObject({
      "line_items[0][price_data][unit_amount]": "20",
      "metadata[paymentId]": payment.paymentId,
      success_url: `${BASE}/checkout/success?session_id={CHECKOUT_SESSION_ID}`,
    });
    // Not paid yet: nothing to reveal.
    expect(await readPayment(payment.paymentId, `?session_id=${sessionId}`)).toMatchObject({ status: "pending" });
    expect((await readPayment(payment.paymentId, `?session_id=${sessionId}`)).token).toBeUndefined();
  });

  it("sends a cancelled Checkout back to the page that started it, and only to a path on this site", async () => {
    const response = await createPaymentRoute(
      jsonRequest("/api/payments", { serviceId: "background-change", units: 3, returnPath: "/batch" }),
      params({}),
    );
    const payment = (await response.json()) as PaymentBody;
    const sent = fake.requests.find(
      (request) => request.path === "/v1/checkout/sessions" && request.body.client_reference_id === payment.paymentId,
    )!;
    expect(sent.body.cancel_url).toBe(`${BASE}/batch?checkout=canceled`);
    for (const returnPath of ["//evil.example/x", "https://evil.example", "/studio?x=1"]) {
      const refused = await createPaymentRoute(
        jsonRequest("/api/payments", { serviceId: "background-change", returnPath }),
        params({}),
      );
      expect(refused.status).toBe(422);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("validation_failed");
    }
  });

  it("refuses a tampered or unsigned webhook with 400 and changes nothing", async () => {
    const { payment, sessionId } = await startCheckout();
    const session = fake.completeSession(sessionId);
    const payload = fake.event("checkout.session.completed", session);
    const signature = signer.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
    const tampered = await deliver(payload.replace('"livemode":false', '"livemode":true'), signature);
    expect(tampered.status).toBe(400);
    expect(((await tampered.json()) as { error: { code: string } }).error.code).toBe("webhook_signature_invalid");
    expect((await deliver(payload, "t=1,v1=deadbeef")).status).toBe(400);
    expect((await readPayment(payment.paymentId)).status).toBe("pending");
  });

  it("fulfils once for duplicate, concurrent and out-of-order deliveries, and shows the token once", async () => {
    const { payment, sessionId } = await startCheckout();
    // A stale copy (sent before the customer paid) arrives late: Stripe's current view decides.
    const staleCompleted = fake.event("checkout.session.completed", fake.sessions.get(sessionId)!);
    const session = fake.completeSession(sessionId);
    const completed = fake.event("checkout.session.completed", session);
    const expired = fake.event("checkout.session.expired", session);

    // Two deliveries of the same event, the stale copy and the success page, all at once.
    const [first, second, stale, page] = await Promise.all([
      deliver(completed),
      deliver(completed),
      deliver(staleCompleted),
      fulfillCheckoutSession(sessionId),
    ]);
    const handled = await Promise.all(
      [first, second, stale].map(async (response) => {
        expect(response.status).toBe(200);
        return ((await response.json()) as { handled: boolean }).handled;
      }),
    );
    expect([...handled, page.fulfilled].filter(Boolean)).toHaveLength(1);
    expect((await deliver(expired)).status).toBe(200);

    const paid = await readPayment(payment.paymentId);
    expect(paid.status).toBe("paid");
    const paidAt = paid.paidAt;
    expect((await deliver(completed)).status).toBe(200);
    expect((await readPayment(payment.paymentId)).paidAt).toBe(paidAt);

    expect((await revealCheckoutToken(sessionId)).token).toMatch(/^bdp_/);
    // The token was handed out once: later readers only learn it was shown.
    const again = await readPayment(payment.paymentId, `?session_id=${sessionId}`);
    expect(again.token).toBeUndefined();
    expect(again.tokenShown).toBe(true);
  });

  it("pays for an edit with the revealed token, then refunds it at Stripe exactly once", async () => {
    const { payment, sessionId } = await startCheckout("background-removal");
    fake.completeSession(sessionId);
    const revealed = await readPayment(payment.paymentId, `?session_id=${sessionId}`);
    expect(revealed.token).toMatch(/^bdp_/);
    expect((await readPayment(payment.paymentId, `?session_id=${sessionId}`)).token).toBeUndefined();
    const wrongSession = await getPayment(
      new Request(`${BASE}/api/payments/${payment.paymentId}?session_id=cs_test_other`),
      params({ id: payment.paymentId }),
    );
    expect(wrongSession.status).toBe(403);

    const edit = await callTool(
      jsonRequest("/api/tools/background-removal", { imageAssetId: photoId }, { "X-Payment-Token": revealed.token! }),
      params({ serviceId: "background-removal" }),
    );
    expect(edit.status).toBe(200);
    const jobId = ((await edit.json()) as { data: { JobId: string } }).data.JobId;
    expect((await readPayment(payment.paymentId)).status).toBe("captured");

    expect(await refundJobCharge({ jobId, reason: "customer unhappy" })).toMatchObject({
      applied: true,
      amountMinor: 10,
      state: "full",
    });
    expect(await refundJobCharge({ jobId })).toMatchObject({ applied: false, amountMinor: 10 });
    const session = fake.sessions.get(sessionId)!;
    expect(
      fake.refunds.filter((refund) => refund.payment_intent === session.payment_intent).map((refund) => refund.amount),
    ).toEqual([10]);
    const refundRequests = fake.requests.filter(
      (request) => request.path === "/v1/refunds" && request.body.payment_intent === session.payment_intent,
    );
    expect(refundRequests.map((request) => [request.idempotencyKey, request.body.amount])).toEqual([
      [`refund:${jobId}`, "10"],
    ]);
    expect((await readPayment(payment.paymentId)).status).toBe("refunded");
    expect(await (await getDb()).ledgerEntry.count({ where: { paymentId: payment.paymentId, kind: "refund" } })).toBe(
      1,
    );
  });

  it("starts a batch paid at Checkout with the token revealed on return; refunding one photo refunds that photo's price at Stripe", async () => {
    const created = await createPaymentRoute(
      jsonRequest("/api/payments", { serviceId: "background-change", units: 3 }),
      params({}),
    );
    const payment = (await created.json()) as PaymentBody & { amountMinor: number };
    expect(payment).toMatchObject({ status: "pending", amountMinor: 60 });
    const session = [...fake.sessions.values()].find(
      (candidate) => candidate.client_reference_id === payment.paymentId,
    )!;
    expect(session.amount_total).toBe(60);
    // The buyer pays and comes back: the success page reveals the token once, and the browser starts the batch with it.
    fake.completeSession(session.id);
    const { token } = await revealCheckoutToken(session.id);
    expect(token).toMatch(/^bdp_/);
    const body = {
      items: [1, 2, 3].map(() => ({ imageAssetId: photoId })),
      look: { backgroundColor: "#ffffff" },
      paymentToken: token,
    };
    const batchResponse = await createBatchRoute(jsonRequest("/api/batches", body), params({}));
    expect(batchResponse.status).toBe(201);
    const batch = (await batchResponse.json()) as { id: string; items: Array<{ jobId: string }> };
    const replay = await createBatchRoute(jsonRequest("/api/batches", body), params({}));
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe("token_invalid");
    const jobIds = batch.items.map((item) => item.jobId);
    for (const jobId of jobIds) expect((await waitForJob(jobId, 20_000)).status).toBe("succeeded");
    expect((await readPayment(payment.paymentId)).status).toBe("captured");

    expect(await refundJobCharge({ jobId: jobIds[0]! })).toMatchObject({
      applied: true,
      amountMinor: 20,
      refundedMinor: 20,
      state: "partial",
    });
    expect(await refundJobCharge({ jobId: jobIds[0]! })).toMatchObject({ applied: false, refundedMinor: 20 });
    const refunds = () =>
      fake.refunds.filter((refund) => refund.payment_intent === session.payment_intent).map((refund) => refund.amount);
    expect(refunds()).toEqual([20]);
    expect((await readPayment(payment.paymentId)).status).toBe("captured");

    await refundJobCharge({ jobId: jobIds[1]! });
    expect(await refundJobCharge({ jobId: jobIds[2]! })).toMatchObject({
      applied: true,
      refundedMinor: 60,
      state: "full",
    });
    expect(refunds()).toEqual([20, 20, 20]);
    expect((await readPayment(payment.paymentId)).status).toBe("refunded");
  });
});
