import "server-only";
import sharp from "sharp";
import type { Asset } from "@/generated/prisma/client";
import { getAssetOrThrow, readAssetBytes, storeAsset, toPublicAsset } from "@/lib/assets/assets";
import { isServiceId, type ServiceId } from "@/lib/catalog/services";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { watermarkSvg } from "@/lib/image/encode";
import { PREVIEW_OPTIONS } from "@/lib/image/options";
import { localProvider } from "@/lib/providers/local";
import type { ImageInput } from "@/lib/image/types";
import type { ImageProvider, ProviderContext, ProviderResult } from "@/lib/providers/types";
import { TOOL_INPUT_SCHEMAS, type ToolInput } from "@/lib/edits/schemas";

/** Preview files are scratch: they expire after this long (retention removes them). */
export const PREVIEW_TTL_SECONDS = 60 * 60;
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
    .composite([{ input: watermarkSvg(result.width, result.height) }])
    .png()
    .toBuffer({ resolveWithObject: true });
  return { ...result, bytes: data, mime: "image/png", width: info.width, height: info.height };
}

function requireImageAsset(input: { imageAssetId?: string; ImageURL?: string }): string {
  if (!input.imageAssetId) {
    throw new AppError(
      "validation_failed",
      "Previews work on uploaded photos: give imageAssetId (from POST /api/assets), not ImageURL.",
    );
  }
  return input.imageAssetId;
}

async function render(params: {
  provider: ImageProvider;
  serviceId: ServiceId;
  input: ToolInput[ServiceId];
  ownerId: string;
  ctx: ProviderContext;
}): Promise<ProviderResult> {
  const { provider, ctx, ownerId } = params;
  const preview = PREVIEW_OPTIONS;
  const unsupported = () => new AppError("provider_unavailable", "Previews of this edit are not available right now.");
  switch (params.serviceId) {
    case "sky-replacement": {
      const input = params.input as ToolInput["sky-replacement"];
      if (input.ReplaceImageURL)
        throw new AppError("validation_failed", "Previews take an uploaded sky (skyAssetId), not ReplaceImageURL.");
      const { image } = await loadImage({ assetId: requireImageAsset(input), ownerId, what: "photo" });
      const sky = input.skyAssetId
        ? {
            kind: "image" as const,
            image: (await loadImage({ assetId: input.skyAssetId, ownerId, what: "sky photo" })).image,
          }
        : input.skyPresetId
          ? { kind: "preset" as const, presetId: input.skyPresetId }
          : { kind: "prompt" as const, prompt: input.skyPrompt ?? "" };
      const hints = input.hintsAssetId
        ? (await loadImage({ assetId: input.hintsAssetId, ownerId, what: "sky hints" })).image
        : undefined;
      if (!provider.skyReplacement) throw unsupported();
      return provider.skyReplacement(
        {
          image,
          sky,
          harmonize: input.harmonize,
          horizonShift: input.horizonShift,
          reflection: input.reflection,
          hints,
          format: input.format,
          preview,
        },
        ctx,
      );
    }
    case "background-change": {
      const input = params.input as ToolInput["background-change"];
      if (input.BackgroundURL)
        throw new AppError(
          "validation_failed",
          "Previews take an uploaded background (backgroundAssetId), not BackgroundURL.",
        );
      const { image } = await loadImage({ assetId: requireImageAsset(input), ownerId, what: "photo" });
      const background = input.backgroundAssetId
        ? {
            kind: "image" as const,
            image: (await loadImage({ assetId: input.backgroundAssetId, ownerId, what: "background image" })).image,
          }
        : input.backgroundPresetId
          ? { kind: "preset" as const, presetId: input.backgroundPresetId }
          : input.backgroundColor
            ? { kind: "color" as const, color: input.backgroundColor }
            : { kind: "prompt" as const, prompt: input.backgroundPrompt ?? "" };
      if (!provider.backgroundChange) throw unsupported();
      return provider.backgroundChange(
        { image, background, shadow: input.shadow, canvas: input.canvas, format: input.format, preview },
        ctx,
      );
    }
    case "background-removal": {
      const input = params.input as ToolInput["background-removal"];
      const { image } = await loadImage({ assetId: requireImageAsset(input), ownerId, what: "photo" });
      if (!provider.backgroundRemoval) throw unsupported();
      return provider.backgroundRemoval({ image, format: input.format, output: input.output, preview }, ctx);
    }
    case "prompt-segmentation": {
      const input = params.input as ToolInput["prompt-segmentation"];
      const { image } = await loadImage({ assetId: requireImageAsset(input), ownerId, what: "photo" });
      if (!provider.promptSegmentation) throw unsupported();
      const small = await shrink(image, preview.maxSide);
      return watermark(await provider.promptSegmentation({ image: small, prompt: input.prompt }, ctx));
    }
  }
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
      input: parsed.data as ToolInput[ServiceId],
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
