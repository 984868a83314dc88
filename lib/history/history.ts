import "server-only";
import type { Asset, Job } from "@/generated/prisma/client";
import { deleteAssetBytes, toPublicAsset } from "@/lib/assets/assets";
import { SERVICES, isServiceId } from "@/lib/catalog/services";
import { getDb } from "@/lib/db";

type HistoryImage = { url: string; width: number | null; height: number | null };

export type HistoryItem = {
  id: string;
  serviceId: string;
  serviceName: string;
  status: Job["status"];
  createdAt: string;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
  /** The original photo, or null once deleted. */
  input: HistoryImage | null;
  /** The edited photo, or null until it succeeds (or once deleted). */
  result: HistoryImage | null;
  deleted: boolean;
};

const HISTORY_LIMIT = 100;

function image(asset: Asset | undefined): HistoryImage | null {
  if (!asset || asset.deletedAt) return null;
  const pub = toPublicAsset(asset);
  return { url: pub.url, width: asset.width, height: asset.height };
}

/** This visitor's edits, newest first, with signed links to the before and after images. */
export async function listHistory(params: { ownerId: string; limit?: number }): Promise<HistoryItem[]> {
  const db = await getDb();
  const jobs = await db.job.findMany({
    where: { ownerId: params.ownerId },
    orderBy: { queuedAt: "desc" },
    take: Math.min(params.limit ?? HISTORY_LIMIT, HISTORY_LIMIT),
  });
  const assetIds = new Set<string>();
  for (const job of jobs) {
    if (job.inputAssetIds[0]) assetIds.add(job.inputAssetIds[0]);
    if (job.resultAssetId) assetIds.add(job.resultAssetId);
  }
  const assets = assetIds.size > 0 ? await db.asset.findMany({ where: { id: { in: [...assetIds] } } }) : [];
  const byId = new Map(assets.map((asset) => [asset.id, asset]));
  return jobs.map((job) => {
    const inputAsset = job.inputAssetIds[0] ? byId.get(job.inputAssetIds[0]) : undefined;
    const resultAsset = job.resultAssetId ? byId.get(job.resultAssetId) : undefined;
    return {
      id: job.id,
      serviceId: job.serviceId,
      serviceName: isServiceId(job.serviceId) ? SERVICES[job.serviceId].name : job.serviceId,
      status: job.status,
      createdAt: job.queuedAt.toISOString(),
      finishedAt: job.finishedAt?.toISOString() ?? null,
      error: job.errorCode ? { code: job.errorCode, message: job.errorMessage ?? "" } : null,
      input: image(inputAsset),
      result: image(resultAsset),
      deleted: Boolean(inputAsset?.deletedAt || resultAsset?.deletedAt),
    };
  });
}

/**
 * "Delete my photos now": removes the bytes of every file this visitor uploaded or received
 * (uploads, previews, hints, results, masks). Rows stay, so history and the ledger still add up.
 */
export async function deleteOwnerPhotos(params: { ownerId: string }): Promise<{ deletedFiles: number }> {
  const db = await getDb();
  const jobs = await db.job.findMany({
    where: { ownerId: params.ownerId },
    select: { inputAssetIds: true, resultAssetId: true, maskAssetId: true },
  });
  const jobAssetIds = jobs
    .flatMap((job) => [...job.inputAssetIds, job.resultAssetId, job.maskAssetId])
    .filter((id): id is string => Boolean(id));
  const assets = await db.asset.findMany({
    where: { deletedAt: null, OR: [{ ownerId: params.ownerId }, { id: { in: jobAssetIds } }] },
  });
  let deletedFiles = 0;
  for (const asset of assets) {
    await deleteAssetBytes(asset);
    deletedFiles += 1;
  }
  return { deletedFiles };
}
