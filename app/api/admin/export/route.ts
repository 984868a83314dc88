import { z } from "zod";
import { requireAdmin } from "@/lib/admin/auth";
import { exportCsv } from "@/lib/admin/export";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const exportSchema = z.object({
  kind: z.enum(["jobs", "payments"]),
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD"),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD"),
});

// GET /api/admin/export?kind=jobs|payments&from=YYYY-MM-DD&to=YYYY-MM-DD – streamed CSV
export const GET = route(async ({ req }) => {
  await requireAdmin(req);
  const query = exportSchema.parse(Object.fromEntries(new URL(req.url).searchParams));
  const stream = exportCsv(query);
  return new Response(stream, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="backdrop-${query.kind}-${query.from}-to-${query.to}.csv"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
});
