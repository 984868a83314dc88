/**
 * What an edit can be asked for, in one place: upload limits, output formats, canvas presets with
 * their sizes and the preview size. The engine renders with these numbers, the tool schemas accept
 * these values, and the studio and batch pages show them (this module has no server imports).
 */

// ---------------------------------------------------------------- uploads

/**
 * Photos as cameras make them: up to 25 MB and 25 megapixels (a 6000 × 4000 camera JPEG is the
 * common case), processed at full resolution. The browser check is only for a quick message; the
 * server decodes the bytes (validate.ts).
 */
export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;
const MAX_MEGAPIXELS = 25;
/** Pixels a photo may have; a header declaring far more is refused before decoding (bombs). */
export const MAX_INPUT_PIXELS = MAX_MEGAPIXELS * 1_000_000;
/** Long side of the narrowest accepted panorama (12000 × 2083 px is 25 MP). */
export const MAX_LONG_SIDE = 12_000;

/** "up to 25 MB and 25 MP": the limits as the upload pages say them. */
export const UPLOAD_LIMITS_LABEL = `up to ${MAX_UPLOAD_BYTES / (1024 * 1024)} MB and ${MAX_MEGAPIXELS} MP`;

export const ACCEPTED_IMAGE_TYPES = {
  "image/jpeg": [".jpg", ".jpeg"],
  "image/png": [".png"],
  "image/webp": [".webp"],
} as const;

export type AcceptedMime = keyof typeof ACCEPTED_IMAGE_TYPES;

export const ACCEPTED_LABEL = "JPEG, PNG or WebP";

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

// ---------------------------------------------------------------- output formats

export const OUTPUT_FORMATS = ["jpeg", "png", "webp"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Formats with an alpha channel: what a cut-out can be delivered as. */
export const CUTOUT_FORMATS = ["png", "webp"] as const satisfies readonly OutputFormat[];
export type CutoutFormat = (typeof CUTOUT_FORMATS)[number];

// ---------------------------------------------------------------- canvases (background change)

type Size = { width: number; height: number };

/** Output canvases of a background change: the photo's own size, or a marketplace preset. */
export const CANVAS_PRESETS = {
  original: { label: "Original size", size: null },
  "square-2000": { label: "Square 1:1", size: { width: 2000, height: 2000 } },
  "portrait-4x5": { label: "Portrait 4:5", size: { width: 1600, height: 2000 } },
  "landscape-16x9": { label: "Landscape 16:9", size: { width: 1920, height: 1080 } },
} as const satisfies Record<string, { label: string; size: Size | null }>;

export type CanvasPreset = keyof typeof CANVAS_PRESETS;
export const CANVAS_PRESET_IDS = Object.keys(CANVAS_PRESETS) as [CanvasPreset, ...CanvasPreset[]];

/** "Square 1:1 · 2000 × 2000 px", or "Original size". */
export function canvasLabel(canvas: CanvasPreset): string {
  const preset = CANVAS_PRESETS[canvas];
  return preset.size ? `${preset.label} · ${preset.size.width} × ${preset.size.height} px` : preset.label;
}

/** The size of a full (paid) render on `canvas` of a photo of `photo`'s size. */
export function canvasOutputSize(canvas: CanvasPreset, photo: Size): Size {
  return CANVAS_PRESETS[canvas].size ?? { width: photo.width, height: photo.height };
}

// ---------------------------------------------------------------- previews

/**
 * Free previews are large enough to judge edges (1280 px on the long side, viewable at 100 %) and
 * carry a light mark: never the full resolution, never unmarked.
 */
const PREVIEW_MAX_SIDE = 1280;
export const PREVIEW_OPTIONS = { maxSide: PREVIEW_MAX_SIDE, watermark: true } as const;

/** The long side a preview is rendered at: what the caller asks, capped at PREVIEW_MAX_SIDE. */
export function previewRenderSide(maxSide: number): number {
  return Math.max(64, Math.min(PREVIEW_MAX_SIDE, Math.round(maxSide)));
}
