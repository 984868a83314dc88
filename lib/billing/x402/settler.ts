import "server-only";
import { x402Facilitator } from "@x402/core/facilitator";
import { HTTPFacilitatorClient } from "@x402/core/http";
import type { PaymentPayload, PaymentRequirements, SettleResponse, VerifyResponse } from "@x402/core/types";
import { toFacilitatorEvmSigner } from "@x402/evm";
import { ExactEvmScheme } from "@x402/evm/exact/facilitator";
import { createWalletClient, defineChain, http, publicActions } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { X402Config } from "./config";

type X402SettleResult = { txHash: string; payer: string };

/** Why a settlement did not happen; `txHash` is set when a transaction was broadcast but not confirmed. */
export class X402SettleError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly txHash: string | null = null,
  ) {
    super(message);
    this.name = "X402SettleError";
  }
}

/**
 * Moves the money of one verified payment: a facilitator's `/settle`, or our own
 * `transferWithAuthorization` against a chain RPC. `verify` is the on-chain pre-check
 * (balance, nonce not used on chain) done before any work starts.
 */
export interface X402Settler {
  readonly kind: "facilitator" | "rpc";
  verify(
    payload: PaymentPayload,
    requirements: PaymentRequirements,
  ): Promise<{ isValid: boolean; invalidReason?: string; invalidMessage?: string }>;
  /** Resolves on a confirmed transfer; rejects with X402SettleError otherwise. */
  settle(payload: PaymentPayload, requirements: PaymentRequirements): Promise<X402SettleResult>;
}

type FacilitatorLike = {
  verify(payload: PaymentPayload, requirements: PaymentRequirements): Promise<VerifyResponse>;
  settle(payload: PaymentPayload, requirements: PaymentRequirements): Promise<SettleResponse>;
};

function wrap(kind: X402Settler["kind"], facilitator: FacilitatorLike): X402Settler {
  return {
    kind,
    async verify(payload, requirements) {
      try {
        const result = await facilitator.verify(payload, requirements);
        return { isValid: result.isValid, invalidReason: result.invalidReason, invalidMessage: result.invalidMessage };
      } catch (error) {
        // HTTPFacilitatorClient throws VerifyError (with the body's invalidReason) on non-2xx answers.
        const reason = (error as { invalidReason?: string }).invalidReason;
        if (reason) return { isValid: false, invalidReason: reason, invalidMessage: (error as Error).message };
        throw error;
      }
    },
    async settle(payload, requirements) {
      let result: SettleResponse;
      try {
        result = await facilitator.settle(payload, requirements);
      } catch (error) {
        const body = error as { errorReason?: string; transaction?: string; message?: string };
        throw new X402SettleError(
          body.errorReason ?? "unexpected_settle_error",
          body.message ?? String(error),
          body.transaction || null,
        );
      }
      if (!result.success || !result.transaction) {
        throw new X402SettleError(
          result.errorReason ?? "settle_failed",
          result.errorMessage ?? result.errorReason ?? "The settlement failed.",
          result.transaction || null,
        );
      }
      return { txHash: result.transaction, payer: result.payer ?? "" };
    },
  };
}

/** Settlement through an x402 facilitator's HTTP API (`POST {url}/verify`, `POST {url}/settle`). */
function createFacilitatorSettler(url: string): X402Settler {
  return wrap("facilitator", new HTTPFacilitatorClient({ url }));
}

/**
 * Settlement directly against a chain: the seller's key sends `transferWithAuthorization` (and pays
 * the gas) through the reference in-process facilitator (`x402Facilitator` + `ExactEvmScheme`).
 */
export function createRpcSettler(params: {
  rpcUrl: string;
  privateKey: `0x${string}`;
  network: X402Config["network"];
  chainId: number;
  confirmationTimeoutMs?: number;
}): X402Settler {
  const account = privateKeyToAccount(params.privateKey);
  const chain = defineChain({
    id: params.chainId,
    name: params.network,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [params.rpcUrl] } },
  });
  const client = createWalletClient({ account, chain, transport: http(params.rpcUrl) }).extend(publicActions);
  const signer = toFacilitatorEvmSigner(
    {
      address: account.address,
      readContract: (args) => client.readContract(args),
      verifyTypedData: (args) => client.verifyTypedData(args as Parameters<typeof client.verifyTypedData>[0]),
      writeContract: (args) => client.writeContract(args),
      sendTransaction: (args) => client.sendTransaction(args),
      waitForTransactionReceipt: (args) => client.waitForTransactionReceipt(args),
      getCode: (args) => client.getCode(args),
    },
    { confirmationTimeoutMs: params.confirmationTimeoutMs ?? 60_000 },
  );
  const facilitator = new x402Facilitator().register(params.network, new ExactEvmScheme(signer));
  return wrap("rpc", facilitator);
}

let override: X402Settler | null = null;
const cache = new Map<string, X402Settler>();

/** The settler for this configuration (one per settings combination, reused). */
export function getX402Settler(config: X402Config): X402Settler {
  if (override) return override;
  const s = config.settlement;
  const key = s.kind === "facilitator" ? `f:${s.url}` : `r:${s.rpcUrl}:${config.network}:${s.privateKey.slice(-8)}`;
  let settler = cache.get(key);
  if (!settler) {
    settler =
      s.kind === "facilitator"
        ? createFacilitatorSettler(s.url)
        : createRpcSettler({
            rpcUrl: s.rpcUrl,
            privateKey: s.privateKey,
            network: config.network,
            chainId: config.chainId,
          });
    cache.set(key, settler);
  }
  return settler;
}

/** Tests only: route settlements through this settler (or back to the configured one with `null`). */
export function setX402SettlerForTests(settler: X402Settler | null): void {
  override = settler;
}
