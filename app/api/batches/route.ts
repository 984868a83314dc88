import { createBatch } from "@/lib/batches/batches";
import { createBatchSchema } from "@/lib/batches/schemas";
import { readJson, route } from "@/lib/http";
import { publicOrigin } from "@/lib/net/base-url";
import { existingOwnerId } from "@/lib/tools/request";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// POST /api/batches – { items: [{ imageAssetId } | { ImageURL }], look: { background keys }, paymentToken | paymentTokens }
// → 201 the batch (402 payment_required with how to pay for N edits when no token is given)
export const POST = route(async ({ req, requestId }) => {
  const input = createBatchSchema.parse(await readJson(req, 1024 * 1024));
  const batch = await createBatch({ input, ownerId: existingOwnerId(req), requestId, origin: publicOrigin(req) });
  return Response.json(batch, { status: 201, headers: { "Cache-Control": "no-store", Location: batch.statusUrl } });
});
