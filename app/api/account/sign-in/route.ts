import { z } from "zod";
import { requestSignInLink } from "@/lib/accounts/sign-in";
import { assertSameOrigin } from "@/lib/admin/auth";
import { readJson, route } from "@/lib/http";
import { publicOrigin } from "@/lib/net/base-url";
import { clientIp } from "@/lib/net/client-address";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const signInSchema = z.object({ email: z.string().max(254), returnTo: z.string().max(200).optional() }).strict();

// POST /api/account/sign-in – { email, returnTo? } → 202; emails a one-time link (printed to the log without SMTP_URL)
export const POST = route(async ({ req }) => {
  assertSameOrigin(req);
  const body = signInSchema.parse(await readJson(req, 4096));
  const sent = await requestSignInLink({
    email: body.email,
    ip: clientIp(req),
    origin: publicOrigin(req),
    returnTo: body.returnTo,
  });
  return Response.json(
    { sent: true, delivery: sent.delivery, expiresAt: sent.expiresAt.toISOString() },
    { status: 202, headers: { "Cache-Control": "no-store" } },
  );
});
