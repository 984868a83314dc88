import type { ServiceId } from "@/lib/catalog/services";
import {
  CANVAS_PRESET_IDS,
  type CanvasPreset,
  type CutoutFormat,
  type OutputFormat,
  canvasLabel,
} from "@/lib/image/options";

export type SkyOptions = {
  source: "preset" | "upload" | "prompt";
  presetId: string | null;
  presetName: string | null;
  upload: { assetId: string; name: string } | null;
  prompt: string;
  harmonize: number;
  horizonShift: number;
  /** Mirror the new sky in water that reflects the old one (auto-detected). */
  reflection: boolean;
  hintsAssetId: string | null;
  format: OutputFormat;
};

export type BackgroundOptions = {
  source: "preset" | "color" | "upload" | "prompt";
  presetId: string | null;
  presetName: string | null;
  color: string;
  upload: { assetId: string; name: string } | null;
  prompt: string;
  shadow: boolean;
  shadowStrength: number;
  shadowSoftness: number;
  castShadow: boolean;
  shadowDirection: number;
  canvas: CanvasPreset;
  /** Framing on a marketplace canvas (ignored on the photo's own canvas). */
  margin: number;
  subjectScale: number;
  subjectX: number;
  subjectY: number;
  format: OutputFormat;
};

export type RemovalOptions = { format: CutoutFormat; output: "cutout" | "matte" };
export type MaskOptions = { prompt: string };

export type EditOptions = {
  "sky-replacement": SkyOptions;
  "background-change": BackgroundOptions;
  "background-removal": RemovalOptions;
  "prompt-segmentation": MaskOptions;
};

export const DEFAULT_OPTIONS: EditOptions = {
  "sky-replacement": {
    source: "preset",
    presetId: null,
    presetName: null,
    upload: null,
    prompt: "",
    harmonize: 0.6,
    horizonShift: 0,
    reflection: true,
    hintsAssetId: null,
    format: "jpeg",
  },
  "background-change": {
    source: "preset",
    presetId: null,
    presetName: null,
    color: "#ffffff",
    upload: null,
    prompt: "",
    shadow: true,
    shadowStrength: 0.6,
    shadowSoftness: 0.5,
    castShadow: false,
    shadowDirection: 35,
    canvas: "original",
    margin: 0.08,
    subjectScale: 1,
    subjectX: 0,
    subjectY: 0,
    format: "png",
  },
  "background-removal": { format: "png", output: "cutout" },
  "prompt-segmentation": { prompt: "" },
};

export const CANVAS_LABELS = Object.fromEntries(CANVAS_PRESET_IDS.map((id) => [id, canvasLabel(id)])) as Record<
  CanvasPreset,
  string
>;

export type BuiltInput = { ok: true; input: Record<string, unknown>; label: string } | { ok: false; reason: string };

/** Turns the studio's choices into the tool's input (the keys of lib/edits/schemas.ts), or says what is missing. */
export function buildInput<S extends ServiceId>(params: {
  serviceId: S;
  imageAssetId: string;
  options: EditOptions[S];
}): BuiltInput {
  const { imageAssetId } = params;
  switch (params.serviceId) {
    case "sky-replacement": {
      const o = params.options as SkyOptions;
      const common = {
        imageAssetId,
        harmonize: o.harmonize,
        horizonShift: o.horizonShift,
        reflection: o.reflection,
        format: o.format,
        ...(o.hintsAssetId ? { hintsAssetId: o.hintsAssetId } : {}),
      };
      if (o.source === "preset") {
        if (!o.presetId) return { ok: false, reason: "Choose a sky from the gallery." };
        return { ok: true, input: { ...common, skyPresetId: o.presetId }, label: o.presetName ?? o.presetId };
      }
      if (o.source === "upload") {
        if (!o.upload) return { ok: false, reason: "Upload a sky photo first." };
        return { ok: true, input: { ...common, skyAssetId: o.upload.assetId }, label: `Your sky (${o.upload.name})` };
      }
      if (!o.prompt.trim()) return { ok: false, reason: "Describe the sky you want." };
      return { ok: true, input: { ...common, skyPrompt: o.prompt.trim() }, label: `“${o.prompt.trim()}”` };
    }
    case "background-change": {
      const o = params.options as BackgroundOptions;
      const common = {
        imageAssetId,
        shadow: o.shadow,
        ...(o.shadow
          ? {
              shadowStrength: o.shadowStrength,
              shadowSoftness: o.shadowSoftness,
              castShadow: o.castShadow,
              ...(o.castShadow ? { shadowDirection: o.shadowDirection } : {}),
            }
          : {}),
        canvas: o.canvas,
        ...(o.canvas === "original"
          ? {}
          : { margin: o.margin, subjectScale: o.subjectScale, subjectX: o.subjectX, subjectY: o.subjectY }),
        format: o.format,
      };
      const suffix = o.canvas === "original" ? "" : ` · ${CANVAS_LABELS[o.canvas]}`;
      if (o.source === "preset") {
        if (!o.presetId) return { ok: false, reason: "Choose a background from the gallery." };
        return {
          ok: true,
          input: { ...common, backgroundPresetId: o.presetId },
          label: `${o.presetName ?? o.presetId}${suffix}`,
        };
      }
      if (o.source === "color")
        return { ok: true, input: { ...common, backgroundColor: o.color }, label: `Colour ${o.color}${suffix}` };
      if (o.source === "upload") {
        if (!o.upload) return { ok: false, reason: "Upload a background image first." };
        return {
          ok: true,
          input: { ...common, backgroundAssetId: o.upload.assetId },
          label: `Your background${suffix}`,
        };
      }
      if (!o.prompt.trim()) return { ok: false, reason: "Describe the background you want." };
      return {
        ok: true,
        input: { ...common, backgroundPrompt: o.prompt.trim() },
        label: `“${o.prompt.trim()}”${suffix}`,
      };
    }
    case "background-removal": {
      const o = params.options as RemovalOptions;
      return {
        ok: true,
        input: { imageAssetId, format: o.format, output: o.output },
        label: o.output === "matte" ? "Alpha matte" : `Transparent ${o.format.toUpperCase()}`,
      };
    }
    case "prompt-segmentation": {
      const o = params.options as MaskOptions;
      if (!o.prompt.trim()) return { ok: false, reason: "Type what to select, e.g. sky or subject." };
      return { ok: true, input: { imageAssetId, prompt: o.prompt.trim() }, label: `Mask: ${o.prompt.trim()}` };
    }
  }
  return { ok: false, reason: "Unknown edit." };
}
