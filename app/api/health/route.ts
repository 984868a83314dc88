import { checkHealth } from "@/lib/health";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/health – state of the database and storage (200 when both work, 503 otherwise)
export const GET = route(async () => {
  const health = await checkHealth();
  return Response.json(health, { status: health.ok ? 200 : 503, headers: { "Cache-Control": "no-store" } });
});
