import { z } from "zod";
import { completeSignIn } from "@/lib/accounts/sign-in";
import { assertSameOrigin } from "@/lib/admin/auth";
import { readJson, route } from "@/lib/http";
import { resolveOwner } from "@/lib/owner";
import { clientIp } from "@/lib/net/client-address";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const verifySchema = z.object({ token: z.string().max(100) }).strict();

// POST /api/account/verify – { token } from the emailed link → session cookies; this browser's edits move to the account
export const POST = route(async ({ req }) => {
  assertSameOrigin(req);
  const body = verifySchema.parse(await readJson(req, 4096));
  const owner = resolveOwner(req);
  const result = await completeSignIn({
    token: body.token,
    ownerId: owner.isNew ? null : owner.id,
    req,
    ip: clientIp(req),
  });
  const response = Response.json(
    {
      signedIn: true,
      email: result.account.email,
      created: result.created,
      claimedEdits: result.claimed,
      returnTo: result.returnTo,
    },
    { headers: { "Cache-Control": "no-store" } },
  );
  for (const cookie of result.cookies) response.headers.append("Set-Cookie", cookie);
  return response;
});
