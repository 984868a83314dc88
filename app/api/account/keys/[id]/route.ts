import { revokeApiKey, setApiKeyCap, updateApiKeySchema } from "@/lib/accounts/api-keys";
import { requireAccount } from "@/lib/accounts/session";
import { readJson, route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const NO_STORE = { "Cache-Control": "no-store" };

// PATCH /api/account/keys/{id} – { monthlyCap: number | null }
export const PATCH = route<{ id: string }>(async ({ req, params }) => {
  const signedIn = await requireAccount(req);
  const body = updateApiKeySchema.parse(await readJson(req, 4096));
  await setApiKeyCap({ accountId: signedIn.account.id, keyId: params.id, monthlyCap: body.monthlyCap });
  return Response.json({ ok: true }, { headers: NO_STORE });
});

// DELETE /api/account/keys/{id} – revoke the key (refused at once by every process)
export const DELETE = route<{ id: string }>(async ({ req, params }) => {
  const signedIn = await requireAccount(req);
  await revokeApiKey({ accountId: signedIn.account.id, keyId: params.id });
  return Response.json({ revoked: true }, { headers: NO_STORE });
});
