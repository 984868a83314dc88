/**
 * Abuse limits (issue 18 §1) against the running app (a real `next start` with SECURITY_TARGET=server,
 * else the route handlers in-process; see target.ts). Unlike hostile-input.test.ts, this server trusts
 * no proxy: a client's own X-Forwarded-For must change nothing.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeJpeg } from "../helpers/images";
import { openTarget, type Target } from "./target";

type Envelope = {
  error?: { code: string; message: string };
  data?: Record<string, unknown> | null;
  code?: string;
};
type Payment = { paymentId: string; token: string; status: string; usable: boolean };

const ADMIN_PASSWORD = "correct horse battery staple";
let target: Target;

async function json<T = Envelope>(response: Response): Promise<T> {
  const text = await response.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    return { raw: text } as T;
  }
}

const spoofed = () => `203.0.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

async function createPayment(serviceId: string): Promise<Payment> {
  const response = await target.call("/api/payments", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ serviceId }),
  });
  expect(response.status).toBe(201);
  return json<Payment>(response);
}

async function upload(headers: Record<string, string> = {}) {
  const form = new FormData();
  const bytes = await makeJpeg({ width: 64, height: 48 });
  form.append("file", new Blob([new Uint8Array(bytes)], { type: "image/jpeg" }), "mine.jpg");
  const response = await target.call("/api/assets", { method: "POST", body: form, headers });
  return {
    status: response.status,
    cookie: (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "",
    retryAfter: response.headers.get("retry-after"),
    body: await json<Envelope & { id?: string; url?: string }>(response),
  };
}

async function callTool(serviceId: string, input: unknown, headers: Record<string, string> = {}) {
  const response = await target.call(`/api/tools/${serviceId}`, {
    method: "POST",
    // No waiting for the edit: what is checked here is decided before the job runs.
    headers: { "content-type": "application/json", prefer: "wait=0", ...headers },
    body: JSON.stringify(input),
  });
  return { status: response.status, body: await json(response) };
}

beforeAll(async () => {
  target = await openTarget({
    PAYMENTS_MODE: "sandbox",
    ADMIN_PASSWORD,
    // One attempt a minute per address: the test must not depend on how fast scrypt runs here.
    ADMIN_LOGIN_RATE_LIMIT_PER_MINUTE: "1",
    PAYMENT_RATE_LIMIT_PER_MINUTE: "1000",
    UPLOAD_RATE_LIMIT_PER_MINUTE: "1000",
    NEW_VISITORS_PER_HOUR: "1000",
    API_WAIT_SECONDS: "30",
    SIGNING_SECRET: randomBytes(32).toString("hex"),
    TRUSTED_PROXIES: "",
    STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(16).toString("hex")}`,
  });
}, 180_000);

afterAll(async () => {
  await target?.close();
});

describe("client addresses come from the socket, not from the client's headers", () => {
  it("rotating X-Forwarded-For does not buy more admin password guesses, nor let the right one through", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await target.call("/api/admin/login", {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": spoofed(), "x-real-ip": spoofed() },
        body: JSON.stringify({ username: "admin", password: `guess-${i}` }),
      });
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    expect(statuses).toEqual([401, 429, 429, 429, 429, 429]);
    const right = await target.call("/api/admin/login", {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": spoofed() },
      body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }),
    });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("an asset id is not a key", () => {
  let ownerCookie = "";
  let assetId = "";

  beforeAll(async () => {
    const uploaded = await upload();
    expect(uploaded.status).toBe(201);
    ownerCookie = uploaded.cookie;
    assetId = uploaded.body.id!;
    expect(ownerCookie).toMatch(/^bd_owner=/);
  });

  it("someone else's paid call naming the asset is refused with 403 asset_forbidden, no job, token untouched", async () => {
    const attacker = await createPayment("background-change");
    // A colour that fails validation later would be "fail on purpose"; the refusal must come first.
    const { status, body } = await callTool(
      "background-change",
      { imageAssetId: assetId, backgroundColor: "#00ff00" },
      { "x-payment-token": attacker.token },
    );
    expect({ status, code: body.error?.code }).toEqual({ status: 403, code: "asset_forbidden" });
    expect(body.data?.JobId).toBeUndefined();
    const read = await json<Payment>(await target.call(`/api/payments/${attacker.paymentId}`));
    expect(read).toMatchObject({ status: "paid", usable: true });
  });

  it("the uploader's own call works; the job's public view signs the input only for its owner", async () => {
    const payment = await createPayment("background-change");
    const { status, body } = await callTool(
      "background-change",
      { imageAssetId: assetId, backgroundColor: "#00ff00" },
      { "x-payment-token": payment.token, cookie: ownerCookie },
    );
    expect(status).toBe(202);
    const jobId = String(body.data?.JobId);
    const asStranger = await json<{ id: string; input: unknown }>(await target.call(`/api/jobs/${jobId}`));
    expect(asStranger.id).toBe(jobId);
    expect(asStranger.input).toBeNull();
    const asOwner = await json<{ input: { assetId: string; url: string } | null }>(
      await target.call(`/api/jobs/${jobId}`, { headers: { cookie: ownerCookie } }),
    );
    expect(asOwner.input?.assetId).toBe(assetId);
    expect(asOwner.input?.url).toMatch(/sig=/);
  });

  it("a program without cookies uploads with its payment token and pays the call with the same token", async () => {
    const payment = await createPayment("background-change");
    const uploaded = await upload({ "x-payment-token": payment.token });
    expect(uploaded.status).toBe(201);
    expect(uploaded.cookie).toBe(""); // no new visitor for a paying program
    const other = await createPayment("background-change");
    const refused = await callTool(
      "background-change",
      { imageAssetId: uploaded.body.id, backgroundColor: "#102030" },
      { "x-payment-token": other.token },
    );
    expect(refused.body.error?.code).toBe("asset_forbidden");
    const { status, body } = await callTool(
      "background-change",
      { imageAssetId: uploaded.body.id, backgroundColor: "#102030" },
      { "x-payment-token": payment.token },
    );
    expect(status).toBe(202);
    const job = await json<{ input: { assetId: string } | null }>(
      await target.call(`/api/jobs/${String(body.data?.JobId)}`, { headers: { "x-payment-token": payment.token } }),
    );
    expect(job.input?.assetId).toBe(uploaded.body.id);
  });
});

describe("bodies are bounded before any work", () => {
  it("the Stripe webhook refuses a large body with 413 before reading it or checking the signature", async () => {
    const response = await target.call("/api/webhooks/stripe", {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": "t=1,v1=00" },
      body: JSON.stringify({ id: "evt_x", padding: "x".repeat(1024 * 1024) }),
    });
    expect({ status: response.status, code: (await json(response)).error?.code }).toEqual({
      status: 413,
      code: "body_too_large",
    });
  });

  it("the Stripe webhook cuts a chunked body without Content-Length off at the limit", async () => {
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 40) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const response = await target.call("/api/webhooks/stripe", {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": "t=1,v1=00" },
      body,
      duplex: "half",
    } as RequestInit);
    expect({ status: response.status, code: (await json(response)).error?.code }).toEqual({
      status: 413,
      code: "body_too_large",
    });
  });

  it("MCP refuses a JSON-RPC body over the JSON limit with 413", async () => {
    const response = await target.call("/api/mcp", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: {
          name: "background_removal",
          arguments: { ImageURL: `https://example.com/${"a".repeat(300 * 1024)}` },
        },
      }),
    });
    expect({ status: response.status, code: (await json(response)).error?.code }).toEqual({
      status: 413,
      code: "body_too_large",
    });
  });
});
