import { createApiKey, createApiKeySchema, listApiKeys } from "@/lib/accounts/api-keys";
import { requireAccount } from "@/lib/accounts/session";
import { readJson, route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const NO_STORE = { "Cache-Control": "no-store" };

// GET /api/account/keys – the account's API keys (never the keys themselves), usage and caps
export const GET = route(async ({ req }) => {
  const signedIn = await requireAccount(req);
  return Response.json({ keys: await listApiKeys(signedIn.account.id) }, { headers: NO_STORE });
});

// POST /api/account/keys – { name, monthlyCap? } → 201 with the key, shown this once
export const POST = route(async ({ req }) => {
  const signedIn = await requireAccount(req);
  const body = createApiKeySchema.parse(await readJson(req, 4096));
  const created = await createApiKey({ accountId: signedIn.account.id, name: body.name, monthlyCap: body.monthlyCap });
  return Response.json(created, { status: 201, headers: NO_STORE });
});
