import { listServices } from "@/lib/catalog/catalog";
import { route } from "@/lib/http";
import { publicOrigin } from "@/lib/net/base-url";
import { PAYMENT_HEADER, MCP_PAYMENT_ARGUMENT } from "@/lib/tools/api";
import { formatPrice } from "@/lib/utils";
import { getEnv } from "@/lib/env";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/catalog – the services, their prices and how to pay (Server402-style discovery)
export const GET = route(async ({ req }) => {
  const origin = publicOrigin(req);
  const services = (await listServices()).filter((service) => service.enabled);
  return Response.json(
    {
      services: services.map((service) => ({
        id: service.id,
        name: service.name,
        description: service.description,
        action: service.action,
        endpoint: `${origin}/api/tools/${service.id}`,
        method: "POST",
        mcpTool: service.tool,
        pricing: {
          amountMinor: service.priceMinor,
          amountCents: service.priceMinor,
          currency: service.currency,
          display: formatPrice(service.priceMinor, service.currency),
          billingMode: "per_call",
          maxCalls: 1,
        },
      })),
      payment: {
        type: "http-402",
        mode: getEnv().PAYMENTS_MODE,
        sandbox: getEnv().PAYMENTS_MODE === "sandbox",
        paymentHeader: PAYMENT_HEADER,
        mcpArgument: MCP_PAYMENT_ARGUMENT,
        createPayment: `${origin}/api/payments`,
        verifyPayment: `${origin}/api/payments/{paymentId}`,
      },
      mcp: { transport: "streamable_http", url: `${origin}/api/mcp` },
      openapi: `${origin}/api/openapi.json`,
    },
    { headers: { "Cache-Control": "public, max-age=10" } },
  );
});
