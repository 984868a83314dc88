import { z } from "zod";
import { readJson, route } from "@/lib/http";
import { publicOrigin } from "@/lib/net/base-url";
import { resolveOwner, withOwnerCookie } from "@/lib/owner";
import { startPaidJob } from "@/lib/tools/api";
import { paymentTokenFrom } from "@/lib/tools/request";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const startJobSchema = z.object({
  serviceId: z.string().min(1).max(64),
  input: z.record(z.string(), z.unknown()),
  paymentToken: z.string().max(200).optional(),
});

// POST /api/jobs – queue a paid edit and return at once (202 { job }); poll GET /api/jobs/{id}
export const POST = route(async ({ req, requestId }) => {
  const body = startJobSchema.parse(await readJson(req));
  const owner = resolveOwner(req);
  const job = await startPaidJob({
    serviceId: body.serviceId,
    input: body.input,
    paymentToken: body.paymentToken ?? paymentTokenFrom(req),
    origin: publicOrigin(req),
    ownerId: owner.id,
    requestId,
  });
  return withOwnerCookie(
    Response.json({ job }, { status: 202, headers: { "Cache-Control": "no-store", Location: `/api/jobs/${job.id}` } }),
    owner,
    req,
  );
});
