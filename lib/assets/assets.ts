import "server-only";
import { createHash } from "node:crypto";
import type { Asset, AssetKind } from "@/generated/prisma/client";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { newId, isWellFormedId } from "@/lib/ids";
import { validateImage } from "@/lib/image/validate";
import { signAssetPath } from "./signing";
import { getStorage } from "./storage";

export type { Asset } from "@/generated/prisma/client";

export type PublicAsset = {
  id: string;
  kind: AssetKind;
  mime: string;
  width: number | null;
  height: number | null;
  bytes: number;
  fileName: string | null;
  createdAt: string;
  /** Signed, expiring link that serves the bytes. */
  url: string;
  urlExpiresAt: string;
};

const EXTENSIONS: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
  "application/zip": "zip",
};

export function extensionFor(mime: string): string {
  return EXTENSIONS[mime] ?? "bin";
}

/**
 * Stores bytes and records the Asset. The file is written first and removed again if the row
 * cannot be written, so a failure leaves neither a row without bytes nor bytes without a row.
 */
export async function storeAsset(params: {
  kind: AssetKind;
  bytes: Buffer;
  mime: string;
  width?: number;
  height?: number;
  fileName?: string;
  ownerId?: string | null;
}): Promise<Asset> {
  const id = newId("ast");
  const storageKey = `${params.kind}/${id.slice(4, 6).toLowerCase()}/${id}.${extensionFor(params.mime)}`;
  const storage = getStorage();
  await storage.put({ key: storageKey, bytes: params.bytes, mime: params.mime });
  try {
    const db = await getDb();
    return await db.asset.create({
      data: {
        id,
        kind: params.kind,
        storageKey,
        mime: params.mime,
        width: params.width ?? null,
        height: params.height ?? null,
        bytes: params.bytes.length,
        sha256: createHash("sha256").update(params.bytes).digest("hex"),
        fileName: params.fileName ? sanitizeFileName(params.fileName) : null,
        ownerId: params.ownerId ?? null,
      },
    });
  } catch (error) {
    await storage.delete(storageKey).catch(() => undefined);
    throw error;
  }
}

/** Validates an uploaded photo by content (see validateImage) and stores it. */
export async function createUploadAsset(params: {
  bytes: Buffer;
  fileName?: string;
  ownerId?: string | null;
  /** Runs once the photo is known to be good, before it is stored (may throw, e.g. a rate limit). */
  beforeStore?: () => void;
}): Promise<Asset> {
  const image = await validateImage(params.bytes);
  params.beforeStore?.();
  return storeAsset({
    kind: "upload",
    bytes: image.bytes,
    mime: image.mime,
    width: image.width,
    height: image.height,
    fileName: params.fileName,
    ownerId: params.ownerId,
  });
}

export async function getAsset(id: string): Promise<Asset | null> {
  if (!isWellFormedId(id, "ast")) return null;
  const db = await getDb();
  return db.asset.findUnique({ where: { id } });
}

export async function getAssetOrThrow(id: string): Promise<Asset> {
  const asset = await getAsset(id);
  if (!asset) throw new AppError("asset_not_found", "No asset with this id.");
  if (asset.deletedAt) throw new AppError("asset_gone", "This file has been deleted.");
  return asset;
}

/** The bytes of a live asset. */
export async function readAssetBytes(asset: Asset): Promise<Buffer> {
  if (asset.deletedAt) throw new AppError("asset_gone", "This file has been deleted.");
  const bytes = await getStorage().get(asset.storageKey);
  if (!bytes) throw new AppError("asset_gone", "This file is no longer stored.");
  return bytes;
}

/** Removes the bytes; the row stays (history and the ledger refer to it) with deletedAt set. */
export async function deleteAssetBytes(asset: Asset): Promise<void> {
  await getStorage().delete(asset.storageKey);
  const db = await getDb();
  await db.asset.update({ where: { id: asset.id }, data: { deletedAt: new Date() } });
}

export function toPublicAsset(asset: Asset, options: { ttlSeconds?: number } = {}): PublicAsset {
  const url = signAssetPath({ assetId: asset.id, ttlSeconds: options.ttlSeconds });
  const expires = Number(new URL(url, "http://x").searchParams.get("expires"));
  return {
    id: asset.id,
    kind: asset.kind,
    mime: asset.mime,
    width: asset.width,
    height: asset.height,
    bytes: asset.bytes,
    fileName: asset.fileName,
    createdAt: asset.createdAt.toISOString(),
    url,
    urlExpiresAt: new Date(expires * 1000).toISOString(),
  };
}

function sanitizeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  return base.replace(/[\u0000-\u001f"<>|:*?]/g, "_").slice(0, 120) || "image";
}
