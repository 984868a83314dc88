import { requireAdmin } from "@/lib/admin/auth";
import { listAudit } from "@/lib/admin/audit";
import { adminJson } from "@/lib/admin/respond";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/admin/audit?targetType&targetId – newest first
export const GET = route(async ({ req }) => {
  await requireAdmin(req);
  const search = new URL(req.url).searchParams;
  return adminJson({
    entries: await listAudit({
      targetType: search.get("targetType") ?? undefined,
      targetId: search.get("targetId") ?? undefined,
      limit: 200,
    }),
  });
});
