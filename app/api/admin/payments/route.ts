import { requireAdmin } from "@/lib/admin/auth";
import { listAdminPayments, parsePaymentFilters } from "@/lib/admin/payments";
import { adminJson } from "@/lib/admin/respond";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/admin/payments?status&method&service&from&to&q&page&pageSize
export const GET = route(async ({ req }) => {
  await requireAdmin(req);
  const result = await listAdminPayments(parsePaymentFilters(new URL(req.url).searchParams));
  return adminJson({ ...result, rows: result.rows.map(({ tokenHash: _hidden, ...row }) => row) });
});
