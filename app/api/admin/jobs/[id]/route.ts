import { requireAdmin } from "@/lib/admin/auth";
import { getAdminJobDetail } from "@/lib/admin/jobs";
import { adminJson } from "@/lib/admin/respond";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/admin/jobs/{id} – the job with its assets, provider calls, payment, ledger and audit trail
export const GET = route<{ id: string }>(async ({ req, params }) => {
  await requireAdmin(req);
  return adminJson(await getAdminJobDetail(params.id));
});
