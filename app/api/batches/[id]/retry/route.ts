import { retryBatchItems } from "@/lib/batches/batches";
import { retryBatchSchema } from "@/lib/batches/schemas";
import { readJson, route } from "@/lib/http";
import { publicOrigin } from "@/lib/net/base-url";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// POST /api/batches/{id}/retry – { indexes? } queues failed items again on the edits already paid for
export const POST = route<{ id: string }>(async ({ req, params, requestId }) => {
  const body = retryBatchSchema.parse(await readJson(req));
  const result = await retryBatchItems({
    batchId: params.id,
    indexes: body.indexes,
    origin: publicOrigin(req),
    requestId,
  });
  return Response.json(result, { headers: { "Cache-Control": "no-store" } });
});
