import { requireAdmin } from "@/lib/admin/auth";
import { deleteJobAssets } from "@/lib/admin/jobs";
import { adminJson } from "@/lib/admin/respond";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// DELETE /api/admin/jobs/{id}/assets – removes the job's files (rows kept, bytes gone)
export const DELETE = route<{ id: string }>(async ({ req, params }) => {
  const admin = await requireAdmin(req);
  return adminJson(await deleteJobAssets({ jobId: params.id, actor: admin.username }));
});
