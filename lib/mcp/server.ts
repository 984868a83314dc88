import "server-only";
import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { z } from "zod";
import { SERVICES, SERVICE_IDS } from "@/lib/catalog/services";
import { listServices } from "@/lib/catalog/catalog";
import { formatPrice } from "@/lib/utils";
import { callPaidTool, MCP_PAYMENT_ARGUMENT } from "@/lib/tools/api";
import { TOOL_INPUT_SCHEMAS } from "@/lib/edits/schemas";
import { paymentFromMcpMeta } from "@/lib/billing/x402";
import type { CreditPayer } from "@/lib/billing/credits";

const paymentTokenArgument = z
  .string()
  .max(200)
  .optional()
  .describe(
    "A payment token from POST /api/payments (bdp_…). Not needed when the request carries an API key (Authorization: Bearer bdk_…), which spends the account's credits. Without either the tool answers with the payment instructions.",
  );

/**
 * An MCP server exposing the four edits as tools with the HTTP API's input keys plus
 * `paymentToken`. Stateless: one server per HTTP request (see handleMcpRequest).
 */
async function createMcpServer(params: {
  origin: string;
  ownerId?: string | null;
  /** The account of the request's API key (Authorization: Bearer bdk_…): its credits pay. */
  credits?: CreditPayer | null;
}): Promise<McpServer> {
  const server = new McpServer({ name: "backdrop", version: "1.0.0" });
  const prices = new Map((await listServices()).map((service) => [service.id, service]));
  for (const serviceId of SERVICE_IDS) {
    const definition = SERVICES[serviceId];
    const price = prices.get(serviceId);
    const priceText = price
      ? ` Price: ${formatPrice(price.priceMinor, price.currency)} per image (pay first: POST ${params.origin}/api/payments {"serviceId":"${serviceId}"}).`
      : "";
    server.registerTool(
      definition.tool,
      {
        title: definition.name,
        description: `${definition.description}${priceText}`,
        inputSchema: { ...TOOL_INPUT_SCHEMAS[serviceId].shape, [MCP_PAYMENT_ARGUMENT]: paymentTokenArgument },
        annotations: { readOnlyHint: false, openWorldHint: true, idempotentHint: false },
      },
      async (
        args: Record<string, unknown>,
        extra: { requestInfo?: { headers?: Record<string, string | string[] | undefined> } },
      ) => {
        const { paymentToken, ...input } = args as Record<string, unknown> & { paymentToken?: string };
        const header = extra.requestInfo?.headers?.["x-payment-token"];
        const token = paymentToken ?? (typeof header === "string" ? header : null);
        const outcome = await callPaidTool({
          serviceId,
          input,
          paymentToken: token,
          origin: params.origin,
          requestId: randomUUID(),
          ownerId: params.ownerId,
          x402: { payload: paymentFromMcpMeta((extra as { _meta?: unknown })._meta) }, // x402: _meta["x402/payment"]
          credits: params.credits,
        });
        const structured = outcome.body as unknown as Record<string, unknown>;
        return {
          content: [{ type: "text" as const, text: JSON.stringify(outcome.body) }],
          structuredContent: structured,
          isError: outcome.status >= 400,
          ...(outcome.meta ? { _meta: outcome.meta } : {}), // x402: _meta["x402/payment-response"]
        };
      },
    );
  }
  return server;
}

/** Handles one Streamable HTTP request (JSON responses, no sessions). */
export async function handleMcpRequest(
  req: Request,
  params: { origin: string; ownerId?: string | null; credits?: CreditPayer | null },
): Promise<Response> {
  const server = await createMcpServer(params);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  try {
    return await transport.handleRequest(req);
  } finally {
    void server.close();
  }
}
