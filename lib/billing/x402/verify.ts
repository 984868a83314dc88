import "server-only";
import { decodePaymentSignatureHeader } from "@x402/core/http";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { getAddress, isAddress, verifyTypedData } from "viem";
import { z } from "zod";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getX402Config, type X402Config } from "./config";
import { buildPaymentRequirements, type X402Service } from "./requirements";
import { getX402Settler } from "./settler";

const hex = (bytes?: number) =>
  z.string().regex(bytes ? new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`) : /^0x[0-9a-fA-F]*$/);
const uintString = z.string().regex(/^\d{1,78}$/);
const address = z.string().refine((value) => isAddress(value, { strict: false }), "not an address");

/** The v2 `exact` EVM payload with an EIP-3009 authorisation (scheme_exact_evm.md). */
const payloadSchema = z.object({
  x402Version: z.literal(2),
  resource: z.object({ url: z.string() }).passthrough().optional(),
  accepted: z
    .object({
      scheme: z.literal("exact"),
      network: z.string(),
      asset: z.string(),
      amount: z.string(),
      payTo: z.string(),
      maxTimeoutSeconds: z.number(),
      extra: z.record(z.string(), z.unknown()).optional().default({}),
    })
    .passthrough(),
  payload: z.object({
    signature: hex(),
    authorization: z.object({
      from: address,
      to: address,
      value: uintString,
      validAfter: uintString,
      validBefore: uintString,
      nonce: hex(32),
    }),
  }),
  extensions: z.record(z.string(), z.unknown()).optional(),
});

/** A payment that passed every check; what reserve and settle work with. */
export type VerifiedX402Payment = {
  serviceId: string;
  /** The payload as received (sent on to the settler). */
  payload: PaymentPayload;
  /** Our requirement it was checked against (sent on to the settler). */
  requirements: PaymentRequirements;
  network: string;
  asset: `0x${string}`;
  payer: `0x${string}`;
  nonce: `0x${string}`;
  /** Atomic units, decimal string. */
  value: string;
  /** Unix seconds. */
  validBefore: number;
  /** `x402:<network>:<asset>:<payer>:<nonce>` (lower case): unique per authorisation (Payment.externalRef). */
  externalRef: string;
  amountMinor: number;
  currency: string;
};

export const TRANSFER_WITH_AUTHORIZATION_TYPES = {
  TransferWithAuthorization: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "validAfter", type: "uint256" },
    { name: "validBefore", type: "uint256" },
    { name: "nonce", type: "bytes32" },
  ],
} as const;

export function x402ExternalRef(params: { network: string; asset: string; payer: string; nonce: string }): string {
  return `x402:${params.network}:${params.asset.toLowerCase()}:${params.payer.toLowerCase()}:${params.nonce.toLowerCase()}`;
}

/** The payload object of a `PAYMENT-SIGNATURE` header value (base64 JSON), or `x402_malformed`. */
export function decodeX402Header(header: string): unknown {
  try {
    return decodePaymentSignatureHeader(header.trim());
  } catch (error) {
    throw new AppError("x402_malformed", "The PAYMENT-SIGNATURE header is not base64-encoded JSON.", { cause: error });
  }
}

const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Checks an x402 v2 payment for one call of `service` without touching the chain: shape, network,
 * asset, recipient, amount (must equal the price: `exact` in v2), time window (enough left for the
 * job and the settlement), the EIP-712 signature of the EIP-3009 authorisation (EOA signatures
 * only), and that this authorisation was never used here before. Then, unless `onChain` is false,
 * the settler's pre-check (balance, nonce unused on chain). Throws AppError `x402_*`.
 */
export async function verifyX402Payment(params: {
  /** The `PAYMENT-SIGNATURE` header value… */
  header?: string | null;
  /** …or an already-decoded payload (MCP `_meta["x402/payment"]`). */
  payload?: unknown;
  service: X402Service;
  config?: X402Config;
  now?: Date;
  /** Ask the settler (facilitator /verify or an eth_call simulation) too. Default true. */
  onChain?: boolean;
}): Promise<VerifiedX402Payment> {
  const config = params.config ?? getX402Config();
  const raw = params.payload ?? (params.header ? decodeX402Header(params.header) : undefined);
  if (raw === undefined || raw === null) throw new AppError("x402_malformed", "No x402 payment was given.");
  const parsed = payloadSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError(
      "x402_malformed",
      "The x402 payment is not an x402 v2 `exact` EVM payload with an EIP-3009 authorization.",
      {
        details: parsed.error.issues
          .slice(0, 5)
          .map((issue) => ({ path: issue.path.join("."), message: issue.message })),
      },
    );
  }
  const payment = parsed.data;
  const auth = payment.payload.authorization;
  const requirements = buildPaymentRequirements(params.service, config);

  if (payment.accepted.network !== config.network) {
    throw new AppError(
      "x402_wrong_network",
      `This server takes payments on ${config.network}, not ${payment.accepted.network}.`,
      {
        details: { expected: config.network, got: payment.accepted.network },
      },
    );
  }
  if (!sameAddress(payment.accepted.asset, config.asset)) {
    throw new AppError(
      "x402_wrong_asset",
      `This server takes the asset ${config.asset}, not ${payment.accepted.asset}.`,
      {
        details: { expected: config.asset, got: payment.accepted.asset },
      },
    );
  }
  if (!sameAddress(auth.to, config.payTo) || !sameAddress(payment.accepted.payTo, config.payTo)) {
    throw new AppError("x402_wrong_recipient", `The authorization must pay ${config.payTo}.`, {
      details: { expected: config.payTo, got: auth.to },
    });
  }
  if (auth.value !== requirements.amount || payment.accepted.amount !== requirements.amount) {
    throw new AppError(
      "x402_amount_mismatch",
      `${params.service.name} costs exactly ${requirements.amount} atomic units of the asset.`,
      {
        details: { expected: requirements.amount, got: auth.value },
      },
    );
  }
  const nowSeconds = Math.floor((params.now ?? new Date()).getTime() / 1000);
  const validAfter = Number(auth.validAfter);
  const validBefore = Number(auth.validBefore);
  if (validAfter > nowSeconds) {
    throw new AppError("x402_expired", "The authorization is not valid yet (validAfter is in the future).", {
      details: { validAfter, now: nowSeconds },
    });
  }
  if (validBefore < nowSeconds + config.minValiditySeconds) {
    throw new AppError(
      "x402_expired",
      `The authorization expires too soon: it must stay valid at least ${config.minValiditySeconds} s for the edit and its settlement (sign with validBefore = now + ${config.maxTimeoutSeconds}).`,
      { details: { validBefore, now: nowSeconds, minValiditySeconds: config.minValiditySeconds } },
    );
  }

  let signatureOk = false;
  try {
    signatureOk = await verifyTypedData({
      address: getAddress(auth.from),
      domain: {
        name: config.assetName,
        version: config.assetVersion,
        chainId: config.chainId,
        verifyingContract: config.asset,
      },
      types: TRANSFER_WITH_AUTHORIZATION_TYPES,
      primaryType: "TransferWithAuthorization",
      message: {
        from: getAddress(auth.from),
        to: getAddress(auth.to),
        value: BigInt(auth.value),
        validAfter: BigInt(auth.validAfter),
        validBefore: BigInt(auth.validBefore),
        nonce: auth.nonce as `0x${string}`,
      },
      signature: payment.payload.signature as `0x${string}`,
    });
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) {
    throw new AppError(
      "x402_invalid_signature",
      "The signature does not match the authorization (only EOA signatures are accepted).",
    );
  }

  const verified: VerifiedX402Payment = {
    serviceId: params.service.id,
    payload: raw as PaymentPayload,
    requirements,
    network: config.network,
    asset: config.asset,
    payer: getAddress(auth.from),
    nonce: auth.nonce.toLowerCase() as `0x${string}`,
    value: auth.value,
    validBefore,
    externalRef: x402ExternalRef({ network: config.network, asset: config.asset, payer: auth.from, nonce: auth.nonce }),
    amountMinor: params.service.priceMinor,
    currency: params.service.currency,
  };

  // A cheap early answer for replays; the unique externalRef in reserveX402Payment decides races.
  const db = await getDb();
  const used = await db.payment.findUnique({
    where: { externalRef: verified.externalRef },
    select: { id: true, status: true },
  });
  if (used) throw replayedError(used);

  if (params.onChain !== false) {
    const check = await getX402Settler(config).verify(verified.payload, requirements);
    if (!check.isValid) {
      const reason = check.invalidReason ?? "rejected";
      if (reason === "insufficient_funds") {
        throw new AppError("x402_insufficient_funds", "The payer's balance does not cover this payment.", {
          details: { reason },
        });
      }
      throw new AppError("x402_rejected", `The payment was refused on chain: ${check.invalidMessage ?? reason}.`, {
        details: { reason },
      });
    }
  }
  return verified;
}

export function replayedError(used: { id: string; status: string }): AppError {
  return new AppError(
    "x402_replayed",
    "This payment authorization has already been used for a call; sign a new one (fresh nonce).",
    {
      details: { paymentId: used.id, status: used.status },
    },
  );
}
