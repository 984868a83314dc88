import { z } from "zod";
import { requireAccount } from "@/lib/accounts/session";
import { createTopup, listTopups } from "@/lib/billing/topups";
import { readJson, route } from "@/lib/http";
import { publicOrigin } from "@/lib/net/base-url";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const NO_STORE = { "Cache-Control": "no-store" };

// GET /api/account/topups – the account's credit purchases (receipts)
export const GET = route(async ({ req }) => {
  const signedIn = await requireAccount(req);
  return Response.json({ topups: await listTopups({ accountId: signedIn.account.id }) }, { headers: NO_STORE });
});

const topupSchema = z.object({ packId: z.string().min(1).max(40) }).strict();

// POST /api/account/topups – { packId } → 201; sandbox: credited at once; stripe: { checkoutUrl }
export const POST = route(async ({ req }) => {
  const signedIn = await requireAccount(req);
  const body = topupSchema.parse(await readJson(req, 4096));
  const topup = await createTopup({
    accountId: signedIn.account.id,
    packId: body.packId,
    origin: publicOrigin(req),
    email: signedIn.account.email,
  });
  return Response.json({ topup }, { status: 201, headers: NO_STORE });
});
