import { getBatchView } from "@/lib/batches/batches";
import { route } from "@/lib/http";
import { publicOrigin } from "@/lib/net/base-url";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/batches/{id} – counts, money, and every item's status and signed result URL (the id is the secret)
export const GET = route<{ id: string }>(async ({ req, params }) => {
  return Response.json(await getBatchView({ batchId: params.id, origin: publicOrigin(req) }), {
    headers: { "Cache-Control": "no-store" },
  });
});
