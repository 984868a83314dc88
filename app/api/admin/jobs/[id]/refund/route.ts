import { z } from "zod";
import { requireAdmin } from "@/lib/admin/auth";
import { refundJob } from "@/lib/admin/jobs";
import { adminJson } from "@/lib/admin/respond";
import { AppError } from "@/lib/errors";
import { readJson, route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const refundSchema = z.object({ confirm: z.literal(true), reason: z.string().trim().min(3).max(200) });

// POST /api/admin/jobs/{id}/refund – { confirm: true, reason } refunds the job's payment; the reason goes
// to the audit log (idempotent: `alreadyRefunded: true` the second time)
export const POST = route<{ id: string }>(async ({ req, params }) => {
  const admin = await requireAdmin(req);
  const parsed = refundSchema.safeParse(await readJson(req, 4096));
  if (!parsed.success) {
    throw new AppError(
      "validation_failed",
      "A refund must be confirmed: send confirm: true and a reason (3–200 characters) for the audit log.",
      { details: parsed.error.issues },
    );
  }
  return adminJson(await refundJob({ jobId: params.id, actor: admin.username, reason: parsed.data.reason }));
});
