import "server-only";
import sharp from "sharp";
import type { ServiceId } from "@/lib/catalog/services";
import {
  cutoutFromMask,
  downloadResult,
  finishImage,
  finishRemoval,
  maskResult,
  prepareForVendor,
  toMaskPng,
  type CheckedProvider,
  type PreparedImage,
} from "../http";
import type {
  BackgroundRemovalRequest,
  PromptSegmentationRequest,
  SkyReplacementRequest,
  SkySource,
} from "@/lib/image/types";
import type { ProviderContext } from "../types";
import { ALIBABA_PROVIDER_ID, callImageseg, DEFAULT_ALIBABA_ENDPOINT, type AlibabaCredentials } from "./client";
import type { InputPublisher, PublishedInput } from "./publish";

export { createAssetPublisher, type InputPublisher } from "./publish";
export { ALIBABA_PROVIDER_ID, DEFAULT_ALIBABA_ENDPOINT, mapAlibabaError } from "./client";

/**
 * ChangeSky and friends accept ≤3 MB and strictly less than 2000×2000 px (§1.6, §1.9). Larger
 * photos are sent as a scaled copy and the result is scaled back to the input size, so callers
 * always get an image with the geometry of the photo they gave us.
 */
export const ALIBABA_LIMITS = { maxLongSide: 1999, maxBytes: 3 * 1024 * 1024 } as const;

export type AlibabaProviderOptions = {
  accessKeyId: string;
  accessKeySecret: string;
  endpoint?: string;
  publish: InputPublisher;
  httpTimeoutMs?: number;
  /** What one call costs us in catalog minor units (ChangeSky is free during its public beta). */
  callCostMinor?: number;
  now?: () => Date;
  nonce?: () => string;
};

export function createAlibabaProvider(options: AlibabaProviderOptions): CheckedProvider {
  const creds: AlibabaCredentials = {
    accessKeyId: options.accessKeyId,
    accessKeySecret: options.accessKeySecret,
    endpoint: options.endpoint ?? DEFAULT_ALIBABA_ENDPOINT,
    httpTimeoutMs: options.httpTimeoutMs ?? 45_000,
    now: options.now,
    nonce: options.nonce,
  };
  const cost = options.callCostMinor ?? 0;
  const timeoutMs = creds.httpTimeoutMs;

  async function withPublished<T>(
    inputs: PreparedImage[],
    ctx: ProviderContext,
    run: (urls: string[]) => Promise<T>,
  ): Promise<T> {
    const published: PublishedInput[] = [];
    try {
      for (const input of inputs) published.push(await options.publish(input, ctx));
      return await run(published.map((p) => p.url));
    } finally {
      await Promise.all(published.map((p) => p.release().catch(() => undefined)));
    }
  }

  /** One synchronous action on one image: returns the downloaded result bytes. */
  async function runSync(action: string, input: PreparedImage, extra: Record<string, string>, ctx: ProviderContext) {
    return withPublished([input], ctx, async ([url]) => {
      const { requestId, data } = await callImageseg({
        creds,
        action,
        query: { ImageURL: url!, ...extra },
        ctx,
        costMinor: cost,
      });
      const resultUrl = typeof data.ImageURL === "string" ? data.ImageURL : undefined;
      if (!resultUrl) throw new Error(`${action} answered without Data.ImageURL`);
      const bytes = await downloadResult({ provider: ALIBABA_PROVIDER_ID, url: resultUrl, ctx, timeoutMs, requestId });
      return { requestId, bytes };
    });
  }

  async function skyReference(sky: SkySource, size: { width: number; height: number }): Promise<PreparedImage> {
    if (sky.kind === "image") return prepareForVendor(sky.image, { ...ALIBABA_LIMITS, keepAlpha: false });
    // Presets and described skies are rendered by the embedded engine and sent as the reference sky.
    const { renderSkyPreset } = await import("@/lib/image/presets");
    const { skyFromPrompt } = await import("@/lib/image/prompts");
    const { renderScene } = await import("@/lib/image/procedural");
    const rgb =
      sky.kind === "preset"
        ? await renderSkyPreset(sky.presetId, size)
        : await renderScene(skyFromPrompt(sky.prompt).spec, size);
    const bytes = await sharp(Buffer.from(rgb.data), { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer();
    return { bytes, mime: "image/jpeg", width: rgb.width, height: rgb.height, scaled: false };
  }

  return {
    id: ALIBABA_PROVIDER_ID,
    capabilities: ["sky-replacement", "background-removal", "prompt-segmentation"],

    canHandle(serviceId: ServiceId, request: unknown): string | null {
      const req = request as { preview?: unknown; hints?: unknown; prompt?: string };
      // Free previews never cost vendor money; the embedded engine renders them.
      if (req.preview) return "previews are rendered locally";
      if (serviceId === "sky-replacement" && req.hints) return "ChangeSky takes no correction mask";
      if (serviceId === "prompt-segmentation" && !segmentationPlan(req.prompt ?? ""))
        return "the prompt names nothing imageseg can segment";
      return null;
    },

    async skyReplacement(req: SkyReplacementRequest, ctx: ProviderContext) {
      const input = await prepareForVendor(req.image, { ...ALIBABA_LIMITS, keepAlpha: false });
      const reference = await skyReference(req.sky, { width: input.width, height: input.height });
      const { requestId, bytes } = await withPublished([input, reference], ctx, async ([imageUrl, skyUrl]) => {
        const { requestId, data } = await callImageseg({
          creds,
          action: "ChangeSky",
          query: { ImageURL: imageUrl!, ReplaceImageURL: skyUrl! },
          ctx,
          costMinor: cost,
        });
        const resultUrl = typeof data.ImageURL === "string" ? data.ImageURL : undefined;
        if (!resultUrl) throw new Error("ChangeSky answered without Data.ImageURL");
        return {
          requestId,
          bytes: await downloadResult({ provider: ALIBABA_PROVIDER_ID, url: resultUrl, ctx, timeoutMs, requestId }),
        };
      });
      return finishImage({
        bytes,
        width: req.image.width,
        height: req.image.height,
        format: req.format,
        requestId,
        costMinor: cost,
        meta: { provider: ALIBABA_PROVIDER_ID, action: "ChangeSky", scaledForProvider: input.scaled },
      });
    },

    async backgroundRemoval(req: BackgroundRemovalRequest, ctx: ProviderContext) {
      // SegmentCommonImage without ReturnForm answers a 4-channel cut-out (§1.9). The input may
      // have been scaled down, so the cut-out's alpha is scaled back and applied to the original.
      const input = await prepareForVendor(req.image, { ...ALIBABA_LIMITS, keepAlpha: false });
      const { requestId, bytes } = await runSync("SegmentCommonImage", input, {}, ctx);
      const mask = await toMaskPng(bytes, { width: req.image.width, height: req.image.height });
      const cutoutPng = await cutoutFromMask(req.image, mask);
      return finishRemoval({
        cutoutPng,
        image: req.image,
        output: req.output,
        format: req.format,
        requestId,
        costMinor: cost,
      });
    },

    async promptSegmentation(req: PromptSegmentationRequest, ctx: ProviderContext) {
      const plan = segmentationPlan(req.prompt);
      if (!plan) throw new Error("prompt-segmentation called for a prompt canHandle refused");
      const input = await prepareForVendor(req.image, { ...ALIBABA_LIMITS, keepAlpha: false });
      const { requestId, bytes } = await runSync(plan.action, input, plan.extra, ctx);
      const maskPng = await toMaskPng(
        bytes,
        { width: req.image.width, height: req.image.height },
        { invert: plan.invert },
      );
      return maskResult({
        maskPng,
        width: req.image.width,
        height: req.image.height,
        requestId,
        costMinor: cost,
        meta: { provider: ALIBABA_PROVIDER_ID, action: plan.action, target: plan.target },
      });
    },
  };
}

const SKY_WORDS = new Set(["sky", "skies", "clouds", "heaven"]);
const SUBJECT_WORDS = new Set([
  "subject",
  "product",
  "object",
  "foreground",
  "item",
  "thing",
  "main",
  "person",
  "people",
  "human",
  "man",
  "woman",
  "child",
  "portrait",
]);
const BACKGROUND_WORDS = new Set(["background", "backdrop", "behind", "surroundings"]);

/** imageseg has no open-vocabulary segmentation: the prompt picks SegmentSky or the subject mask. */
export function segmentationPlan(
  prompt: string,
): { action: string; extra: Record<string, string>; invert: boolean; target: string } | null {
  const words = prompt
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter(Boolean);
  for (const word of words) {
    if (SKY_WORDS.has(word)) return { action: "SegmentSky", extra: {}, invert: false, target: "sky" };
    if (SUBJECT_WORDS.has(word))
      return { action: "SegmentCommonImage", extra: { ReturnForm: "mask" }, invert: false, target: "subject" };
    if (BACKGROUND_WORDS.has(word))
      return { action: "SegmentCommonImage", extra: { ReturnForm: "mask" }, invert: true, target: "background" };
  }
  return null;
}
