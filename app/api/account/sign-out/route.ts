import { endAccountSession, requireAccount } from "@/lib/accounts/session";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// POST /api/account/sign-out – ends this browser's session (CSRF protected)
export const POST = route(async ({ req }) => {
  const signedIn = await requireAccount(req);
  const cookies = await endAccountSession({ sessionId: signedIn.sessionId, req });
  const response = Response.json({ signedIn: false }, { headers: { "Cache-Control": "no-store" } });
  for (const cookie of cookies) response.headers.append("Set-Cookie", cookie);
  return response;
});
