import { requireAdmin } from "@/lib/admin/auth";
import { adminJson } from "@/lib/admin/respond";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/admin/session – who is signed in, and the CSRF token for writes
export const GET = route(async ({ req }) => {
  const admin = await requireAdmin(req);
  return adminJson({ username: admin.username, csrfToken: admin.csrfToken });
});
