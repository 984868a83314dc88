import "server-only";
import { randomUUID } from "node:crypto";
import { readJson } from "@/lib/http";
import { publicOrigin } from "@/lib/net/base-url";
import { MCP_PAYMENT_ARGUMENT, callPaidTool, toolErrorOutcome, type ToolOutcome } from "./api";
import { creditCallerFrom, existingOwnerId, paymentTokenFrom, waitMsFrom } from "./request";

function respond(outcome: ToolOutcome, requestId: string): Response {
  return Response.json(outcome.body, {
    status: outcome.status,
    // outcome.headers carries x402's PAYMENT-REQUIRED / PAYMENT-RESPONSE when they apply.
    headers: { "X-Request-Id": requestId, "Cache-Control": "no-store", ...outcome.headers },
  });
}

/** The tool's input and a payment token that some clients put in the body instead of the header. */
function splitBody(body: unknown): { input: unknown; bodyToken: string | null } {
  if (!body || typeof body !== "object" || Array.isArray(body) || !(MCP_PAYMENT_ARGUMENT in body))
    return { input: body, bodyToken: null };
  const { [MCP_PAYMENT_ARGUMENT]: token, ...input } = body as Record<string, unknown>;
  return { input, bodyToken: typeof token === "string" ? token : null };
}

/**
 * POST /api/tools/{serviceId}: the paid API (Server402-compatible). Always answers the tool envelope
 * (`{ code, content, data, message, requestId }`), errors included, with an `X-Request-Id`.
 */
export async function handleToolRequest(req: Request, serviceId: string): Promise<Response> {
  const requestId = req.headers.get("x-request-id")?.slice(0, 64) || randomUUID();
  try {
    const { input, bodyToken } = splitBody(await readJson(req));
    // An API key (Authorization: Bearer bdk_…) pays with its account's credits when no token is given.
    const caller = await creditCallerFrom(req);
    const outcome = await callPaidTool({
      serviceId,
      input,
      paymentToken: paymentTokenFrom(req) ?? bodyToken,
      origin: publicOrigin(req),
      requestId,
      ownerId: caller?.ownerId ?? existingOwnerId(req),
      waitMs: waitMsFrom(req),
      x402: { header: req.headers.get("payment-signature") },
      credits: caller?.payer,
    });
    return respond(outcome, requestId);
  } catch (error) {
    return respond(toolErrorOutcome(error, requestId), requestId);
  }
}
