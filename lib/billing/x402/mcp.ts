import "server-only";
import type { SettleResponse } from "@x402/core/types";
import { decodeX402Header } from "./verify";
import { MCP_PAYMENT_META_KEY, MCP_PAYMENT_RESPONSE_META_KEY } from "./requirements";

/**
 * The x402 payment of an MCP `tools/call`: `params._meta["x402/payment"]` holds the PaymentPayload
 * object itself (transports-v2/mcp.md). Also accepted: a base64 string there, and the early
 * `x402-mcp` package's `_meta["x402.payment"]` (dot, base64). Returns null when there is none;
 * pass the result to verifyX402Payment({ payload }).
 */
export function paymentFromMcpMeta(meta: unknown): unknown | null {
  if (!meta || typeof meta !== "object") return null;
  const record = meta as Record<string, unknown>;
  const value = record[MCP_PAYMENT_META_KEY] ?? record["x402.payment"];
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") return value;
  try {
    return decodeX402Header(value);
  } catch {
    return value; // verifyX402Payment answers x402_malformed
  }
}

/** The `_meta` to put on a successful (settled) tool result. */
export function mcpPaymentResponseMeta(response: SettleResponse): Record<string, unknown> {
  return { [MCP_PAYMENT_RESPONSE_META_KEY]: response };
}
