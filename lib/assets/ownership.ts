import "server-only";
import type { Asset } from "@/generated/prisma/client";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { isWellFormedId } from "@/lib/ids";

/**
 * Who a request acts for, as the owner ids an asset may carry: the browser's anonymous owner
 * (cookie), the signed-in account or an API key's account, and the payment of the request's payment
 * token (an API client without cookies uploads with `X-Payment-Token`, and the upload belongs to that
 * payment). An asset id alone is not a key: using or seeing someone else's upload needs one of these.
 */
export type Caller = { ownerIds: string[] };

export const NOBODY: Caller = { ownerIds: [] };

/**
 * Whether the caller may use or see this asset. Assets without an owner (the inputs and results of
 * anonymous API calls, shown to anyone holding the job's unguessable link anyway) are open.
 */
export function mayUseAsset(asset: Pick<Asset, "ownerId">, caller: Caller): boolean {
  return !asset.ownerId || caller.ownerIds.includes(asset.ownerId);
}

/** The uploaded assets a tool input names (photo, sky, background, hints). */
export function referencedAssetIds(input: Record<string, unknown>): string[] {
  return ["imageAssetId", "skyAssetId", "backgroundAssetId", "hintsAssetId"]
    .map((key) => input[key])
    .filter((value): value is string => typeof value === "string" && value.length > 0);
}

/**
 * Refuses, before any payment is touched, an input that names an asset the caller does not own:
 * 404 `asset_not_found` for an unknown id, 410 `asset_gone` for deleted bytes, 403 `asset_forbidden`.
 */
export async function assertAssetsUsable(params: { assetIds: string[]; caller: Caller }): Promise<void> {
  const ids = [...new Set(params.assetIds)];
  if (ids.length === 0) return;
  const wellFormed = ids.filter((id) => isWellFormedId(id, "ast"));
  const db = await getDb();
  const assets = wellFormed.length
    ? await db.asset.findMany({
        where: { id: { in: wellFormed } },
        select: { id: true, ownerId: true, deletedAt: true },
      })
    : [];
  const byId = new Map(assets.map((asset) => [asset.id, asset]));
  for (const id of ids) {
    const asset = byId.get(id);
    if (!asset) throw new AppError("asset_not_found", `No uploaded file with the id ${id}.`);
    if (!mayUseAsset(asset, params.caller)) {
      throw new AppError(
        "asset_forbidden",
        `The file ${id} was uploaded by someone else. Upload it yourself: from a browser with its owner cookie, from a program with the same X-Payment-Token (or API key) you pay this call with.`,
      );
    }
    if (asset.deletedAt) throw new AppError("asset_gone", `The file ${id} has been deleted.`);
  }
}
