import { getPublicJob, toPublicJob } from "@/lib/jobs/public";
import { cancelJob } from "@/lib/jobs/queue";
import { route } from "@/lib/http";
import { publicOrigin } from "@/lib/net/base-url";
import { requestCaller } from "@/lib/tools/request";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/jobs/{id} – a job's status, progress, payment and signed result URL (the id is the secret);
// the input photo's link only for its owner (cookie, account, API key or the paying token)
export const GET = route<{ id: string }>(async ({ req, params }) => {
  const job = await getPublicJob(params.id, publicOrigin(req), await requestCaller(req));
  return Response.json(job, { headers: { "Cache-Control": "no-store" } });
});

// DELETE /api/jobs/{id} – cancel: a queued job at once (payment released), a running one at its next heartbeat
export const DELETE = route<{ id: string }>(async ({ req, params }) => {
  const job = await cancelJob(params.id);
  return Response.json(await toPublicJob(job, publicOrigin(req), await requestCaller(req)), {
    headers: { "Cache-Control": "no-store" },
  });
});
