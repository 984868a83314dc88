import { requireAdmin } from "@/lib/admin/auth";
import { getProvidersOverview } from "@/lib/admin/providers";
import { adminJson } from "@/lib/admin/respond";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/admin/providers – configured providers, 24 h success rate and latency, circuit state
export const GET = route(async ({ req }) => {
  await requireAdmin(req);
  return adminJson({ providers: await getProvidersOverview() });
});
