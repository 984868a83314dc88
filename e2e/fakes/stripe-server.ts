import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A small stand-in for the Stripe API (only what Backdrop calls): Checkout Sessions create and
 * retrieve, refunds, and the hosted Checkout page (it pays at once and sends the buyer to the
 * success URL). Speaks Stripe's wire format (form-encoded bodies, JSON answers,
 * Idempotency-Key replay) so the real `stripe` SDK can be pointed at it with host/port/protocol.
 */
export type FakeSession = {
  id: string;
  object: "checkout.session";
  url: string;
  status: "open" | "complete" | "expired";
  payment_status: "unpaid" | "paid" | "no_payment_required";
  client_reference_id: string | null;
  metadata: Record<string, string>;
  amount_total: number;
  currency: string;
  payment_intent: string | null;
  success_url: string;
  cancel_url: string;
  mode: string;
  customer_details: { email: string } | null;
};

export type FakeRequest = { method: string; path: string; idempotencyKey: string | null; body: Record<string, string> };

export type FakeStripe = {
  url: string;
  port: number;
  sessions: Map<string, FakeSession>;
  refunds: Array<{ id: string; payment_intent: string; amount: number }>;
  requests: FakeRequest[];
  /** The customer paid at checkout. */
  completeSession(id: string): FakeSession;
  /** An event as Stripe would POST it to the webhook (sign it with stripe.webhooks.generateTestHeaderString). */
  event(type: string, session: FakeSession): string;
  close(): Promise<void>;
};

const id = (prefix: string) => `${prefix}_test_${randomBytes(12).toString("hex")}`;

function stripeError(res: http.ServerResponse, status: number, message: string) {
  res
    .writeHead(status, { "content-type": "application/json" })
    .end(JSON.stringify({ error: { type: "invalid_request_error", message } }));
}

export async function startFakeStripe(options: { secretKey?: string } = {}): Promise<FakeStripe> {
  const sessions = new Map<string, FakeSession>();
  const refunds: FakeStripe["refunds"] = [];
  const requests: FakeRequest[] = [];
  const replay = new Map<string, string>();
  let origin = "";

  function completeSession(sessionId: string): FakeSession {
    const session = sessions.get(sessionId);
    if (!session) throw new Error(`unknown session ${sessionId}`);
    session.status = "complete";
    session.payment_status = "paid";
    session.payment_intent ??= id("pi");
    session.customer_details = { email: "buyer@example.com" };
    return session;
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
      const path = (req.url ?? "").split("?")[0] ?? "";
      const idempotencyKey = (req.headers["idempotency-key"] as string | undefined) ?? null;
      requests.push({ method: req.method ?? "", path, idempotencyKey, body });
      const isApi = path.startsWith("/v1/");
      if (isApi && options.secretKey && req.headers.authorization !== `Bearer ${options.secretKey}`)
        return stripeError(res, 401, "Invalid API Key provided");
      const replayKey = idempotencyKey && req.method === "POST" ? `${path}:${idempotencyKey}` : null;
      if (replayKey && replay.has(replayKey)) {
        return void res
          .writeHead(200, { "content-type": "application/json", "idempotent-replayed": "true" })
          .end(replay.get(replayKey));
      }
      const send = (value: unknown) => {
        const text = JSON.stringify(value);
        if (replayKey) replay.set(replayKey, text);
        res.writeHead(200, { "content-type": "application/json", "request-id": id("req") }).end(text);
      };

      if (req.method === "POST" && path === "/v1/checkout/sessions") {
        const quantity = Number(body["line_items[0][quantity]"] ?? "1");
        const unit = Number(body["line_items[0][price_data][unit_amount]"] ?? "0");
        const metadata: Record<string, string> = {};
        for (const [key, value] of Object.entries(body)) {
          const match = /^metadata\[(.+)\]$/.exec(key);
          if (match?.[1]) metadata[match[1]] = value;
        }
        const sessionId = id("cs");
        const session: FakeSession = {
          id: sessionId,
          object: "checkout.session",
          url: `${origin}/pay/${sessionId}`,
          status: "open",
          payment_status: "unpaid",
          client_reference_id: body.client_reference_id ?? null,
          metadata,
          amount_total: unit * quantity,
          currency: body["line_items[0][price_data][currency]"] ?? "usd",
          payment_intent: null,
          success_url: (body.success_url ?? "").replace("{CHECKOUT_SESSION_ID}", sessionId),
          cancel_url: body.cancel_url ?? "",
          mode: body.mode ?? "payment",
          customer_details: null,
        };
        sessions.set(sessionId, session);
        return send(session);
      }
      // The hosted Checkout page (session.url): the buyer pays at once and is sent to success_url, as Stripe does.
      const pay = /^\/pay\/([^/]+)$/.exec(path);
      if (req.method === "GET" && pay?.[1]) {
        const session = sessions.get(pay[1]);
        if (!session) return stripeError(res, 404, `No such checkout.session: '${pay[1]}'`);
        completeSession(session.id);
        return void res.writeHead(303, { location: session.success_url }).end();
      }
      const retrieve = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
      if (req.method === "GET" && retrieve?.[1]) {
        const session = sessions.get(retrieve[1]);
        return session ? send(session) : stripeError(res, 404, `No such checkout.session: '${retrieve[1]}'`);
      }
      if (req.method === "POST" && path === "/v1/refunds") {
        const intent = body.payment_intent ?? "";
        const session = [...sessions.values()].find((candidate) => candidate.payment_intent === intent);
        if (!session) return stripeError(res, 404, `No such payment_intent: '${intent}'`);
        // Like Stripe: `amount` refunds part of the payment (default: what is left); never more than is left.
        const left =
          session.amount_total -
          refunds
            .filter((candidate) => candidate.payment_intent === intent)
            .reduce((sum, candidate) => sum + candidate.amount, 0);
        const amount = body.amount === undefined ? left : Number(body.amount);
        if (left <= 0) return stripeError(res, 400, `Charge for ${intent} has already been refunded.`);
        if (!Number.isInteger(amount) || amount < 1 || amount > left)
          return stripeError(
            res,
            400,
            `Refund amount (${amount}) is greater than unrefunded amount on charge (${left}).`,
          );
        const refund = { id: id("re"), object: "refund", status: "succeeded", payment_intent: intent, amount };
        refunds.push(refund);
        return send(refund);
      }
      stripeError(res, 404, `Unrecognized request URL (${req.method}: ${path})`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;

  return {
    url: origin,
    port,
    sessions,
    refunds,
    requests,
    completeSession,
    event(type, session) {
      return JSON.stringify({
        id: id("evt"),
        object: "event",
        type,
        api_version: "2026-10-28.endive",
        created: Math.floor(Date.now() / 1000),
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        data: { object: structuredClone(session) },
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
