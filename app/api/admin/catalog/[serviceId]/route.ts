import { requireAdmin } from "@/lib/admin/auth";
import { updateService, updateServiceSchema } from "@/lib/admin/catalog";
import { adminJson } from "@/lib/admin/respond";
import { readJson, route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// PUT /api/admin/catalog/{serviceId} – { priceMinor?, enabled?, name?, description? } (audited)
export const PUT = route<{ serviceId: string }>(async ({ req, params }) => {
  const admin = await requireAdmin(req);
  const input = updateServiceSchema.parse(await readJson(req));
  return adminJson({ service: await updateService({ serviceId: params.serviceId, input, actor: admin.username }) });
});
