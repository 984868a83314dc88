import { listActivity } from "@/lib/accounts/activity";
import { requireAccount } from "@/lib/accounts/session";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/account/activity – top-ups, edits paid with credits, refunds and adjustments, newest first
export const GET = route(async ({ req }) => {
  const signedIn = await requireAccount(req);
  const items = await listActivity({ accountId: signedIn.account.id, limit: 200 });
  return Response.json({ items }, { headers: { "Cache-Control": "no-store" } });
});
