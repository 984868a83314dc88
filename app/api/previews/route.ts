import { z } from "zod";
import { readJson, route } from "@/lib/http";
import { resolveRequestOwner } from "@/lib/accounts/accounts";
import { withOwnerCookie } from "@/lib/owner";
import { createPreview } from "@/lib/previews/previews";
import { enforcePreviewRateLimit } from "@/lib/previews/rate-limit";
import { clientIp } from "@/lib/net/client-address";

export const runtime = "nodejs";

const bodySchema = z.object({ serviceId: z.string().max(64), input: z.record(z.string(), z.unknown()) });

// POST /api/previews – a free, small, watermarked render of an edit (rate-limited per visitor)
export const POST = route(async ({ req }) => {
  const body = bodySchema.parse(await readJson(req));
  const owner = await resolveRequestOwner(req);
  enforcePreviewRateLimit({ ownerId: owner.id, ip: clientIp(req) });
  const preview = await createPreview({
    serviceId: body.serviceId,
    input: body.input,
    ownerId: owner.id,
    signal: req.signal,
  });
  return withOwnerCookie(Response.json(preview, { status: 201, headers: { "Cache-Control": "no-store" } }), owner, req);
});
