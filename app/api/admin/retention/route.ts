import { requireAdmin } from "@/lib/admin/auth";
import { recordAudit } from "@/lib/admin/audit";
import { adminJson } from "@/lib/admin/respond";
import { getRetentionStatus, listRetentionRuns, runRetention } from "@/lib/assets/retention";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/admin/retention – settings, what is due, recent runs
export const GET = route(async ({ req }) => {
  await requireAdmin(req);
  const [status, runs] = await Promise.all([getRetentionStatus(), listRetentionRuns()]);
  return adminJson({ ...status, runs });
});

// POST /api/admin/retention – run now (409 conflict when another run holds the lock)
export const POST = route(async ({ req }) => {
  const admin = await requireAdmin(req);
  const result = await runRetention({ trigger: "manual" });
  if (!result.ran)
    return adminJson(
      { error: { code: "conflict", message: "A retention run is already in progress." } },
      { status: 409 },
    );
  await recordAudit({
    actor: admin.username,
    action: "retention.run",
    targetType: "retention",
    targetId: result.run.id,
    after: { assetsDeleted: result.run.assetsDeleted },
  });
  return adminJson({ run: result.run });
});
