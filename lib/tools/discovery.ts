import "server-only";
import { listServices } from "@/lib/catalog/catalog";
import { getEnv } from "@/lib/env";
import { formatPrice } from "@/lib/utils";
import { MCP_PAYMENT_ARGUMENT, PAYMENT_HEADER } from "./api";

/** GET /api/catalog: the enabled services, their prices and how to pay (Server402-style discovery). */
export async function catalogDiscovery(origin: string) {
  const mode = getEnv().PAYMENTS_MODE;
  const services = (await listServices()).filter((service) => service.enabled);
  return {
    services: services.map((service) => ({
      id: service.id,
      name: service.name,
      description: service.description,
      action: service.action,
      endpoint: `${origin}/api/tools/${service.id}`,
      method: "POST" as const,
      mcpTool: service.tool,
      pricing: {
        amountMinor: service.priceMinor,
        amountCents: service.priceMinor,
        currency: service.currency,
        display: formatPrice(service.priceMinor, service.currency),
        billingMode: "per_call" as const,
        maxCalls: 1,
      },
    })),
    payment: {
      type: "http-402" as const,
      mode,
      sandbox: mode === "sandbox",
      paymentHeader: PAYMENT_HEADER,
      mcpArgument: MCP_PAYMENT_ARGUMENT,
      createPayment: `${origin}/api/payments`,
      verifyPayment: `${origin}/api/payments/{paymentId}`,
    },
    mcp: { transport: "streamable_http" as const, url: `${origin}/api/mcp` },
    openapi: `${origin}/api/openapi.json`,
  };
}

export type CatalogDiscovery = Awaited<ReturnType<typeof catalogDiscovery>>;
