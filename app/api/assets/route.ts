import { createUploadAsset, toPublicAsset } from "@/lib/assets/assets";
import { resolveUploadOwner } from "@/lib/accounts/upload-owner";
import { AppError } from "@/lib/errors";
import { readMultipart, route } from "@/lib/http";
import { MAX_UPLOAD_BYTES } from "@/lib/image/options";
import { withOwnerCookie } from "@/lib/owner";
import { paymentTokenFrom } from "@/lib/tools/request";

export const runtime = "nodejs";

// Multipart framing adds a little to the file itself.
const MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 64 * 1024;

// POST /api/assets – upload a photo (validated by content, EXIF-rotated, stored). It belongs to the
// uploader: the API key's account, the X-Payment-Token's payment, or the browser (owner cookie).
export const POST = route(async ({ req }) => {
  const owner = await resolveUploadOwner(req, paymentTokenFrom(req));
  const form = await readMultipart(req, MAX_BODY_BYTES);
  const file = form.get("file");
  if (!(file instanceof File)) throw new AppError("file_missing", "The form has no `file` field with a photo.");
  const asset = await createUploadAsset({
    bytes: Buffer.from(await file.arrayBuffer()),
    fileName: file.name,
    ownerId: owner.id,
    beforeStore: owner.admit,
  });
  return withOwnerCookie(Response.json(toPublicAsset(asset), { status: 201 }), owner, req);
});
