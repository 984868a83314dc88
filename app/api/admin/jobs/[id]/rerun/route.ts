import { requireAdmin } from "@/lib/admin/auth";
import { rerunJob } from "@/lib/admin/jobs";
import { adminJson } from "@/lib/admin/respond";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// POST /api/admin/jobs/{id}/rerun – queues a free copy of the job (marked as an admin re-run)
export const POST = route<{ id: string }>(async ({ req, params, requestId }) => {
  const admin = await requireAdmin(req);
  return adminJson(await rerunJob({ jobId: params.id, actor: admin.username, requestId }), { status: 201 });
});
