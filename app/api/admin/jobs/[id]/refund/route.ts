import { z } from "zod";
import { requireAdmin } from "@/lib/admin/auth";
import { refundJob } from "@/lib/admin/jobs";
import { adminJson } from "@/lib/admin/respond";
import { readJson, route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const refundSchema = z.object({ reason: z.string().trim().max(200).optional() });

// POST /api/admin/jobs/{id}/refund – refunds the job's payment (idempotent: `alreadyRefunded: true` the second time)
export const POST = route<{ id: string }>(async ({ req, params }) => {
  const admin = await requireAdmin(req);
  const body = refundSchema.parse(await readJson(req));
  return adminJson(await refundJob({ jobId: params.id, actor: admin.username, reason: body.reason }));
});
