import "server-only";
import type { Job } from "@/generated/prisma/client";
import { extensionFor, getAssetOrThrow, readAssetBytes, storeAsset } from "@/lib/assets/assets";
import { isServiceId, type ServiceId } from "@/lib/catalog/services";
import { AppError } from "@/lib/errors";
import { safeFetchImage } from "@/lib/net/safe-fetch";
import { runWithProviders, type ServiceRequest } from "@/lib/providers";
import type { ImageInput } from "@/lib/image/types";
import type { ProviderContext } from "@/lib/providers/types";
import { TOOL_INPUT_SCHEMAS, type ToolInput } from "@/lib/edits/schemas";
import type { JobSuccess } from "./queue";

type Resolved = { image: ImageInput; assetId: string };

/** An image given as an asset id or as a URL (fetched through the SSRF guard, then kept as an upload). */
async function resolveImage(params: {
  assetId?: string;
  url?: string;
  ownerId: string | null;
  keep: boolean;
  signal: AbortSignal;
}): Promise<Resolved | undefined> {
  if (params.assetId) {
    const asset = await getAssetOrThrow(params.assetId);
    const bytes = await readAssetBytes(asset);
    if (!asset.width || !asset.height) throw new AppError("image_corrupt", "The stored image has no dimensions.");
    return {
      image: { bytes, mime: asset.mime as ImageInput["mime"], width: asset.width, height: asset.height },
      assetId: asset.id,
    };
  }
  if (!params.url) return undefined;
  const image = await safeFetchImage(params.url, { signal: params.signal });
  if (!params.keep) return { image, assetId: "" };
  const asset = await storeAsset({
    kind: "upload",
    bytes: image.bytes,
    mime: image.mime,
    width: image.width,
    height: image.height,
    fileName: fileNameFromUrl(params.url),
    ownerId: params.ownerId,
  });
  return { image, assetId: asset.id };
}

function fileNameFromUrl(url: string): string | undefined {
  try {
    return new URL(url).pathname.split("/").pop() || undefined;
  } catch {
    return undefined;
  }
}

async function buildRequest(
  serviceId: ServiceId,
  params: unknown,
  ctx: { ownerId: string | null; signal: AbortSignal },
) {
  const input = TOOL_INPUT_SCHEMAS[serviceId].parse(params) as ToolInput[ServiceId];
  const main = await resolveImage({
    assetId: input.imageAssetId,
    url: input.ImageURL,
    ownerId: ctx.ownerId,
    keep: true,
    signal: ctx.signal,
  });
  if (!main) throw new AppError("validation_failed", "The photo is missing.");
  const extra = (assetId?: string, url?: string) =>
    resolveImage({ assetId, url, ownerId: ctx.ownerId, keep: false, signal: ctx.signal });

  switch (serviceId) {
    case "sky-replacement": {
      const v = input as ToolInput["sky-replacement"];
      const skyImage = await extra(v.skyAssetId, v.ReplaceImageURL);
      const hints = await extra(v.hintsAssetId);
      const request: ServiceRequest["sky-replacement"] = {
        image: main.image,
        sky: skyImage
          ? { kind: "image", image: skyImage.image }
          : v.skyPresetId
            ? { kind: "preset", presetId: v.skyPresetId }
            : { kind: "prompt", prompt: v.skyPrompt ?? "" },
        harmonize: v.harmonize,
        horizonShift: v.horizonShift,
        reflection: v.reflection,
        ...(hints ? { hints: hints.image } : {}),
        format: v.format,
      };
      return { main, request };
    }
    case "background-change": {
      const v = input as ToolInput["background-change"];
      const bg = await extra(v.backgroundAssetId, v.BackgroundURL);
      const request: ServiceRequest["background-change"] = {
        image: main.image,
        background: bg
          ? { kind: "image", image: bg.image }
          : v.backgroundPresetId
            ? { kind: "preset", presetId: v.backgroundPresetId }
            : v.backgroundColor
              ? { kind: "color", color: v.backgroundColor }
              : { kind: "prompt", prompt: v.backgroundPrompt ?? "" },
        shadow: v.shadow,
        canvas: v.canvas,
        format: v.format,
      };
      return { main, request };
    }
    case "background-removal": {
      const v = input as ToolInput["background-removal"];
      const request: ServiceRequest["background-removal"] = { image: main.image, format: v.format, output: v.output };
      return { main, request };
    }
    case "prompt-segmentation": {
      const v = input as ToolInput["prompt-segmentation"];
      const request: ServiceRequest["prompt-segmentation"] = { image: main.image, prompt: v.prompt };
      return { main, request };
    }
  }
}

/**
 * Runs one job's edit: resolves its inputs, calls the provider chain, stores the result.
 * Does not touch the job row or the payment; the worker finishes the job with what this returns.
 */
export async function executeJob(
  job: Job,
  ctx: { signal: AbortSignal; onProgress: (fraction: number) => void },
): Promise<JobSuccess> {
  if (!isServiceId(job.serviceId)) throw new AppError("service_not_found", `Unknown service ${job.serviceId}.`);
  const serviceId = job.serviceId;
  const { main, request } = await buildRequest(serviceId, job.params, { ownerId: job.ownerId, signal: ctx.signal });
  ctx.onProgress(0.1);
  const providerCtx: ProviderContext = {
    signal: ctx.signal,
    jobId: job.id,
    onProgress: (f) => ctx.onProgress(0.1 + 0.85 * f),
  };
  const { result, provider, costMinor } = await runWithProviders({
    serviceId,
    request: request as ServiceRequest[typeof serviceId],
    ctx: providerCtx,
  });
  const isMask =
    serviceId === "prompt-segmentation" ||
    (serviceId === "background-removal" && (request as ServiceRequest["background-removal"]).output === "matte");
  const asset = await storeAsset({
    kind: isMask ? "mask" : "result",
    bytes: result.bytes,
    mime: result.mime,
    width: result.width,
    height: result.height,
    fileName: `backdrop-${serviceId}.${extensionFor(result.mime)}`,
    ownerId: job.ownerId,
  });
  return {
    resultAssetId: asset.id,
    maskAssetId: isMask ? asset.id : null,
    inputAssetIds: [main.assetId],
    provider,
    providerRequestId: result.requestId ?? null,
    // Every paid vendor call of this job, the failed attempts' included.
    providerCostMinor: costMinor,
    meta: result.meta ?? {},
  };
}
