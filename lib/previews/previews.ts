import "server-only";
import sharp from "sharp";
import type { Asset } from "@/generated/prisma/client";
import { getAssetOrThrow, readAssetBytes, storeAsset, toPublicAsset } from "@/lib/assets/assets";
import { isServiceId, type ServiceId } from "@/lib/catalog/services";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { watermarkPixels } from "@/lib/image/encode";
import { PREVIEW_OPTIONS } from "@/lib/image/options";
import { localProvider } from "@/lib/providers/local";
import type { ImageInput } from "@/lib/image/types";
import type { ImageProvider, ProviderContext, ProviderResult } from "@/lib/providers/types";
import { type EngineRequest, type ImageRole, type ResolveImage, toEngineRequest } from "@/lib/edits/engine-request";
import { TOOL_INPUT_SCHEMAS, type ToolInput } from "@/lib/edits/schemas";

/** Preview files are scratch: they expire after this long (retention removes them). */
const PREVIEW_TTL_SECONDS = 60 * 60;
/** A render that takes longer than this is abandoned (the engine queue may be busy with paid jobs). */
const PREVIEW_TIMEOUT_MS = 60_000;

export type PreviewResult = {
  id: string;
  url: string;
  width: number;
  height: number;
  mime: string;
  serviceId: ServiceId;
  meta: Record<string, unknown>;
  expiresAt: string;
};

type Loaded = { asset: Asset; image: ImageInput };

async function loadImage(params: { assetId: string; ownerId: string; what: string }): Promise<Loaded> {
  const asset = await getAssetOrThrow(params.assetId);
  // Previews are for your own uploads only: an asset id alone is not enough to render someone else's photo.
  if (asset.ownerId && asset.ownerId !== params.ownerId)
    throw new AppError("asset_not_found", `No ${params.what} with this id.`);
  if (asset.mime !== "image/jpeg" && asset.mime !== "image/png" && asset.mime !== "image/webp") {
    throw new AppError("unsupported_media_type", `The ${params.what} is not a JPEG, PNG or WebP image.`);
  }
  if (!asset.width || !asset.height) throw new AppError("image_corrupt", `The ${params.what} has no known size.`);
  const bytes = await readAssetBytes(asset);
  return { asset, image: { bytes, mime: asset.mime, width: asset.width, height: asset.height } };
}

/** Downscales to the preview size (segmentation has no preview mode of its own). */
async function shrink(image: ImageInput, maxSide: number): Promise<ImageInput> {
  if (Math.max(image.width, image.height) <= maxSide) return image;
  const { data, info } = await sharp(image.bytes)
    .resize({ width: maxSide, height: maxSide, fit: "inside" })
    .png()
    .toBuffer({ resolveWithObject: true });
  return { bytes: data, mime: "image/png", width: info.width, height: info.height };
}

async function watermark(result: ProviderResult): Promise<ProviderResult> {
  const { data, info } = await sharp(result.bytes)
    .composite([
      {
        input: await watermarkPixels(result.width, result.height),
        raw: { width: result.width, height: result.height, channels: 4 },
      },
    ])
    .png()
    .toBuffer({ resolveWithObject: true });
  return { ...result, bytes: data, mime: "image/png", width: info.width, height: info.height };
}

/** Previews render the visitor's own uploads only: a URL (fetched for paid jobs) is refused with a pointer to the asset key. */
const URL_REFUSALS: Record<ImageRole, string> = {
  photo: "Previews work on uploaded photos: give imageAssetId (from POST /api/assets), not ImageURL.",
  sky: "Previews take an uploaded sky (skyAssetId), not ReplaceImageURL.",
  background: "Previews take an uploaded background (backgroundAssetId), not BackgroundURL.",
  hints: "Previews take uploaded sky hints (hintsAssetId).",
};
const ROLE_NAMES: Record<ImageRole, string> = {
  photo: "photo",
  sky: "sky photo",
  background: "background image",
  hints: "sky hints",
};

function previewImage(ownerId: string): ResolveImage {
  return async ({ role, assetId }) => {
    if (!assetId) throw new AppError("validation_failed", URL_REFUSALS[role]);
    return (await loadImage({ assetId, ownerId, what: ROLE_NAMES[role] })).image;
  };
}

const PROVIDER_METHOD = {
  "sky-replacement": "skyReplacement",
  "background-change": "backgroundChange",
  "background-removal": "backgroundRemoval",
  "prompt-segmentation": "promptSegmentation",
} as const satisfies Record<ServiceId, keyof ImageProvider>;

async function render<S extends ServiceId>(params: {
  provider: ImageProvider;
  serviceId: S;
  input: ToolInput[S];
  ownerId: string;
  ctx: ProviderContext;
}): Promise<ProviderResult> {
  const { provider, serviceId } = params;
  const method = provider[PROVIDER_METHOD[serviceId]] as
    ((req: EngineRequest[S], ctx: ProviderContext) => Promise<ProviderResult>) | undefined;
  if (!method) throw new AppError("provider_unavailable", "Previews of this edit are not available right now.");
  // Segmentation has no preview mode: its photo is shrunk and its mask watermarked here.
  const segmentation = serviceId === "prompt-segmentation";
  const request = await toEngineRequest({
    serviceId,
    input: params.input,
    resolveImage: previewImage(params.ownerId),
    ...(segmentation ? {} : { preview: PREVIEW_OPTIONS }),
  });
  if (segmentation) request.image = await shrink(request.image, PREVIEW_OPTIONS.maxSide);
  const result = await method.call(provider, request, params.ctx);
  return segmentation ? watermark(result) : result;
}

/**
 * Renders a free preview of an edit synchronously on the embedded engine (small, watermarked),
 * stores it as a short-lived `preview` asset owned by the visitor and returns a signed link to it.
 */
export async function createPreview(params: {
  serviceId: string;
  input: unknown;
  ownerId: string;
  provider?: ImageProvider;
  signal?: AbortSignal;
}): Promise<PreviewResult> {
  if (!isServiceId(params.serviceId)) {
    throw new AppError("service_not_found", `No service "${params.serviceId}".`);
  }
  const serviceId = params.serviceId;
  const parsed = TOOL_INPUT_SCHEMAS[serviceId].safeParse(params.input ?? {});
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new AppError(
      "validation_failed",
      first ? `${first.path.join(".") || "input"}: ${first.message}` : "The input is not valid.",
      {
        details: parsed.error.issues,
      },
    );
  }
  const timeout = AbortSignal.timeout(PREVIEW_TIMEOUT_MS);
  const signal = params.signal ? AbortSignal.any([params.signal, timeout]) : timeout;
  let result: ProviderResult;
  try {
    result = await render({
      provider: params.provider ?? localProvider,
      serviceId,
      input: parsed.data,
      ownerId: params.ownerId,
      ctx: { signal },
    });
  } catch (error) {
    if (timeout.aborted)
      throw new AppError("job_timeout", "The preview took too long; the engine is busy. Try again in a moment.", {
        retryable: true,
      });
    throw error;
  }
  if (Math.max(result.width, result.height) > PREVIEW_OPTIONS.maxSide) {
    // Defence in depth: a provider that ignored `preview` must not hand out a free full-size render.
    throw new AppError("engine_failed", "The preview came back too large.");
  }
  const asset = await storeAsset({
    kind: "preview",
    bytes: result.bytes,
    mime: result.mime,
    width: result.width,
    height: result.height,
    fileName: `preview-${serviceId}`,
    ownerId: params.ownerId,
  });
  const expiresAt = new Date(Date.now() + PREVIEW_TTL_SECONDS * 1000);
  const db = await getDb();
  await db.asset.update({ where: { id: asset.id }, data: { expiresAt } });
  const pub = toPublicAsset(asset, { ttlSeconds: PREVIEW_TTL_SECONDS });
  return {
    id: asset.id,
    url: pub.url,
    width: result.width,
    height: result.height,
    mime: result.mime,
    serviceId,
    meta: result.meta ?? {},
    expiresAt: expiresAt.toISOString(),
  };
}
