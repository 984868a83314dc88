import { requireAdmin } from "@/lib/admin/auth";
import { listCatalogForAdmin } from "@/lib/admin/catalog";
import { adminJson } from "@/lib/admin/respond";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/admin/catalog – every service, enabled or not
export const GET = route(async ({ req }) => {
  await requireAdmin(req);
  return adminJson({ services: await listCatalogForAdmin() });
});
