import { randomUUID } from "node:crypto";
import { readJson } from "@/lib/http";
import { publicOrigin } from "@/lib/net/base-url";
import { callPaidTool, toolErrorOutcome, type ToolOutcome } from "@/lib/tools/api";
import { creditCallerFrom, existingOwnerId, paymentTokenFrom, waitMsFrom } from "@/lib/tools/request";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

function respond(outcome: ToolOutcome, requestId: string): Response {
  return Response.json(outcome.body, {
    status: outcome.status,
    headers: { "X-Request-Id": requestId, "Cache-Control": "no-store", ...outcome.headers }, // issue 9: x402 PAYMENT-REQUIRED / PAYMENT-RESPONSE
  });
}

// POST /api/tools/{serviceId} – the paid API (Server402-compatible): 402 → pay → retry with X-Payment-Token,
// or an API key (Authorization: Bearer bdk_…) that spends the account's prepaid credits
export async function POST(req: Request, context: { params: Promise<{ serviceId: string }> }): Promise<Response> {
  const requestId = req.headers.get("x-request-id")?.slice(0, 64) || randomUUID();
  try {
    const { serviceId } = await context.params;
    const body = await readJson(req);
    // An API key (Authorization: Bearer bdk_…) pays with its account's credits when no token is given.
    const caller = await creditCallerFrom(req);
    const ownerId = caller?.ownerId ?? existingOwnerId(req);
    // Some clients put the token in the body; it is not part of the tool's input.
    let token = paymentTokenFrom(req);
    if (body && typeof body === "object" && !Array.isArray(body) && "paymentToken" in body) {
      const { paymentToken, ...rest } = body as Record<string, unknown>;
      token ??= typeof paymentToken === "string" ? paymentToken : null;
      return respond(
        await callPaidTool({
          serviceId,
          input: rest,
          paymentToken: token,
          origin: publicOrigin(req),
          requestId,
          ownerId,
          waitMs: waitMsFrom(req),
          x402: { header: req.headers.get("payment-signature") },
          credits: caller?.payer,
        }),
        requestId,
      );
    }
    return respond(
      await callPaidTool({
        serviceId,
        input: body,
        paymentToken: token,
        origin: publicOrigin(req),
        requestId,
        ownerId,
        waitMs: waitMsFrom(req),
        x402: { header: req.headers.get("payment-signature") },
        credits: caller?.payer,
      }),
      requestId,
    );
  } catch (error) {
    return respond(toolErrorOutcome(error, requestId), requestId);
  }
}
