import { requireAdmin } from "@/lib/admin/auth";
import { getRevenueReport } from "@/lib/admin/payments";
import { adminJson } from "@/lib/admin/respond";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/admin/reports?from=YYYY-MM-DD&to=YYYY-MM-DD – revenue, refunds, provider cost, margin per day and service
export const GET = route(async ({ req }) => {
  await requireAdmin(req);
  const search = new URL(req.url).searchParams;
  return adminJson(
    await getRevenueReport({ from: search.get("from") || undefined, to: search.get("to") || undefined }),
  );
});
