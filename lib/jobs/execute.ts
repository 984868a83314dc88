import "server-only";
import type { Job } from "@/generated/prisma/client";
import { extensionFor, getAssetOrThrow, readAssetBytes, storeAsset } from "@/lib/assets/assets";
import { isServiceId, type ServiceId } from "@/lib/catalog/services";
import { AppError } from "@/lib/errors";
import { safeFetchImage } from "@/lib/net/safe-fetch";
import { type EngineRequest, toEngineRequest } from "@/lib/edits/engine-request";
import { runWithProviders } from "@/lib/providers";
import { readRightsTags, writeRightsTags } from "@/lib/image/metadata";
import type { ImageInput } from "@/lib/image/types";
import type { ProviderContext } from "@/lib/providers/types";
import { TOOL_INPUT_SCHEMAS, type ToolInput } from "@/lib/edits/schemas";
import type { JobSuccess } from "./queue";

type Resolved = { image: ImageInput; assetId: string };

/** An image given as an asset id or as a URL (fetched through the SSRF guard, then kept as an upload when `keep`). */
async function resolveImage(params: {
  assetId?: string;
  url?: string;
  ownerId: string | null;
  keep: boolean;
  signal: AbortSignal;
}): Promise<Resolved> {
  if (params.assetId) {
    const asset = await getAssetOrThrow(params.assetId);
    const bytes = await readAssetBytes(asset);
    if (!asset.width || !asset.height) throw new AppError("image_corrupt", "The stored image has no dimensions.");
    return {
      image: { bytes, mime: asset.mime as ImageInput["mime"], width: asset.width, height: asset.height },
      assetId: asset.id,
    };
  }
  if (!params.url) throw new AppError("validation_failed", "The photo is missing.");
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

/** The job's engine request; the photo given by URL is kept as an upload (the job's input asset). */
async function buildRequest<S extends ServiceId>(
  serviceId: S,
  params: unknown,
  ctx: { ownerId: string | null; signal: AbortSignal },
) {
  const input = TOOL_INPUT_SCHEMAS[serviceId].parse(params) as ToolInput[S];
  let photoAssetId = "";
  const request = await toEngineRequest({
    serviceId,
    input,
    resolveImage: async ({ role, assetId, url }) => {
      const resolved = await resolveImage({ ...ctx, assetId, url, keep: role === "photo" });
      if (role === "photo") photoAssetId = resolved.assetId;
      return resolved.image;
    },
  });
  return { photoAssetId, request, input };
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
  const { photoAssetId, request, input } = await buildRequest(serviceId, job.params, {
    ownerId: job.ownerId,
    signal: ctx.signal,
  });
  ctx.onProgress(0.1);
  const providerCtx: ProviderContext = {
    signal: ctx.signal,
    jobId: job.id,
    onProgress: (f) => ctx.onProgress(0.1 + 0.85 * f),
  };
  const { result, provider, costMinor } = await runWithProviders({
    serviceId,
    request,
    ctx: providerCtx,
  });
  const isMask =
    serviceId === "prompt-segmentation" ||
    (serviceId === "background-removal" && (request as EngineRequest["background-removal"]).output === "matte");
  // The photographer's credit (EXIF Artist/Copyright) goes on to the result, unless asked not to.
  const strip = isMask || ("stripMetadata" in input && input.stripMetadata);
  const bytes = strip ? result.bytes : writeRightsTags(result, await readRightsTags(request.image.bytes));
  const asset = await storeAsset({
    kind: isMask ? "mask" : "result",
    bytes,
    mime: result.mime,
    width: result.width,
    height: result.height,
    fileName: `backdrop-${serviceId}.${extensionFor(result.mime)}`,
    ownerId: job.ownerId,
  });
  return {
    resultAssetId: asset.id,
    maskAssetId: isMask ? asset.id : null,
    inputAssetIds: [photoAssetId],
    provider,
    providerRequestId: result.requestId ?? null,
    // Every paid vendor call of this job, the failed attempts' included.
    providerCostMinor: costMinor,
    meta: result.meta ?? {},
  };
}
