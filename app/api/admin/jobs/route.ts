import { requireAdmin } from "@/lib/admin/auth";
import { listAdminJobs, parseJobFilters } from "@/lib/admin/jobs";
import { adminJson } from "@/lib/admin/respond";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/admin/jobs?status&service&provider&from&to&q&sort=time|duration&dir&page&pageSize
export const GET = route(async ({ req }) => {
  await requireAdmin(req);
  return adminJson(await listAdminJobs(parseJobFilters(new URL(req.url).searchParams)));
});
