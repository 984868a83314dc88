import { z } from "zod";
import { readJson, route } from "@/lib/http";
import { publicOrigin } from "@/lib/net/base-url";
import { resolveRequestOwner } from "@/lib/accounts/accounts";
import { assertAccountCsrf } from "@/lib/accounts/session";
import { AppError } from "@/lib/errors";
import { withOwnerCookie } from "@/lib/owner";
import { startPaidJob } from "@/lib/tools/api";
import { paymentTokenFrom } from "@/lib/tools/request";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const startJobSchema = z.object({
  serviceId: z.string().min(1).max(64),
  input: z.record(z.string(), z.unknown()),
  paymentToken: z.string().max(200).optional(),
  /** Signed in: spend one of the account's prepaid credits instead of a payment token. */
  payWith: z.literal("credits").optional(),
});

// POST /api/jobs – queue a paid edit and return at once (202 { job }); poll GET /api/jobs/{id}.
// Paid by a payment token, or (signed in, with the CSRF token) by one prepaid credit: payWith "credits".
export const POST = route(async ({ req, requestId }) => {
  const body = startJobSchema.parse(await readJson(req));
  const owner = await resolveRequestOwner(req);
  if (body.payWith === "credits") {
    if (!owner.signedIn) throw new AppError("unauthorized", "Sign in to pay with credits.");
    assertAccountCsrf(req, owner.signedIn);
  }
  const job = await startPaidJob({
    serviceId: body.serviceId,
    input: body.input,
    paymentToken: body.paymentToken ?? paymentTokenFrom(req),
    origin: publicOrigin(req),
    ownerId: owner.id,
    requestId,
    credits: body.payWith === "credits" && owner.signedIn ? { accountId: owner.signedIn.account.id } : null,
  });
  return withOwnerCookie(
    Response.json({ job }, { status: 202, headers: { "Cache-Control": "no-store", Location: `/api/jobs/${job.id}` } }),
    owner,
    req,
  );
});
