import { getAssetOrThrow, readAssetBytes, extensionFor } from "@/lib/assets/assets";
import { verifyAssetSignature } from "@/lib/assets/signing";
import { AppError } from "@/lib/errors";
import { route } from "@/lib/http";

export const runtime = "nodejs";

// GET /api/assets/{id}/content?expires&sig – serve an asset's bytes through a signed, expiring link
export const GET = route<{ id: string }>(async ({ req, params }) => {
  const url = new URL(req.url);
  const check = verifyAssetSignature({
    assetId: params.id,
    expires: url.searchParams.get("expires"),
    sig: url.searchParams.get("sig"),
  });
  if (check === "invalid") throw new AppError("link_invalid", "This link is not valid.");
  if (check === "expired") throw new AppError("link_expired", "This link has expired; ask for a new one.");
  const asset = await getAssetOrThrow(params.id);
  if (req.headers.get("if-none-match") === `"${asset.sha256}"`) {
    return new Response(null, { status: 304, headers: { ETag: `"${asset.sha256}"` } });
  }
  const bytes = await readAssetBytes(asset);
  const download = url.searchParams.get("download") === "1";
  const name = `${(asset.fileName ?? "backdrop").replace(/\.[a-z0-9]+$/i, "").replace(/[^\w.-]+/g, "_")}.${extensionFor(asset.mime)}`;
  return new Response(new Uint8Array(bytes), {
    headers: {
      "Content-Type": asset.mime,
      "Content-Length": String(bytes.length),
      "Content-Disposition": `${download ? "attachment" : "inline"}; filename="${name}"`,
      "Cache-Control": "private, max-age=3600",
      ETag: `"${asset.sha256}"`,
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'; sandbox",
    },
  });
});
