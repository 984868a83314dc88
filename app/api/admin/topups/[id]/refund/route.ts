import { requireAdmin } from "@/lib/admin/auth";
import { refundTopupAsAdmin, topupRefundSchema } from "@/lib/admin/accounts";
import { adminJson } from "@/lib/admin/respond";
import { readJson, route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// POST /api/admin/topups/{id}/refund – { reason } → refunds the top-up's unspent credits (their share of the price)
export const POST = route<{ id: string }>(async ({ req, params }) => {
  const admin = await requireAdmin(req);
  const body = topupRefundSchema.parse(await readJson(req, 4096));
  return adminJson(await refundTopupAsAdmin({ topupId: params.id, reason: body.reason, actor: admin.username }));
});
