import type { ServiceId } from "@/lib/catalog/services";
import type {
  BackgroundChangeRequest,
  BackgroundRemovalRequest,
  BackgroundSource,
  ImageInput,
  PreviewOptions,
  PromptSegmentationRequest,
  SkyReplacementRequest,
  SkySource,
} from "@/lib/image/types";
import type { ToolInput } from "./schemas";

/** The engine request each service's tool input becomes. */
export type EngineRequest = {
  "sky-replacement": SkyReplacementRequest;
  "background-change": BackgroundChangeRequest;
  "background-removal": BackgroundRemovalRequest;
  "prompt-segmentation": PromptSegmentationRequest;
};

/** Which image of the edit an asset id or URL stands for. */
export type ImageRole = "photo" | "sky" | "hints" | "background";

/**
 * Loads one image of the input: the caller decides where images may come from (a paid job fetches
 * URLs through the SSRF guard and keeps the photo; a preview only takes the visitor's own uploads).
 * Called only for images the input names.
 */
export type ResolveImage = (ref: { role: ImageRole; assetId?: string; url?: string }) => Promise<ImageInput>;

/**
 * A validated tool input as the engine's request: the same for paid jobs and free previews. Images
 * are loaded in the order photo, then sky or background, then hints. `preview` asks for a small,
 * watermarked render (segmentation has no preview mode; the caller shrinks its photo instead).
 */
export async function toEngineRequest<S extends ServiceId>(params: {
  serviceId: S;
  input: ToolInput[S];
  resolveImage: ResolveImage;
  preview?: PreviewOptions;
}): Promise<EngineRequest[S]> {
  const { resolveImage, preview } = params;
  const optional = async (role: ImageRole, assetId?: string, url?: string) =>
    assetId || url ? resolveImage({ role, assetId, url }) : undefined;
  const previewPart = preview ? { preview } : {};
  const service = params.serviceId;
  const image = await resolveImage({
    role: "photo",
    assetId: params.input.imageAssetId,
    url: params.input.ImageURL,
  });
  switch (service) {
    case "sky-replacement": {
      const v = params.input as ToolInput["sky-replacement"];
      const skyImage = await optional("sky", v.skyAssetId, v.ReplaceImageURL);
      const sky: SkySource = skyImage
        ? { kind: "image", image: skyImage }
        : v.skyPresetId
          ? { kind: "preset", presetId: v.skyPresetId }
          : { kind: "prompt", prompt: v.skyPrompt ?? "" };
      const hints = await optional("hints", v.hintsAssetId);
      const request: SkyReplacementRequest = {
        image,
        sky,
        harmonize: v.harmonize,
        horizonShift: v.horizonShift,
        reflection: v.reflection,
        ...(hints ? { hints } : {}),
        format: v.format,
        ...previewPart,
      };
      return request as EngineRequest[S];
    }
    case "background-change": {
      const v = params.input as ToolInput["background-change"];
      const backgroundImage = await optional("background", v.backgroundAssetId, v.BackgroundURL);
      const background: BackgroundSource = backgroundImage
        ? { kind: "image", image: backgroundImage }
        : v.backgroundPresetId
          ? { kind: "preset", presetId: v.backgroundPresetId }
          : v.backgroundColor
            ? { kind: "color", color: v.backgroundColor }
            : { kind: "prompt", prompt: v.backgroundPrompt ?? "" };
      const request: BackgroundChangeRequest = {
        image,
        background,
        shadow: v.shadow,
        shadowStyle: {
          strength: v.shadowStrength,
          softness: v.shadowSoftness,
          cast: v.castShadow,
          direction: v.shadowDirection,
        },
        canvas: v.canvas,
        framing: { margin: v.margin, scale: v.subjectScale, offsetX: v.subjectX, offsetY: v.subjectY },
        format: v.format,
        ...previewPart,
      };
      return request as EngineRequest[S];
    }
    case "background-removal": {
      const v = params.input as ToolInput["background-removal"];
      const request: BackgroundRemovalRequest = { image, format: v.format, output: v.output, ...previewPart };
      return request as EngineRequest[S];
    }
    case "prompt-segmentation": {
      const v = params.input as ToolInput["prompt-segmentation"];
      const request: PromptSegmentationRequest = { image, prompt: v.prompt };
      return request as EngineRequest[S];
    }
  }
}
