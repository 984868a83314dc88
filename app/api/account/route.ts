import { z } from "zod";
import { deleteAccount } from "@/lib/accounts/accounts";
import { getAccountOverview } from "@/lib/accounts/activity";
import { endAccountSession, getRequestAccount, requireAccount } from "@/lib/accounts/session";
import { AppError } from "@/lib/errors";
import { readJson, route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const NO_STORE = { "Cache-Control": "no-store" };

// GET /api/account – { signedIn: false } or the account, its balance and the CSRF token for writes
export const GET = route(async ({ req }) => {
  const signedIn = await getRequestAccount(req);
  if (!signedIn) return Response.json({ signedIn: false }, { headers: NO_STORE });
  const overview = await getAccountOverview(signedIn.account.id);
  return Response.json({ signedIn: true, ...overview, csrfToken: signedIn.csrfToken }, { headers: NO_STORE });
});

const deleteSchema = z.object({ confirmEmail: z.string().max(254) }).strict();

// DELETE /api/account – { confirmEmail } → deletes the account's photos and personal rows, signs out
export const DELETE = route(async ({ req }) => {
  const signedIn = await requireAccount(req);
  const body = deleteSchema.parse(await readJson(req, 4096));
  if (body.confirmEmail.trim().toLowerCase() !== signedIn.account.email)
    throw new AppError("validation_failed", "Type the account's email address to confirm.");
  const result = await deleteAccount({ accountId: signedIn.account.id });
  const cookies = await endAccountSession({ sessionId: null, req });
  const response = Response.json({ deleted: true, ...result }, { headers: NO_STORE });
  for (const cookie of cookies) response.headers.append("Set-Cookie", cookie);
  return response;
});
