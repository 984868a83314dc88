import { handleToolRequest } from "@/lib/tools/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// POST /api/tools/{serviceId} – the paid API (Server402-compatible): 402 → pay → retry with X-Payment-Token,
// or an API key (Authorization: Bearer bdk_…) that spends the account's prepaid credits
export async function POST(req: Request, context: { params: Promise<{ serviceId: string }> }): Promise<Response> {
  return handleToolRequest(req, (await context.params).serviceId);
}
