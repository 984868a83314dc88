import { requireAdmin } from "@/lib/admin/auth";
import { getAdminPaymentDetail } from "@/lib/admin/payments";
import { adminJson } from "@/lib/admin/respond";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/admin/payments/{id} – the payment, its jobs and ledger entries with totals
export const GET = route<{ id: string }>(async ({ req, params }) => {
  await requireAdmin(req);
  const detail = await getAdminPaymentDetail(params.id);
  const { tokenHash: _hidden, ...payment } = detail.payment;
  return adminJson({ ...detail, payment });
});
