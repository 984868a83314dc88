import "server-only";
import { getAddress, isAddress } from "viem";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";

/** The x402 settings of this process, checked together (lib/env.ts only checks each one alone). */
export type X402Config = {
  /** CAIP-2, e.g. `eip155:8453`. Only EVM (`eip155:<chainId>`) networks are supported. */
  network: `eip155:${number}`;
  chainId: number;
  payTo: `0x${string}`;
  asset: `0x${string}`;
  assetName: string;
  assetVersion: string;
  decimals: number;
  maxTimeoutSeconds: number;
  minValiditySeconds: number;
  settleMarginSeconds: number;
  settlement: { kind: "facilitator"; url: string } | { kind: "rpc"; rpcUrl: string; privateKey: `0x${string}` };
};

export function isX402Enabled(): boolean {
  return getEnv().X402_ENABLED;
}

/** The configuration, or `x402_not_configured` (503) when x402 is off or incomplete. */
export function getX402Config(): X402Config {
  const env = getEnv();
  if (!env.X402_ENABLED) throw new AppError("x402_not_configured", "x402 payments are not enabled on this server.");
  const problems: string[] = [];
  const network = env.X402_NETWORK ?? "";
  const match = /^eip155:(\d+)$/.exec(network);
  if (!match) problems.push(`X402_NETWORK must be a CAIP-2 EVM network such as eip155:8453 (got "${network}")`);
  if (!env.X402_PAY_TO || !isAddress(env.X402_PAY_TO, { strict: false }))
    problems.push("X402_PAY_TO must be an EVM address");
  if (!env.X402_ASSET || !isAddress(env.X402_ASSET, { strict: false }))
    problems.push("X402_ASSET must be the token contract address");
  let settlement: X402Config["settlement"] | undefined;
  if (env.X402_FACILITATOR_URL) {
    settlement = { kind: "facilitator", url: env.X402_FACILITATOR_URL };
  } else if (env.X402_RPC_URL && env.X402_SELLER_PRIVATE_KEY) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(env.X402_SELLER_PRIVATE_KEY))
      problems.push("X402_SELLER_PRIVATE_KEY must be a 0x-prefixed 32-byte hex key");
    settlement = { kind: "rpc", rpcUrl: env.X402_RPC_URL, privateKey: env.X402_SELLER_PRIVATE_KEY as `0x${string}` };
  } else {
    problems.push(
      "set X402_FACILITATOR_URL, or X402_RPC_URL together with X402_SELLER_PRIVATE_KEY, to settle payments",
    );
  }
  if (env.X402_MIN_VALIDITY_SECONDS + env.X402_SETTLE_MARGIN_SECONDS > env.X402_MAX_TIMEOUT_SECONDS) {
    problems.push("X402_MAX_TIMEOUT_SECONDS must exceed X402_MIN_VALIDITY_SECONDS + X402_SETTLE_MARGIN_SECONDS");
  }
  if (problems.length > 0 || !match || !settlement) {
    throw new AppError("x402_not_configured", `x402 is enabled but misconfigured: ${problems.join("; ")}.`);
  }
  return {
    network: network as `eip155:${number}`,
    chainId: Number(match[1]),
    payTo: getAddress(env.X402_PAY_TO!),
    asset: getAddress(env.X402_ASSET!),
    assetName: env.X402_ASSET_NAME,
    assetVersion: env.X402_ASSET_VERSION,
    decimals: env.X402_ASSET_DECIMALS,
    maxTimeoutSeconds: env.X402_MAX_TIMEOUT_SECONDS,
    minValiditySeconds: env.X402_MIN_VALIDITY_SECONDS,
    settleMarginSeconds: env.X402_SETTLE_MARGIN_SECONDS,
    settlement,
  };
}
