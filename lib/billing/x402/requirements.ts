import "server-only";
import { encodePaymentRequiredHeader } from "@x402/core/http";
import type { PaymentRequired, PaymentRequirements } from "@x402/core/types";
import { AppError } from "@/lib/errors";
import { getX402Config, type X402Config } from "./config";

/** HTTP header names of x402 v2 (transports-v2/http.md). */
export const PAYMENT_REQUIRED_HEADER = "PAYMENT-REQUIRED";
export const PAYMENT_SIGNATURE_HEADER = "PAYMENT-SIGNATURE";
export const PAYMENT_RESPONSE_HEADER = "PAYMENT-RESPONSE";
/** MCP `_meta` keys of x402 v2 (transports-v2/mcp.md). */
export const MCP_PAYMENT_META_KEY = "x402/payment";
export const MCP_PAYMENT_RESPONSE_META_KEY = "x402/payment-response";

/** The part of a catalog service x402 needs (CatalogService from lib/catalog fits). */
export type X402Service = { id: string; name: string; description?: string; priceMinor: number; currency: string };

/**
 * Catalog price (minor units of a USD price, i.e. cents) → the asset's atomic units.
 * The asset is assumed to be a USD stablecoin: USD 0.20 = 20 cents → "200000" with 6 decimals.
 */
function toAtomicAmount(params: { priceMinor: number; currency: string; decimals: number }): string {
  if (params.currency.toUpperCase() !== "USD") {
    throw new AppError(
      "x402_not_configured",
      `x402 prices in a USD stablecoin; this service is priced in ${params.currency}.`,
    );
  }
  if (!Number.isInteger(params.priceMinor) || params.priceMinor < 0)
    throw new AppError("internal_error", "A catalog price must be a whole number of cents.");
  return (BigInt(params.priceMinor) * 10n ** BigInt(params.decimals - 2)).toString();
}

/** The one `exact` requirement this server accepts for `service` (what a client must copy into `accepted`). */
export function buildPaymentRequirements(
  service: X402Service,
  config: X402Config = getX402Config(),
): PaymentRequirements {
  return {
    scheme: "exact",
    network: config.network,
    amount: toAtomicAmount({ priceMinor: service.priceMinor, currency: service.currency, decimals: config.decimals }),
    asset: config.asset,
    payTo: config.payTo,
    maxTimeoutSeconds: config.maxTimeoutSeconds,
    extra: { name: config.assetName, version: config.assetVersion },
  };
}

/**
 * The x402 v2 PaymentRequired for one paid call: `header` goes into the `PAYMENT-REQUIRED`
 * response header (base64 JSON), `object` into the 402 JSON body (and MCP `structuredContent`).
 */
export function buildPaymentRequired(params: { service: X402Service; resourceUrl: string; error?: string }): {
  header: string;
  object: PaymentRequired;
} {
  const object: PaymentRequired = {
    x402Version: 2,
    error: params.error ?? `${PAYMENT_SIGNATURE_HEADER} header is required`,
    resource: {
      url: params.resourceUrl,
      description: params.service.description || params.service.name,
      mimeType: "application/json",
    },
    accepts: [buildPaymentRequirements(params.service)],
  };
  return { header: encodePaymentRequiredHeader(object), object };
}
