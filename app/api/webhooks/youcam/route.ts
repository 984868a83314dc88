import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { readBodyLimited, route } from "@/lib/http";
import { handleYoucamWebhook } from "@/lib/providers/youcam/webhook";

export const runtime = "nodejs";

// POST /api/webhooks/youcam – YouCam task notifications (Standard Webhooks signature), recorded once per webhook-id
export const POST = route(async ({ req }) => {
  const secret = getEnv().YOUCAM_WEBHOOK_SECRET;
  if (!secret) throw new AppError("unavailable", "YouCam webhooks are not configured (YOUCAM_WEBHOOK_SECRET).");
  // The signature covers the exact bytes received: read the raw text before any JSON parsing.
  const rawBody = (await readBodyLimited(req, 64 * 1024)).toString("utf8");
  const outcome = await handleYoucamWebhook({ secret, headers: req.headers, rawBody });
  return Response.json({ received: true, duplicate: outcome.status === "duplicate" }, { status: 200 });
});
