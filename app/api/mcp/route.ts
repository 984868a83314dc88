import { errorResponse, readBodyLimited } from "@/lib/http";
import { handleMcpRequest } from "@/lib/mcp/server";
import { publicOrigin } from "@/lib/net/base-url";
import { creditCallerFrom, existingOwnerId } from "@/lib/tools/request";
import { randomUUID } from "node:crypto";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const MAX_MCP_BODY_BYTES = 256 * 1024;

// POST /api/mcp – MCP over Streamable HTTP (stateless): tools sky_replacement, background_change, …
export async function POST(req: Request): Promise<Response> {
  try {
    // An API key (Authorization: Bearer bdk_…) pays with its account's credits; a bad key is refused before MCP.
    const caller = await creditCallerFrom(req);
    // The body is capped like every JSON body (413 body_too_large) before the MCP transport parses it.
    const body = await readBodyLimited(req, MAX_MCP_BODY_BYTES);
    const bounded = new Request(req.url, { method: req.method, headers: req.headers, body: new Uint8Array(body) });
    return await handleMcpRequest(bounded, {
      origin: publicOrigin(req),
      ownerId: caller?.ownerId ?? existingOwnerId(req),
      credits: caller?.payer,
    });
  } catch (error) {
    return errorResponse(error, randomUUID());
  }
}

function methodNotAllowed(): Response {
  return Response.json(
    {
      jsonrpc: "2.0",
      error: { code: -32000, message: "Method not allowed: this MCP server is stateless; send JSON-RPC with POST." },
      id: null,
    },
    { status: 405, headers: { Allow: "POST" } },
  );
}

export const GET = methodNotAllowed;
export const DELETE = methodNotAllowed;
