import { requireAdmin } from "@/lib/admin/auth";
import { adjustAccountCredits, adjustmentSchema } from "@/lib/admin/accounts";
import { adminJson } from "@/lib/admin/respond";
import { readJson, route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// POST /api/admin/accounts/{id}/credits – { credits (±), reason } → a manual adjustment, audited; never below zero
export const POST = route<{ id: string }>(async ({ req, params }) => {
  const admin = await requireAdmin(req);
  const body = adjustmentSchema.parse(await readJson(req, 4096));
  return adminJson(
    await adjustAccountCredits({
      accountId: params.id,
      credits: body.credits,
      reason: body.reason,
      actor: admin.username,
    }),
  );
});
