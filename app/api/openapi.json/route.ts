import { listServices } from "@/lib/catalog/catalog";
import { route } from "@/lib/http";
import { publicOrigin } from "@/lib/net/base-url";
import { buildOpenApi } from "@/lib/tools/openapi";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/openapi.json – the paid API described from the same zod schemas the handlers validate with
export const GET = route(async ({ req }) => {
  const document = buildOpenApi({ origin: publicOrigin(req), services: await listServices() });
  return Response.json(document, {
    headers: { "Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*" },
  });
});
