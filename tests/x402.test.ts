import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { x402Client } from "@x402/core/client";
import {
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  encodePaymentSignatureHeader,
} from "@x402/core/http";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPayment } from "@x402/fetch";
import { toHex, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getServiceOrThrow } from "@/lib/catalog/catalog";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { AppError, ERROR_STATUS } from "@/lib/errors";
import {
  PAYMENT_REQUIRED_HEADER,
  PAYMENT_RESPONSE_HEADER,
  PAYMENT_SIGNATURE_HEADER,
  buildPaymentRequired,
  createRpcSettler,
  getX402Config,
  getX402Settler,
  X402SettleError,
  x402ExternalRef,
  paymentFromMcpMeta,
  setX402SettlerForTests,
  settleX402Payment,
  type VerifiedX402Payment,
  verifyX402Payment,
} from "@/lib/billing/x402";
import { TRANSFER_WITH_AUTHORIZATION_TYPES } from "@/lib/billing/x402/verify";
import { BASE, jsonRequest, params, startHttpServer, prepareScratchEnv } from "./helpers/paid-api";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { POST as mcpPost } from "@/app/api/mcp/route";
import { POST as callTool } from "@/app/api/tools/[serviceId]/route";
import { storeAsset } from "@/lib/assets/assets";
import { executeJob } from "@/lib/jobs/execute";
import { startWorkers, type WorkerHandle } from "@/lib/jobs/worker";
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
  dataDir = await prepareScratchEnv({
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

/** A 96×64 landscape: clear blue sky gradient over dark ground (for prompt-segmentation "sky"). */
async function makeSkyPhoto(): Promise<Buffer> {
  const [width, height] = [96, 64];
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const sky = y < height * 0.55;
      const t = y / height;
      raw[i] = sky ? Math.round(70 + 90 * t) : 40 + ((x * 7 + y * 13) % 20);
      raw[i + 1] = sky ? Math.round(130 + 80 * t) : 70 + ((x * 5 + y * 3) % 25);
      raw[i + 2] = sky ? 235 : 30 + ((x + y) % 15);
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** A real x402 client (@x402/fetch + @x402/evm exact) whose fetch calls the handler in-process. */
function payingFetch(handler: (req: Request) => Promise<Response>) {
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: payer });
  // 2.27 spend controls: unknown assets are refused unless opted in.
  client.setSpendControls({
    allowedAssets: [{ network: "eip155:31337", asset: chain.token, maxAmountPerPayment: "1000000" }],
  });
  const local = async (input: RequestInfo | URL, init?: RequestInit) =>
    handler(input instanceof Request ? input : new Request(input, init));
  return wrapFetchWithPayment(local, client);
}

async function requirementsFor(call: () => Promise<Response>): Promise<PaymentRequirements> {
  const response = await call();
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
    domain: {
      name: chain.tokenName,
      version: chain.tokenVersion,
      chainId: params.chainId ?? chain.chainId,
      verifyingContract: params.requirements.asset as Hex,
    },
    types: TRANSFER_WITH_AUTHORIZATION_TYPES,
    primaryType: "TransferWithAuthorization",
    message: {
      ...authorization,
      value: BigInt(authorization.value),
      validAfter: 0n,
      validBefore: BigInt(authorization.validBefore),
      nonce: authorization.nonce,
    },
  });
  return {
    x402Version: 2,
    resource: { url: `${BASE}/api/tools/${SERVICE}` },
    accepted: { ...params.requirements, ...params.accepted },
    payload: { signature, authorization },
  };
}

/** The VerifiedX402Payment of an already-used payload (verify refuses it as replayed by design). */
function rebuildVerified(payload: PaymentPayload): VerifiedX402Payment {
  const auth = payload.payload.authorization as {
    from: `0x${string}`;
    value: string;
    validBefore: string;
    nonce: `0x${string}`;
  };
  return {
    serviceId: SERVICE,
    payload,
    requirements: payload.accepted,
    network: payload.accepted.network,
    asset: payload.accepted.asset as `0x${string}`,
    payer: auth.from,
    nonce: auth.nonce,
    value: auth.value,
    validBefore: Number(auth.validBefore),
    externalRef: x402ExternalRef({
      network: payload.accepted.network,
      asset: payload.accepted.asset,
      payer: auth.from,
      nonce: auth.nonce,
    }),
    amountMinor: Number(BigInt(auth.value) / 10_000n),
    currency: "USD",
  };
}

const header = (payload: unknown) => encodePaymentSignatureHeader(payload as PaymentPayload);
const errorCode = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

describe.each(testDbTargets())("x402 through the paid API route (POST /api/tools/{service}) on $name", (target) => {
  let dispose: () => Promise<void>;
  let workers: WorkerHandle;
  let photoAssetId: string;
  let price: bigint;
  let jobsRun = 0;
  let failJobs = false;
  const toolUrl = `${BASE}/api/tools/${SERVICE}`;
  const body = () => ({ imageAssetId: photoAssetId, prompt: "sky" });
  const callRoute = (headers: Record<string, string> = {}) =>
    callTool(jsonRequest(`/api/tools/${SERVICE}`, body(), headers), params({ serviceId: SERVICE }));

  beforeAll(async () => {
    ({ dispose } = await useTestDb(target));
    price = BigInt((await getServiceOrThrow(SERVICE)).priceMinor) * 10_000n;
    const sky = await makeSkyPhoto();
    photoAssetId = (await storeAsset({ kind: "upload", bytes: sky, mime: "image/jpeg", width: 96, height: 64 })).id;
    // The real job path (queue, worker, embedded engine); `failJobs` turns the edit into a failure.
    workers = startWorkers({
      concurrency: 1,
      leaseSeconds: 30,
      pollMs: 50,
      execute: async (job, ctx) => {
        jobsRun++;
        if (failJobs) throw new AppError("engine_failed", "The engine broke (test).");
        return executeJob(job, ctx);
      },
    });
  });
  afterAll(async () => {
    await workers?.stop();
    await dispose?.();
  });

  it("answers an unpaid call with 402: PAYMENT-REQUIRED (x402 v2) next to the token instructions", async () => {
    const response = await callRoute();
    expect(response.status).toBe(402);
    const required = decodePaymentRequiredHeader(response.headers.get(PAYMENT_REQUIRED_HEADER)!);
    expect(required.x402Version).toBe(2);
    expect(required.resource.url).toBe(toolUrl);
    expect(required.accepts).toEqual([
      {
        scheme: "exact",
        network: "eip155:31337",
        amount: price.toString(),
        asset: chain.token,
        payTo,
        maxTimeoutSeconds: 300,
        extra: { name: "USD Coin", version: "2" },
      },
    ]);
    const json = (await response.json()) as {
      accepts: unknown[];
      x402Version: number;
      payment: { paymentHeader: string };
      error: { code: string };
    };
    expect(json).toMatchObject({
      x402Version: 2,
      accepts: required.accepts,
      payment: { paymentHeader: "X-Payment-Token" },
      error: { code: "payment_required" },
    });
    // USD 0.20 → "200000" for 6 decimals.
    expect(
      buildPaymentRequired({ service: await getServiceOrThrow("sky-replacement"), resourceUrl: toolUrl }).object
        .accepts[0]!.amount,
    ).toBe("200000");
  });

  it("a real x402 client pays one call: the mask comes back with PAYMENT-RESPONSE, balances move by exactly the price", async () => {
    const [payerBefore, payToBefore] = [await chain.balanceOf(payer.address), await chain.balanceOf(payTo)];
    const runsBefore = jobsRun;
    const response = await payingFetch((req) => callTool(req, params({ serviceId: SERVICE })))(toolUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body()),
    });
    const json = (await response.json()) as { data: { JobId: string; MaskURL: string; Charged: boolean } };
    expect(response.status, JSON.stringify(json)).toBe(200);
    expect(jobsRun - runsBefore).toBe(1);
    expect(json.data.MaskURL).toMatch(/^http/);
    expect(json.data.Charged).toBe(true);
    const settle = decodePaymentResponseHeader(response.headers.get(PAYMENT_RESPONSE_HEADER)!);
    expect(settle).toMatchObject({
      success: true,
      network: "eip155:31337",
      payer: payer.address,
      amount: price.toString(),
    });
    expect(settle.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await chain.balanceOf(payer.address)).toBe(payerBefore - price);
    expect(await chain.balanceOf(payTo)).toBe(payToBefore + price);

    const db = await getDb();
    const job = await db.job.findUniqueOrThrow({ where: { id: json.data.JobId } });
    expect(job.status).toBe("succeeded");
    const payment = await db.payment.findUniqueOrThrow({ where: { id: job.paymentId! } });
    expect(payment).toMatchObject({
      method: "x402",
      status: "captured",
      payer: payer.address,
      txHash: settle.transaction,
      amountMinor: Number(price / 10_000n),
      currency: "USD",
    });
    expect(payment.externalRef).toMatch(
      new RegExp(`^x402:eip155:31337:${chain.token.toLowerCase()}:${payer.address.toLowerCase()}:0x[0-9a-f]{64}$`),
    );
    const ledger = await db.ledgerEntry.findMany({ where: { paymentId: payment.id }, orderBy: { createdAt: "asc" } });
    expect(ledger.map((entry) => entry.kind)).toEqual(["authorize", "capture"]);
  });

  it("a failed job is never settled: no transfer on chain, payment released, and its payload cannot be replayed", async () => {
    const payload = await signPayload({ requirements: await requirementsFor(callRoute) });
    const before = await chain.balanceOf(payer.address);
    failJobs = true;
    let failed: Response;
    try {
      failed = await callRoute({ [PAYMENT_SIGNATURE_HEADER]: header(payload) });
    } finally {
      failJobs = false;
    }
    expect(failed.status).toBe(500);
    const json = (await failed.json()) as { data: { JobId: string; Charged: boolean }; error: { code: string } };
    expect(json).toMatchObject({ error: { code: "engine_failed" }, data: { Charged: false } });
    expect(failed.headers.get(PAYMENT_RESPONSE_HEADER)).toBeNull();
    expect(await chain.balanceOf(payer.address)).toBe(before);
    const db = await getDb();
    const job = await db.job.findUniqueOrThrow({ where: { id: json.data.JobId } });
    const payment = await db.payment.findUniqueOrThrow({ where: { id: job.paymentId! } });
    expect(payment).toMatchObject({ method: "x402", status: "released", txHash: null });
    expect(
      (await db.ledgerEntry.findMany({ where: { paymentId: payment.id }, orderBy: { createdAt: "asc" } })).map(
        (e) => e.kind,
      ),
    ).toEqual(["authorize", "release"]);

    const runsBefore = jobsRun;
    const replay = await callRoute({ [PAYMENT_SIGNATURE_HEADER]: header(payload) });
    expect(replay.status).toBe(409);
    expect(await errorCode(replay)).toBe("x402_replayed");
    expect(jobsRun).toBe(runsBefore);
  });

  it("a replayed payload is refused with x402_replayed and starts no second job", async () => {
    const payload = await signPayload({ requirements: await requirementsFor(callRoute) });
    const first = await callRoute({ [PAYMENT_SIGNATURE_HEADER]: header(payload) });
    expect(first.status).toBe(200);
    const after = await chain.balanceOf(payer.address);
    const jobsBefore = await (await getDb()).job.count();
    const replay = await callRoute({ [PAYMENT_SIGNATURE_HEADER]: header(payload) });
    expect(replay.status).toBe(409);
    expect(await errorCode(replay)).toBe("x402_replayed");
    expect(await (await getDb()).job.count()).toBe(jobsBefore);
    expect(await chain.balanceOf(payer.address)).toBe(after);
  });

  it("refuses bent payments with distinct codes and queues nothing", async () => {
    const requirements = await requirementsFor(callRoute);
    const now = Math.floor(Date.now() / 1000);
    const tampered = await signPayload({ requirements });
    (tampered.payload.authorization as { value: string }).value = "1";
    const overpaid = await signPayload({
      requirements,
      value: (BigInt(requirements.amount) * 2n).toString(),
      accepted: { amount: (BigInt(requirements.amount) * 2n).toString() },
    });
    const cases: Array<[string, unknown]> = [
      ["x402_amount_mismatch", tampered],
      ["x402_amount_mismatch", overpaid],
      [
        "x402_wrong_recipient",
        await signPayload({ requirements, to: stranger.address, accepted: { payTo: stranger.address } }),
      ],
      ["x402_expired", await signPayload({ requirements, validBefore: now + 10 })],
      ["x402_expired", await signPayload({ requirements, validBefore: now - 60 })],
      ["x402_wrong_network", await signPayload({ requirements, chainId: 8453, accepted: { network: "eip155:8453" } })],
      ["x402_wrong_asset", await signPayload({ requirements, accepted: { asset: stranger.address } })],
      ["x402_invalid_signature", await signPayload({ requirements, signer: stranger })],
      ["x402_malformed", { x402Version: 1, scheme: "exact", network: "base", payload: {} }],
    ];
    const before = await chain.balanceOf(payer.address);
    const db = await getDb();
    const [paymentsBefore, jobsBefore] = [await db.payment.count(), await db.job.count()];
    for (const [code, payload] of cases) {
      const response = await callRoute({ [PAYMENT_SIGNATURE_HEADER]: header(payload) });
      expect({ code: await errorCode(response), status: response.status }).toEqual({
        code,
        status: ERROR_STATUS[code as keyof typeof ERROR_STATUS],
      });
      // A refused payment still tells the client how to pay.
      expect(response.headers.get(PAYMENT_REQUIRED_HEADER)).toBeTruthy();
    }
    const garbage = await callRoute({ [PAYMENT_SIGNATURE_HEADER]: "not base64 at all!" });
    expect(await errorCode(garbage)).toBe("x402_malformed");
    expect([await db.payment.count(), await db.job.count()]).toEqual([paymentsBefore, jobsBefore]);
    expect(await chain.balanceOf(payer.address)).toBe(before);
  });

  it("20 concurrent calls with the same payload: one job, one Payment row, one settlement", async () => {
    const payload = await signPayload({ requirements: await requirementsFor(callRoute) });
    const before = await chain.balanceOf(payer.address);
    const db = await getDb();
    const jobsBefore = await db.job.count();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => callRoute({ [PAYMENT_SIGNATURE_HEADER]: header(payload) })),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(19);
    for (const response of responses.filter((r) => r.status === 409))
      expect(await errorCode(response)).toBe("x402_replayed");
    expect(await db.job.count()).toBe(jobsBefore + 1);
    const nonce = (payload.payload.authorization as { nonce: string }).nonce;
    expect(await db.payment.count({ where: { externalRef: { endsWith: nonce } } })).toBe(1);
    expect(await chain.balanceOf(payer.address)).toBe(before - price);
  });

  it("settles through an HTTP facilitator (POST /verify, /settle) when X402_FACILITATOR_URL is set", async () => {
    // A facilitator on 127.0.0.1 speaking the x402 HTTP API, backed by the reference in-process
    // facilitator against anvil (what x402.org or CDP do on a real chain).
    const backing = createRpcSettler({
      rpcUrl: chain.rpcUrl,
      privateKey: DEV_KEYS.stranger,
      network: "eip155:31337",
      chainId: 31337,
    });
    const calls: string[] = [];
    const facilitator = await startHttpServer((req, res) => {
      let raw = "";
      req.on("data", (chunk: Buffer) => void (raw += chunk.toString()));
      req.on("end", () => {
        void (async () => {
          calls.push(req.url ?? "");
          const request = JSON.parse(raw) as {
            x402Version: number;
            paymentPayload: PaymentPayload;
            paymentRequirements: PaymentRequirements;
          };
          let answer: unknown;
          if (req.url === "/verify") answer = await backing.verify(request.paymentPayload, request.paymentRequirements);
          else {
            const settled = await backing.settle(request.paymentPayload, request.paymentRequirements);
            answer = { success: true, transaction: settled.txHash, network: "eip155:31337", payer: settled.payer };
          }
          res
            .writeHead(200, { "content-type": "application/json" })
            .end(JSON.stringify({ ...(answer as object), x402Version: request.x402Version }));
        })();
      });
    });
    process.env.X402_FACILITATOR_URL = facilitator.origin;
    resetEnvCache();
    try {
      const payload = await signPayload({ requirements: await requirementsFor(callRoute) });
      const before = await chain.balanceOf(payTo);
      const response = await callRoute({ [PAYMENT_SIGNATURE_HEADER]: header(payload) });
      expect(response.status).toBe(200);
      expect(calls).toEqual(["/verify", "/settle"]);
      const settle = decodePaymentResponseHeader(response.headers.get(PAYMENT_RESPONSE_HEADER)!);
      expect(settle.success).toBe(true);
      const { data } = (await response.json()) as { data: { JobId: string } };
      const job = await (
        await getDb()
      ).job.findUniqueOrThrow({ where: { id: data.JobId }, include: { payment: true } });
      expect(job.payment?.txHash).toBe(settle.transaction);
      expect(await chain.balanceOf(payTo)).toBe(before + price);
    } finally {
      process.env.X402_FACILITATOR_URL = "";
      resetEnvCache();
      await facilitator.close();
    }
  });

  it("a failed settlement withholds the result: 402 x402_settlement_failed, PAYMENT-RESPONSE success:false, payment released", async () => {
    const payload = await signPayload({ requirements: await requirementsFor(callRoute) });
    const before = await chain.balanceOf(payer.address);
    const real = getX402Settler(getX402Config());
    setX402SettlerForTests({
      kind: "rpc",
      verify: (p, r) => real.verify(p, r),
      settle: async () => Promise.reject(new X402SettleError("unexpected_settle_error", "RPC down (test)")),
    });
    let response: Response;
    try {
      response = await callRoute({ [PAYMENT_SIGNATURE_HEADER]: header(payload) });
    } finally {
      setX402SettlerForTests(null);
    }
    expect(response.status).toBe(402);
    const json = (await response.json()) as { data: Record<string, unknown>; error: { code: string } };
    expect(json.error.code).toBe("x402_settlement_failed");
    expect(json.data).not.toHaveProperty("ImageURL");
    expect(json.data).not.toHaveProperty("MaskURL");
    expect(decodePaymentResponseHeader(response.headers.get(PAYMENT_RESPONSE_HEADER)!)).toMatchObject({
      success: false,
      errorReason: "unexpected_settle_error",
    });
    expect(await chain.balanceOf(payer.address)).toBe(before);
    const job = await (
      await getDb()
    ).job.findUniqueOrThrow({ where: { id: json.data.JobId as string }, include: { payment: true } });
    expect(job.payment).toMatchObject({ status: "released", txHash: null });
  });

  it("settling the same payment twice sends one transaction and returns the recorded one", async () => {
    const payload = await signPayload({ requirements: await requirementsFor(callRoute) });
    const response = await callRoute({ [PAYMENT_SIGNATURE_HEADER]: header(payload) });
    expect(response.status).toBe(200);
    const { data } = (await response.json()) as { data: { JobId: string } };
    const job = await (await getDb()).job.findUniqueOrThrow({ where: { id: data.JobId } });
    const before = await chain.balanceOf(payer.address);
    const verified = await verifyX402Payment({
      payload,
      service: await getServiceOrThrow(SERVICE),
      onChain: false,
    }).catch((error: unknown) => error);
    expect((verified as AppError).code).toBe("x402_replayed");
    const again = await settleX402Payment({
      verified: rebuildVerified(payload),
      paymentId: job.paymentId!,
      jobId: job.id,
    });
    expect(again.ok && again.txHash).toBe(
      decodePaymentResponseHeader(response.headers.get(PAYMENT_RESPONSE_HEADER)!).transaction,
    );
    expect(await chain.balanceOf(payer.address)).toBe(before);
  });

  it('MCP: a tools/call paid with _meta["x402/payment"] returns the mask with _meta["x402/payment-response"]', async () => {
    const payload = await signPayload({ requirements: await requirementsFor(callRoute) });
    const before = await chain.balanceOf(payTo);
    const client = new Client({ name: "x402-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${BASE}/api/mcp`), {
        fetch: (input, init) => mcpPost(new Request(input, init)),
      }),
    );
    try {
      const unpaid = await client.callTool({ name: "prompt_segmentation", arguments: body() });
      expect(unpaid.isError).toBe(true);
      expect(
        (unpaid.structuredContent as { x402Version: number; accepts: PaymentRequirements[] }).accepts[0]!.amount,
      ).toBe(price.toString());

      const paid = await client.callTool({
        name: "prompt_segmentation",
        arguments: body(),
        _meta: { "x402/payment": payload },
      });
      expect(paid.isError, JSON.stringify(paid.structuredContent)).toBe(false);
      expect((paid.structuredContent as { data: { MaskURL: string } }).data.MaskURL).toMatch(/^http/);
      const settle = (paid._meta as Record<string, { success: boolean; transaction: string; payer: string }>)[
        "x402/payment-response"
      ]!;
      expect(settle).toMatchObject({ success: true, payer: payer.address });
      expect(await chain.balanceOf(payTo)).toBe(before + price);

      const replay = await client.callTool({
        name: "prompt_segmentation",
        arguments: body(),
        _meta: { "x402/payment": payload },
      });
      expect(replay.isError).toBe(true);
      expect((replay.structuredContent as { error: { code: string } }).error.code).toBe("x402_replayed");
    } finally {
      await client.close();
    }
    // The same payload object, or a base64 string (early x402-mcp used `x402.payment`).
    expect(paymentFromMcpMeta(undefined)).toBeNull();
    expect(paymentFromMcpMeta({ other: 1 })).toBeNull();
    expect(paymentFromMcpMeta({ "x402.payment": header(payload) })).toEqual(payload);
  });
});
