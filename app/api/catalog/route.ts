import { route } from "@/lib/http";
import { publicOrigin } from "@/lib/net/base-url";
import { catalogDiscovery } from "@/lib/tools/discovery";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/catalog – the services, their prices and how to pay (Server402-style discovery)
export const GET = route(async ({ req }) => {
  return Response.json(await catalogDiscovery(publicOrigin(req)), {
    headers: { "Cache-Control": "public, max-age=10" },
  });
});
