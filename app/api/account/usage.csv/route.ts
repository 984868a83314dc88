import { usageCsv } from "@/lib/accounts/activity";
import { requireAccount } from "@/lib/accounts/session";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/account/usage.csv – every credit movement of the account as CSV
export const GET = route(async ({ req }) => {
  const signedIn = await requireAccount(req);
  const day = new Date().toISOString().slice(0, 10);
  return new Response(await usageCsv(signedIn.account.id), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="backdrop-usage-${day}.csv"`,
      "Cache-Control": "no-store",
    },
  });
});
