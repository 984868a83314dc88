import { getPublicJob } from "@/lib/jobs/public";
import { cancelJob } from "@/lib/jobs/queue";
import { toPublicJob } from "@/lib/jobs/public";
import { route } from "@/lib/http";
import { publicOrigin } from "@/lib/net/base-url";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/jobs/{id} – a job's status, progress, payment and signed result URLs (the id is the secret)
export const GET = route<{ id: string }>(async ({ req, params }) => {
  const job = await getPublicJob(params.id, publicOrigin(req));
  return Response.json(job, { headers: { "Cache-Control": "no-store" } });
});

// DELETE /api/jobs/{id} – cancel: a queued job at once (payment released), a running one at its next heartbeat
export const DELETE = route<{ id: string }>(async ({ req, params }) => {
  const job = await cancelJob(params.id);
  return Response.json(await toPublicJob(job, publicOrigin(req)), { headers: { "Cache-Control": "no-store" } });
});
