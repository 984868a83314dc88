import { requireAdmin, signOut } from "@/lib/admin/auth";
import { adminJson } from "@/lib/admin/respond";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// POST /api/admin/logout – ends the session
export const POST = route(async ({ req }) => {
  const admin = await requireAdmin(req);
  const response = adminJson({ ok: true });
  for (const cookie of await signOut({ admin, req })) response.headers.append("Set-Cookie", cookie);
  return response;
});
