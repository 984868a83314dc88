import { listHistory, deleteOwnerPhotos } from "@/lib/history/history";
import { route } from "@/lib/http";
import { resolveOwner } from "@/lib/owner";

export const runtime = "nodejs";

const NO_STORE = { "Cache-Control": "no-store" };

// GET /api/history – this browser's edits (owner cookie), newest first
export const GET = route(async ({ req }) => {
  const owner = resolveOwner(req);
  const items = owner.isNew ? [] : await listHistory({ ownerId: owner.id });
  return Response.json({ items }, { headers: NO_STORE });
});

// DELETE /api/history – delete the bytes of all of this browser's photos now (rows are kept)
export const DELETE = route(async ({ req }) => {
  const owner = resolveOwner(req);
  const result = owner.isNew ? { deletedFiles: 0 } : await deleteOwnerPhotos({ ownerId: owner.id });
  return Response.json(result, { headers: NO_STORE });
});
