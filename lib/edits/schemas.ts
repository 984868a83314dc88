import { z } from "zod";
import type { ServiceId } from "@/lib/catalog/services";
import {
  CANVAS_PRESETS,
  CANVAS_PRESET_IDS,
  CUTOUT_FORMATS,
  OUTPUT_FORMATS,
  UPLOAD_LIMITS_LABEL,
} from "@/lib/image/options";

/**
 * Input schemas of the four tools, shared by the HTTP API, the MCP tools, the studio and the
 * OpenAPI document. `ImageURL`/`ReplaceImageURL` are the seed service's keys (Aliyun ChangeSky);
 * the camelCase keys are Backdrop's own optional extensions.
 */
const httpUrl = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .max(2048)
  .describe(`A public http(s) URL of a JPEG, PNG or WebP image (${UPLOAD_LIMITS_LABEL}).`);
const assetId = z
  .string()
  .regex(/^ast_[A-Za-z0-9_-]{22}$/, "must be an asset id from POST /api/assets")
  .describe("An id returned by POST /api/assets.");
const stripMetadata = z
  .boolean()
  .default(false)
  .describe(
    "Leave the photo's copyright and artist tags out of the result (they are copied by default; GPS and other metadata never are).",
  );
const presetId = z.string().regex(/^[a-z0-9-]{1,64}$/, "must be a preset id");
const prompt = z.string().trim().min(1).max(300);
const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, "must be a #rrggbb colour");

export const outputFormatSchema = z.enum(OUTPUT_FORMATS);
export const canvasPresetSchema = z.enum(CANVAS_PRESET_IDS);
const CANVAS_DESCRIPTION = CANVAS_PRESET_IDS.map((id) => {
  const size = CANVAS_PRESETS[id].size;
  return size ? `${id} (${size.width} × ${size.height} px)` : `${id} (the photo's own size)`;
}).join(", ");

type Issue = { message: string; path: string[] };

function exactlyOne(value: Record<string, unknown>, keys: string[], what: string): Issue | undefined {
  const present = keys.filter((key) => value[key] !== undefined);
  if (present.length === 1) return undefined;
  return present.length === 0
    ? { message: `${what} is missing: give one of ${keys.join(", ")}.`, path: [keys[0] ?? ""] }
    : { message: `Give only one ${what} (got ${present.join(" and ")}).`, path: [present[1] ?? ""] };
}

function refine(checks: Array<(value: Record<string, unknown>) => Issue | undefined>) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    for (const check of checks) {
      const issue = check(value);
      if (issue) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
    }
  };
}

const IMAGE_KEYS = ["ImageURL", "imageAssetId"];
const imageSource = { ImageURL: httpUrl.optional(), imageAssetId: assetId.optional() };

const skyReplacementInputSchema = z
  .object({
    ...imageSource,
    ReplaceImageURL: httpUrl.optional().describe("A public URL of the new sky photo."),
    skyAssetId: assetId.optional().describe("An uploaded sky photo."),
    skyPresetId: presetId.optional().describe("A sky from GET /api/presets?kind=sky."),
    skyPrompt: prompt
      .optional()
      .describe("Describe the sky: clear, clouds, overcast, golden hour, sunset, dusk, night with stars…"),
    harmonize: z
      .number()
      .min(0)
      .max(1)
      .default(0.6)
      .describe("How strongly the foreground takes on the new sky's light (0–1)."),
    horizonShift: z.number().min(-1).max(1).default(0).describe("Move the new sky's horizon down (−1) or up (1)."),
    reflection: z
      .boolean()
      .default(true)
      .describe(
        "Mirror the new sky in water (lakes, calm sea) that reflects the old one; detected automatically. false = leave water as it is.",
      ),
    hintsAssetId: assetId
      .optional()
      .describe("A greyscale mask: white = sky, black = not sky, grey = let the engine decide."),
    format: outputFormatSchema.default("jpeg"),
    stripMetadata,
  })
  .strict()
  .superRefine(
    refine([
      (v) => exactlyOne(v, IMAGE_KEYS, "photo"),
      (v) => exactlyOne(v, ["ReplaceImageURL", "skyAssetId", "skyPresetId", "skyPrompt"], "new sky"),
    ]),
  );

export const backgroundChangeInputSchema = z
  .object({
    ...imageSource,
    BackgroundURL: httpUrl.optional().describe("A public URL of the new background image."),
    backgroundAssetId: assetId.optional(),
    backgroundPresetId: presetId.optional().describe("A background from GET /api/presets?kind=background."),
    backgroundColor: hexColor.optional(),
    backgroundPrompt: prompt.optional().describe("Describe the background: white studio sweep, marble, wood, bokeh…"),
    shadow: z
      .boolean()
      .default(false)
      .describe("Add a contact shadow on the ground under the subject (where its base touches it)."),
    shadowStrength: z.number().min(0).max(1).default(0.6).describe("Shadow darkness (0–1)."),
    shadowSoftness: z.number().min(0).max(1).default(0.5).describe("Shadow blur: 0 crisp, 1 very soft."),
    castShadow: z.boolean().default(false).describe("Also cast the subject's shadow on the ground behind it."),
    shadowDirection: z
      .number()
      .min(-60)
      .max(60)
      .default(35)
      .describe("Where the cast shadow falls, degrees from straight back: −60 (left) … 60 (right)."),
    canvas: canvasPresetSchema.default("original").describe(`Output size: ${CANVAS_DESCRIPTION}.`),
    margin: z
      .number()
      .min(0)
      .max(0.3)
      .default(0.08)
      .describe("Free border around the subject on a marketplace canvas (fraction of the canvas side)."),
    subjectScale: z
      .number()
      .min(0.3)
      .max(1.5)
      .default(1)
      .describe("Subject size on a marketplace canvas, relative to fitting inside the margins."),
    subjectX: z
      .number()
      .min(-1)
      .max(1)
      .default(0)
      .describe("Subject position across the free space: −1 left … 1 right."),
    subjectY: z.number().min(-1).max(1).default(0).describe("Subject position down the free space: −1 top … 1 bottom."),
    format: outputFormatSchema.default("png"),
    stripMetadata,
  })
  .strict()
  .superRefine(
    refine([
      (v) => exactlyOne(v, IMAGE_KEYS, "photo"),
      (v) =>
        exactlyOne(
          v,
          ["BackgroundURL", "backgroundAssetId", "backgroundPresetId", "backgroundColor", "backgroundPrompt"],
          "new background",
        ),
    ]),
  );

const backgroundRemovalInputSchema = z
  .object({
    ...imageSource,
    format: z.enum(CUTOUT_FORMATS).default("png"),
    output: z
      .enum(["cutout", "matte"])
      .default("cutout")
      .describe("A transparent cut-out, or the greyscale alpha matte."),
    stripMetadata,
  })
  .strict()
  .superRefine(refine([(v) => exactlyOne(v, IMAGE_KEYS, "photo")]));

const promptSegmentationInputSchema = z
  .object({
    ...imageSource,
    prompt: prompt.describe("What to select: sky, subject, product, person, background…"),
  })
  .strict()
  .superRefine(refine([(v) => exactlyOne(v, IMAGE_KEYS, "photo")]));

export const TOOL_INPUT_SCHEMAS = {
  "sky-replacement": skyReplacementInputSchema,
  "background-change": backgroundChangeInputSchema,
  "background-removal": backgroundRemovalInputSchema,
  "prompt-segmentation": promptSegmentationInputSchema,
} as const satisfies Record<ServiceId, z.ZodType>;

type SkyReplacementInput = z.infer<typeof skyReplacementInputSchema>;
type BackgroundChangeInput = z.infer<typeof backgroundChangeInputSchema>;
type BackgroundRemovalInput = z.infer<typeof backgroundRemovalInputSchema>;
type PromptSegmentationInput = z.infer<typeof promptSegmentationInputSchema>;
export type ToolInput = {
  "sky-replacement": SkyReplacementInput;
  "background-change": BackgroundChangeInput;
  "background-removal": BackgroundRemovalInput;
  "prompt-segmentation": PromptSegmentationInput;
};
