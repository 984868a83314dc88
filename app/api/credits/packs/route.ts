import { listPacks, toPublicPack } from "@/lib/catalog/packs";
import { getEnv } from "@/lib/env";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/credits/packs – the credit packs on sale (one credit pays for one edit)
export const GET = route(async () => {
  const packs = (await listPacks()).map(toPublicPack);
  return Response.json(
    { packs, creditsPerEdit: 1, sandbox: getEnv().PAYMENTS_MODE === "sandbox" },
    { headers: { "Cache-Control": "no-store" } },
  );
});
