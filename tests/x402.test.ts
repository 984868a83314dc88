import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { x402Client } from "@x402/core/client";
import { decodePaymentRequiredHeader, decodePaymentResponseHeader, encodePaymentSignatureHeader } from "@x402/core/http";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPayment } from "@x402/fetch";
import { toHex, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getServiceOrThrow } from "@/lib/catalog/catalog";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { AppError, ERROR_STATUS } from "@/lib/errors";
import { newId } from "@/lib/ids";
import {
  PAYMENT_REQUIRED_HEADER,
  PAYMENT_RESPONSE_HEADER,
  PAYMENT_SIGNATURE_HEADER,
  buildPaymentRequired,
  createRpcSettler,
  paymentFromMcpMeta,
  releaseX402Payment,
  reserveX402Payment,
  settleX402Payment,
  verifyX402Payment,
} from "@/lib/billing/x402";
import { TRANSFER_WITH_AUTHORIZATION_TYPES } from "@/lib/billing/x402/verify";
import { BASE, startHttpServer, useScratchEnv } from "./helpers/paid-api";
import { testDbTargets, useTestDb } from "./test-db";
import { DEV_KEYS, startLocalChain, type LocalChain } from "./x402-chain";

const payer = privateKeyToAccount(DEV_KEYS.payer);
const payTo = privateKeyToAccount(DEV_KEYS.payTo).address;
const stranger = privateKeyToAccount(DEV_KEYS.stranger);
const SERVICE = "prompt-segmentation";

let chain: LocalChain;
let dataDir: string;

beforeAll(async () => {
  chain = await startLocalChain({ mint: 10_000_000n });
  dataDir = await useScratchEnv({
    PAYMENTS_MODE: "sandbox",
    X402_ENABLED: "true",
    X402_NETWORK: "eip155:31337",
    X402_PAY_TO: payTo,
    X402_ASSET: chain.token,
    X402_ASSET_NAME: chain.tokenName,
    X402_ASSET_VERSION: chain.tokenVersion,
    X402_RPC_URL: chain.rpcUrl,
    X402_SELLER_PRIVATE_KEY: DEV_KEYS.seller,
    X402_FACILITATOR_URL: "",
  });
});
afterAll(async () => {
  await chain?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/**
 * The paid call under test: 402 with PAYMENT-REQUIRED → verify → reserve (with the job row, one
 * transaction) → run the edit → settle on success / release on failure. `run` stands in for the job.
 */
async function paidCall(req: Request, run: () => Promise<void>): Promise<Response> {
  const service = await getServiceOrThrow(SERVICE);
  const header = req.headers.get(PAYMENT_SIGNATURE_HEADER);
  if (!header) {
    const required = buildPaymentRequired({ service, resourceUrl: req.url });
    return Response.json({ ...required.object, error: { code: "payment_required" } }, { status: 402, headers: { [PAYMENT_REQUIRED_HEADER]: required.header } });
  }
  const db = await getDb();
  try {
    const verified = await verifyX402Payment({ header, service });
    const jobId = newId("job");
    const payment = await db.$transaction(async (tx) => {
      await tx.job.create({ data: { id: jobId, serviceId: service.id, params: {}, status: "running" } });
      const reserved = await reserveX402Payment({ verified, jobId, tx });
      await tx.job.update({ where: { id: jobId }, data: { paymentId: reserved.id } });
      return reserved;
    });
    try {
      await run();
    } catch {
      await db.job.update({ where: { id: jobId }, data: { status: "failed" } });
      await releaseX402Payment({ paymentId: payment.id, jobId, reason: "engine_failed" });
      return Response.json({ error: { code: "engine_failed" }, charged: false }, { status: 500 });
    }
    await db.job.update({ where: { id: jobId }, data: { status: "succeeded" } });
    const settled = await settleX402Payment({ verified, paymentId: payment.id, jobId });
    if (!settled.ok) return Response.json({ error: { code: settled.error.code } }, { status: 402, headers: { [PAYMENT_RESPONSE_HEADER]: settled.header } });
    return Response.json({ jobId, paymentId: payment.id }, { status: 200, headers: { [PAYMENT_RESPONSE_HEADER]: settled.header } });
  } catch (error) {
    if (error instanceof AppError) return Response.json({ error: { code: error.code, message: error.message } }, { status: error.status });
    throw error;
  }
}

const url = `${BASE}/api/tools/${SERVICE}`;
const post = (headers: Record<string, string> = {}) =>
  new Request(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ imageAssetId: "ast_x", prompt: "sky" }) });

/** A real x402 client (@x402/fetch + @x402/evm exact) whose fetch calls the handler in-process. */
function payingFetch(handler: (req: Request) => Promise<Response>) {
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: payer });
  // 2.27 spend controls: unknown assets are refused unless opted in.
  client.setSpendControls({ allowedAssets: [{ network: "eip155:31337", asset: chain.token, maxAmountPerPayment: "1000000" }] });
  const local = async (input: RequestInfo | URL, init?: RequestInit) => handler(input instanceof Request ? input : new Request(input, init));
  return wrapFetchWithPayment(local as typeof fetch, client);
}

async function requirementsFor(): Promise<PaymentRequirements> {
  const response = await paidCall(post(), async () => undefined);
  return decodePaymentRequiredHeader(response.headers.get(PAYMENT_REQUIRED_HEADER)!).accepts[0]!;
}

/** Signs an EIP-3009 authorisation by hand, so each field can be bent. */
async function signPayload(params: {
  requirements: PaymentRequirements;
  signer?: typeof payer;
  chainId?: number;
  to?: `0x${string}`;
  value?: string;
  validBefore?: number;
  accepted?: Partial<PaymentRequirements>;
}): Promise<PaymentPayload> {
  const signer = params.signer ?? payer;
  const authorization = {
    from: payer.address,
    to: params.to ?? (params.requirements.payTo as `0x${string}`),
    value: params.value ?? params.requirements.amount,
    validAfter: "0",
    validBefore: String(params.validBefore ?? Math.floor(Date.now() / 1000) + 300),
    nonce: toHex(randomBytes(32)),
  };
  const signature = await signer.signTypedData({
    domain: { name: chain.tokenName, version: chain.tokenVersion, chainId: params.chainId ?? chain.chainId, verifyingContract: params.requirements.asset as Hex },
    types: TRANSFER_WITH_AUTHORIZATION_TYPES,
    primaryType: "TransferWithAuthorization",
    message: { ...authorization, value: BigInt(authorization.value), validAfter: 0n, validBefore: BigInt(authorization.validBefore), nonce: authorization.nonce },
  });
  return { x402Version: 2, resource: { url }, accepted: { ...params.requirements, ...params.accepted }, payload: { signature, authorization } };
}

const header = (payload: unknown) => encodePaymentSignatureHeader(payload as PaymentPayload);
const errorCode = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

describe.each(testDbTargets())("x402 on $name", (target) => {
  let dispose: () => Promise<void>;
  let price: bigint;

  beforeAll(async () => {
    ({ dispose } = await useTestDb(target));
    price = BigInt((await getServiceOrThrow(SERVICE)).priceMinor) * 10_000n;
  });
  afterAll(() => dispose?.());

  it("answers 402 with x402 v2 requirements: CAIP-2 network, catalog price in atomic units, payTo, asset, EIP-712 domain", async () => {
    const response = await paidCall(post(), async () => undefined);
    expect(response.status).toBe(402);
    const required = decodePaymentRequiredHeader(response.headers.get(PAYMENT_REQUIRED_HEADER)!);
    expect(required.x402Version).toBe(2);
    expect(required.resource.url).toBe(url);
    expect(required.accepts).toEqual([
      { scheme: "exact", network: "eip155:31337", amount: price.toString(), asset: chain.token, payTo, maxTimeoutSeconds: 300, extra: { name: "USD Coin", version: "2" } },
    ]);
    // USD 0.20 → 200000 with 6 decimals.
    const sky = buildPaymentRequired({ service: await getServiceOrThrow("sky-replacement"), resourceUrl: url });
    expect(sky.object.accepts[0]!.amount).toBe("200000");
    expect(((await response.json()) as { accepts: unknown[] }).accepts).toEqual(required.accepts);
  });

  it("a real x402 client pays a call: balances move by exactly the price, PAYMENT-RESPONSE carries the settled transaction", async () => {
    const [payerBefore, payToBefore] = [await chain.balanceOf(payer.address), await chain.balanceOf(payTo)];
    let runs = 0;
    const response = await payingFetch((req) => paidCall(req, async () => void runs++))(url, { method: "POST", body: "{}" });
    expect(response.status).toBe(200);
    expect(runs).toBe(1);
    const settle = decodePaymentResponseHeader(response.headers.get(PAYMENT_RESPONSE_HEADER)!);
    expect(settle).toMatchObject({ success: true, network: "eip155:31337", payer: payer.address });
    expect(settle.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await chain.balanceOf(payer.address)).toBe(payerBefore - price);
    expect(await chain.balanceOf(payTo)).toBe(payToBefore + price);

    const { paymentId } = (await response.json()) as { paymentId: string };
    const db = await getDb();
    const payment = await db.payment.findUniqueOrThrow({ where: { id: paymentId } });
    expect(payment).toMatchObject({ method: "x402", status: "captured", payer: payer.address, txHash: settle.transaction, amountMinor: Number(price / 10_000n), currency: "USD" });
    expect(payment.externalRef).toMatch(new RegExp(`^x402:eip155:31337:${chain.token.toLowerCase()}:${payer.address.toLowerCase()}:0x[0-9a-f]{64}$`));
    const ledger = await db.ledgerEntry.findMany({ where: { paymentId }, orderBy: { createdAt: "asc" } });
    expect(ledger.map((entry) => entry.kind)).toEqual(["authorize", "capture"]);
  });

  it("a failed job is never settled: no transfer on chain, payment released, and its payload cannot be replayed", async () => {
    const requirements = await requirementsFor();
    const payload = await signPayload({ requirements });
    const before = await chain.balanceOf(payer.address);
    const failed = await paidCall(post({ [PAYMENT_SIGNATURE_HEADER]: header(payload) }), async () => {
      throw new Error("engine exploded");
    });
    expect(failed.status).toBe(500);
    expect(await chain.balanceOf(payer.address)).toBe(before);
    const db = await getDb();
    const payment = await db.payment.findFirstOrThrow({ where: { payer: payer.address, externalRef: { endsWith: payload.payload.authorization ? (payload.payload.authorization as { nonce: string }).nonce : "" } } });
    expect(payment).toMatchObject({ status: "released", txHash: null });
    expect((await db.ledgerEntry.findMany({ where: { paymentId: payment.id }, orderBy: { createdAt: "asc" } })).map((e) => e.kind)).toEqual(["authorize", "release"]);

    let runs = 0;
    const replay = await paidCall(post({ [PAYMENT_SIGNATURE_HEADER]: header(payload) }), async () => void runs++);
    expect(replay.status).toBe(409);
    expect(await errorCode(replay)).toBe("x402_replayed");
    expect(runs).toBe(0);
  });

  it("a replayed payload is refused with x402_replayed and starts no second job", async () => {
    const requirements = await requirementsFor();
    const payload = await signPayload({ requirements });
    let runs = 0;
    const first = await paidCall(post({ [PAYMENT_SIGNATURE_HEADER]: header(payload) }), async () => void runs++);
    expect(first.status).toBe(200);
    const after = await chain.balanceOf(payer.address);
    const replay = await paidCall(post({ [PAYMENT_SIGNATURE_HEADER]: header(payload) }), async () => void runs++);
    expect(replay.status).toBe(409);
    expect(await errorCode(replay)).toBe("x402_replayed");
    expect(runs).toBe(1);
    expect(await chain.balanceOf(payer.address)).toBe(after);
  });

  it("refuses bent payments with distinct codes, before any work", async () => {
    const requirements = await requirementsFor();
    const now = Math.floor(Date.now() / 1000);
    const tampered = await signPayload({ requirements });
    (tampered.payload.authorization as { value: string }).value = "1";
    const otherToken = privateKeyToAccount(DEV_KEYS.stranger).address;
    const cases: Array<[string, unknown]> = [
      ["x402_amount_mismatch", tampered],
      ["x402_wrong_recipient", await signPayload({ requirements, to: stranger.address, accepted: { payTo: stranger.address } })],
      ["x402_expired", await signPayload({ requirements, validBefore: now + 10 })],
      ["x402_expired", await signPayload({ requirements, validBefore: now - 60 })],
      ["x402_wrong_network", await signPayload({ requirements, chainId: 8453, accepted: { network: "eip155:8453" } })],
      ["x402_wrong_asset", await signPayload({ requirements, accepted: { asset: otherToken } })],
      ["x402_invalid_signature", await signPayload({ requirements, signer: stranger })],
      ["x402_malformed", { x402Version: 1, scheme: "exact", network: "base", payload: {} }],
    ];
    const before = await chain.balanceOf(payer.address);
    const db = await getDb();
    const paymentsBefore = await db.payment.count();
    let runs = 0;
    for (const [code, payload] of cases) {
      const response = await paidCall(post({ [PAYMENT_SIGNATURE_HEADER]: header(payload) }), async () => void runs++);
      expect({ code: await errorCode(response), status: response.status }).toEqual({ code, status: ERROR_STATUS[code as keyof typeof ERROR_STATUS] });
    }
    const garbage = await paidCall(post({ [PAYMENT_SIGNATURE_HEADER]: "not base64 at all!" }), async () => void runs++);
    expect(await errorCode(garbage)).toBe("x402_malformed");
    expect(runs).toBe(0);
    expect(await db.payment.count()).toBe(paymentsBefore);
    expect(await chain.balanceOf(payer.address)).toBe(before);
  });

  it("20 concurrent calls with the same payload: one job, one Payment row, one settlement", async () => {
    const requirements = await requirementsFor();
    const payload = await signPayload({ requirements });
    const before = await chain.balanceOf(payer.address);
    let runs = 0;
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        paidCall(post({ [PAYMENT_SIGNATURE_HEADER]: header(payload) }), async () => {
          runs++;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }),
      ),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(19);
    expect(runs).toBe(1);
    const nonce = (payload.payload.authorization as { nonce: string }).nonce;
    expect(await (await getDb()).payment.count({ where: { externalRef: { endsWith: nonce } } })).toBe(1);
    expect(await chain.balanceOf(payer.address)).toBe(before - price);
  });

  it("MCP: _meta[\"x402/payment\"] carries the same payload for the same verify path", async () => {
    const service = await getServiceOrThrow(SERVICE);
    const payload = await signPayload({ requirements: await requirementsFor() });
    expect(paymentFromMcpMeta(undefined)).toBeNull();
    expect(paymentFromMcpMeta({ other: 1 })).toBeNull();
    const fromMeta = paymentFromMcpMeta({ "x402/payment": payload });
    const verified = await verifyX402Payment({ payload: fromMeta, service });
    expect(verified.payer).toBe(payer.address);
    expect(verified.value).toBe(price.toString());
    const fromBase64 = paymentFromMcpMeta({ "x402.payment": header(payload) });
    expect(fromBase64).toEqual(payload);
  });
});

describe("x402 settlement through an HTTP facilitator", () => {
  let dispose: () => Promise<void>;
  let facilitator: Awaited<ReturnType<typeof startHttpServer>>;
  const calls: string[] = [];

  beforeAll(async () => {
    ({ dispose } = await useTestDb(testDbTargets()[0]!));
    // A facilitator on 127.0.0.1 speaking the x402 HTTP API (/verify, /settle), backed by the
    // reference in-process facilitator against anvil (what x402.org or CDP would do on a real chain).
    const backing = createRpcSettler({ rpcUrl: chain.rpcUrl, privateKey: DEV_KEYS.stranger, network: "eip155:31337", chainId: 31337 });
    facilitator = await startHttpServer((req, res) => {
      let raw = "";
      req.on("data", (chunk: Buffer) => void (raw += chunk.toString()));
      req.on("end", () => {
        void (async () => {
          calls.push(req.url ?? "");
          const body = JSON.parse(raw) as { x402Version: number; paymentPayload: PaymentPayload; paymentRequirements: PaymentRequirements };
          expect(body.x402Version).toBe(2);
          let answer: unknown;
          if (req.url === "/verify") answer = await backing.verify(body.paymentPayload, body.paymentRequirements);
          else {
            const settled = await backing.settle(body.paymentPayload, body.paymentRequirements);
            answer = { success: true, transaction: settled.txHash, network: "eip155:31337", payer: settled.payer };
          }
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
        })();
      });
    });
    process.env.X402_FACILITATOR_URL = facilitator.origin;
    resetEnvCache();
  });
  afterAll(async () => {
    process.env.X402_FACILITATOR_URL = "";
    resetEnvCache();
    await facilitator?.close();
    await dispose?.();
  });

  it("verifies and settles through POST /verify and /settle: balances move once, txHash recorded", async () => {
    const requirements = await requirementsFor();
    const payload = await signPayload({ requirements });
    const before = await chain.balanceOf(payTo);
    const response = await paidCall(post({ [PAYMENT_SIGNATURE_HEADER]: header(payload) }), async () => undefined);
    expect(response.status).toBe(200);
    expect(calls).toEqual(["/verify", "/settle"]);
    const settle = decodePaymentResponseHeader(response.headers.get(PAYMENT_RESPONSE_HEADER)!);
    expect(settle.success).toBe(true);
    const { paymentId } = (await response.json()) as { paymentId: string };
    expect((await (await getDb()).payment.findUniqueOrThrow({ where: { id: paymentId } })).txHash).toBe(settle.transaction);
    expect(await chain.balanceOf(payTo)).toBe(before + BigInt(requirements.amount));
  });
});
