import { listHistory, deleteOwnerPhotos } from "@/lib/history/history";
import { route } from "@/lib/http";
import { resolveRequestOwner } from "@/lib/accounts/accounts";

export const runtime = "nodejs";

const NO_STORE = { "Cache-Control": "no-store" };

// GET /api/history – the signed-in account's edits (every device), else this browser's (owner cookie), newest first
export const GET = route(async ({ req }) => {
  const owner = await resolveRequestOwner(req);
  const items = owner.isNew ? [] : await listHistory({ ownerId: owner.id });
  return Response.json({ items }, { headers: NO_STORE });
});

// DELETE /api/history – delete the bytes of all of this browser's photos now (rows are kept)
export const DELETE = route(async ({ req }) => {
  const owner = await resolveRequestOwner(req);
  const result = owner.isNew ? { deletedFiles: 0 } : await deleteOwnerPhotos({ ownerId: owner.id });
  return Response.json(result, { headers: NO_STORE });
});
