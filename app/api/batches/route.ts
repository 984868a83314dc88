import { resolveRequestOwner } from "@/lib/accounts/accounts";
import { assertAccountCsrf } from "@/lib/accounts/session";
import { createBatch } from "@/lib/batches/batches";
import { createBatchSchema } from "@/lib/batches/schemas";
import { AppError } from "@/lib/errors";
import { readJson, route } from "@/lib/http";
import { publicOrigin } from "@/lib/net/base-url";
import { creditCallerFrom } from "@/lib/tools/request";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// POST /api/batches – { items: [{ imageAssetId } | { ImageURL }], look: { background keys }, paymentToken | paymentTokens | payWith }
// → 201 the batch (402 payment_required with how to pay for N edits when no token is given).
// An API key (Authorization: Bearer bdk_…) or the signed-in bulk page (payWith: "credits") spends prepaid credits.
export const POST = route(async ({ req, requestId }) => {
  const input = createBatchSchema.parse(await readJson(req, 1024 * 1024));
  const caller = await creditCallerFrom(req);
  const owner = caller ? null : await resolveRequestOwner(req);
  let credits = caller?.payer ?? null;
  if (!caller && input.payWith === "credits") {
    if (!owner?.signedIn) throw new AppError("unauthorized", "Sign in to pay with credits.");
    assertAccountCsrf(req, owner.signedIn);
    credits = { accountId: owner.signedIn.account.id, apiKeyId: null };
  }
  const ownerId = caller?.ownerId ?? (owner && !owner.isNew ? owner.id : null);
  const batch = await createBatch({ input, ownerId, requestId, origin: publicOrigin(req), credits });
  return Response.json(batch, { status: 201, headers: { "Cache-Control": "no-store", Location: batch.statusUrl } });
});
