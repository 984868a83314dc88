import { createUploadAsset, toPublicAsset } from "@/lib/assets/assets";
import { AppError } from "@/lib/errors";
import { readMultipart, route } from "@/lib/http";
import { MAX_UPLOAD_BYTES } from "@/lib/image/options";
import { resolveRequestOwner } from "@/lib/accounts/accounts";
import { withOwnerCookie } from "@/lib/owner";

export const runtime = "nodejs";

// Multipart framing adds a little to the file itself.
const MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 64 * 1024;

// POST /api/assets – upload a photo (validated by content, EXIF-rotated, stored)
export const POST = route(async ({ req }) => {
  const form = await readMultipart(req, MAX_BODY_BYTES);
  const file = form.get("file");
  if (!(file instanceof File)) throw new AppError("file_missing", "The form has no `file` field with a photo.");
  const owner = await resolveRequestOwner(req);
  const asset = await createUploadAsset({
    bytes: Buffer.from(await file.arrayBuffer()),
    fileName: file.name,
    ownerId: owner.id,
  });
  return withOwnerCookie(Response.json(toPublicAsset(asset), { status: 201 }), owner, req);
});
