import "server-only";
import type { ProviderContext } from "../types";

/**
 * Alibaba fetches its inputs by URL. A publisher makes bytes reachable at an absolute, signed,
 * short-lived URL and removes them again after the call.
 */
export type PublishedInput = { url: string; release: () => Promise<void> };
export type InputPublisher = (
  input: { bytes: Buffer; mime: string; width: number; height: number },
  ctx: ProviderContext,
) => Promise<PublishedInput>;

/**
 * The production publisher: stores a temporary asset and signs `/api/assets/{id}/content` under
 * PUBLIC_BASE_URL (15 min: ChangeSky is synchronous, the URL is fetched during the call).
 */
export function createAssetPublisher(params: { publicBaseUrl: string; ttlSeconds?: number }): InputPublisher {
  return async (input) => {
    const { storeAsset, deleteAssetBytes } = await import("@/lib/assets/assets");
    const { signAssetPath } = await import("@/lib/assets/signing");
    const asset = await storeAsset({
      kind: "upload",
      bytes: input.bytes,
      mime: input.mime,
      width: input.width,
      height: input.height,
      fileName: "provider-input",
    });
    const path = signAssetPath({ assetId: asset.id, ttlSeconds: params.ttlSeconds ?? 15 * 60 });
    return {
      url: new URL(path, params.publicBaseUrl).toString(),
      release: async () => {
        await deleteAssetBytes(asset).catch(() => undefined);
      },
    };
  };
}
