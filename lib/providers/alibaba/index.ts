import "server-only";
import type { ServiceId } from "@/lib/catalog/services";
import { systemClock, type Clock } from "../backoff";
import type { ReferenceRenderer } from "../descriptor";
import { downloadResult } from "../download";
import { afterPaidStep, providerFailed } from "../errors";
import {
  cutoutFromMask,
  finishImage,
  finishRemoval,
  maskResult,
  prepareForVendor,
  toMaskPng,
  type PreparedImage,
} from "../images";
import type {
  BackgroundRemovalRequest,
  PromptSegmentationRequest,
  SkyReplacementRequest,
  SkySource,
} from "@/lib/image/types";
import type { ImageProvider, ProviderContext } from "../types";
import {
  ALIBABA_PROVIDER_ID,
  callImageseg,
  DEFAULT_ALIBABA_ENDPOINT,
  isUrlRefusal,
  type AlibabaCredentials,
} from "./client";
import type { InputPublisher, PublishedInput } from "./publish";
import { DEFAULT_OPENPLATFORM_ENDPOINT, uploadToOss } from "./upload";

export { createAssetPublisher } from "./publish";
/**
 * ChangeSky and friends accept ≤3 MB and strictly less than 2000×2000 px. Larger photos are
 * sent as a scaled copy and the result is scaled back to the input size, so callers always get
 * an image with the geometry of the photo they gave us.
 */
const ALIBABA_LIMITS = { maxLongSide: 1999, maxBytes: 3 * 1024 * 1024 } as const;

/** The imageseg actions we call, each priced on its own (ChangeSky and SegmentSky are free in public beta). */
type AlibabaAction = "ChangeSky" | "SegmentSky" | "SegmentCommonImage";

export type AlibabaProviderOptions = {
  accessKeyId: string;
  accessKeySecret: string;
  endpoint?: string;
  openPlatformEndpoint?: string;
  regionId?: string;
  /**
   * How our inputs become URLs Alibaba fetches (signed links under PUBLIC_BASE_URL). Without it,
   * or when Alibaba refuses the URL, inputs are uploaded to Alibaba's own storage first.
   */
  publish?: InputPublisher;
  renderReference: ReferenceRenderer;
  httpTimeoutMs?: number;
  /** What each action costs us per call, in catalog minor units. */
  actionCostsMinor?: Partial<Record<AlibabaAction, number>>;
  clock?: Clock;
  now?: () => Date;
  nonce?: () => string;
};

export function createAlibabaProvider(options: AlibabaProviderOptions): ImageProvider {
  const creds: AlibabaCredentials = {
    accessKeyId: options.accessKeyId,
    accessKeySecret: options.accessKeySecret,
    httpTimeoutMs: options.httpTimeoutMs ?? 45_000,
    now: options.now,
    nonce: options.nonce,
  };
  const endpoint = options.endpoint ?? DEFAULT_ALIBABA_ENDPOINT;
  const clock = options.clock ?? systemClock;
  const costOf = (action: AlibabaAction) => options.actionCostsMinor?.[action] ?? 0;
  const timeoutMs = creds.httpTimeoutMs;

  async function withPublished<T>(
    inputs: PreparedImage[],
    ctx: ProviderContext,
    run: (urls: string[]) => Promise<T>,
  ): Promise<T> {
    const published: PublishedInput[] = [];
    try {
      for (const input of inputs) published.push(await options.publish!(input, ctx));
      return await run(published.map((p) => p.url));
    } finally {
      await Promise.all(published.map((p) => p.release().catch(() => undefined)));
    }
  }

  /**
   * Calls `action` with the inputs as URLs: our signed links first; if Alibaba will not fetch
   * them (or there is no public base URL), the inputs go to its own storage and the call is made
   * once more with those URLs. Returns the downloaded result.
   */
  async function callWithInputs(
    action: AlibabaAction,
    inputs: PreparedImage[],
    query: (urls: string[]) => Record<string, string>,
    ctx: ProviderContext,
  ): Promise<{ requestId?: string; bytes: Buffer; uploaded: boolean }> {
    const call = async (urls: string[]) => {
      const { requestId, data } = await callImageseg({
        creds,
        endpoint,
        action,
        query: query(urls),
        ctx,
        costMinor: costOf(action),
      });
      const resultUrl = typeof data.ImageURL === "string" ? data.ImageURL : undefined;
      if (!resultUrl) throw providerFailed(ALIBABA_PROVIDER_ID, `${action} answered without Data.ImageURL`);
      try {
        const bytes = await downloadResult({
          provider: ALIBABA_PROVIDER_ID,
          url: resultUrl,
          ctx,
          timeoutMs,
          requestId,
          clock,
        });
        return { requestId, bytes };
      } catch (error) {
        throw afterPaidStep(error, ALIBABA_PROVIDER_ID);
      }
    };
    if (options.publish) {
      try {
        return { ...(await withPublished(inputs, ctx, call)), uploaded: false };
      } catch (error) {
        if (!isUrlRefusal(error)) throw error;
      }
    }
    const urls: string[] = [];
    for (const input of inputs)
      urls.push(
        await uploadToOss({
          creds,
          openPlatformEndpoint: options.openPlatformEndpoint ?? DEFAULT_OPENPLATFORM_ENDPOINT,
          regionId: options.regionId ?? "cn-shanghai",
          input,
          ctx,
        }),
      );
    return { ...(await call(urls)), uploaded: true };
  }

  async function skyReference(sky: SkySource, size: { width: number; height: number }, ctx: ProviderContext) {
    if (sky.kind === "image") return prepareForVendor(sky.image, { ...ALIBABA_LIMITS, keepAlpha: false });
    // Presets and described skies are rendered by the embedded engine and sent as the reference sky.
    const source = sky.kind === "preset" ? sky : { kind: "prompt" as const, prompt: sky.prompt };
    const bytes = await options.renderReference({ kind: "sky", source, ...size }, ctx.signal);
    return { bytes, mime: "image/jpeg" as const, ...size, scaled: false };
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
      const reference = await skyReference(req.sky, { width: input.width, height: input.height }, ctx);
      const { requestId, bytes, uploaded } = await callWithInputs(
        "ChangeSky",
        [input, reference],
        ([imageUrl, skyUrl]) => ({ ImageURL: imageUrl!, ReplaceImageURL: skyUrl! }),
        ctx,
      );
      return finishImage({
        bytes,
        width: req.image.width,
        height: req.image.height,
        format: req.format,
        requestId,
        costMinor: costOf("ChangeSky"),
        meta: { provider: ALIBABA_PROVIDER_ID, action: "ChangeSky", scaledForProvider: input.scaled, uploaded },
      });
    },

    async backgroundRemoval(req: BackgroundRemovalRequest, ctx: ProviderContext) {
      // SegmentCommonImage without ReturnForm answers a 4-channel cut-out. The input may have
      // been scaled down, so the cut-out's alpha is scaled back and applied to the original.
      const input = await prepareForVendor(req.image, { ...ALIBABA_LIMITS, keepAlpha: false });
      const { requestId, bytes } = await callWithInputs(
        "SegmentCommonImage",
        [input],
        ([url]) => ({ ImageURL: url! }),
        ctx,
      );
      const mask = await toMaskPng(bytes, { width: req.image.width, height: req.image.height });
      const cutoutPng = await cutoutFromMask(req.image, mask);
      return finishRemoval({
        cutoutPng,
        image: req.image,
        output: req.output,
        format: req.format,
        requestId,
        costMinor: costOf("SegmentCommonImage"),
      });
    },

    async promptSegmentation(req: PromptSegmentationRequest, ctx: ProviderContext) {
      const plan = segmentationPlan(req.prompt);
      if (!plan) throw new Error("prompt-segmentation called for a prompt canHandle refused");
      const input = await prepareForVendor(req.image, { ...ALIBABA_LIMITS, keepAlpha: false });
      const { requestId, bytes } = await callWithInputs(
        plan.action,
        [input],
        ([url]) => ({ ImageURL: url!, ...plan.extra }),
        ctx,
      );
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
        costMinor: costOf(plan.action),
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
function segmentationPlan(
  prompt: string,
): { action: AlibabaAction; extra: Record<string, string>; invert: boolean; target: string } | null {
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
