/**
 * The engine's request and result types. Providers (the embedded engine and the vendor adapters)
 * take these requests and return these results, so they are defined here, at the bottom.
 */

import type { MatteBytes } from "./mattes";
import type { CanvasPreset, CutoutFormat, OutputFormat } from "./options";
import type { Framing } from "./placement";
import type { ShadowStyle } from "./shadow";

export type { OutputFormat } from "./options";

type ImageMime = "image/jpeg" | "image/png" | "image/webp";

/** A decoded-and-validated image as bytes (EXIF orientation already applied). */
export type ImageInput = {
  bytes: Buffer;
  mime: ImageMime;
  width: number;
  height: number;
};

/** A free, low-resolution, watermarked render used by the studio before paying. */
export type PreviewOptions = { maxSide: number; watermark: boolean };

export type SkySource =
  { kind: "preset"; presetId: string } | { kind: "image"; image: ImageInput } | { kind: "prompt"; prompt: string };

export type BackgroundSource =
  | { kind: "preset"; presetId: string }
  | { kind: "color"; color: string }
  | { kind: "image"; image: ImageInput }
  | { kind: "prompt"; prompt: string };

export type SkyReplacementRequest = {
  image: ImageInput;
  sky: SkySource;
  /** 0 = leave the foreground as it is, 1 = full colour/brightness transfer to the new sky. */
  harmonize: number;
  /** Shift of the new sky's horizon, -1 (down) … 1 (up). */
  horizonShift: number;
  /** Optional user correction: greyscale mask, white = sky, black = not sky, mid-grey = no opinion. */
  hints?: ImageInput;
  /** Mirror the new sky in water that reflects the old one: true/undefined = auto-detect, false = never. */
  reflection?: boolean;
  format: OutputFormat;
  preview?: PreviewOptions;
  /** Mattes of this photo kept from an earlier edit (see mattes.ts); recomputed when absent or stale. */
  mattes?: MatteBytes;
};

export type BackgroundChangeRequest = {
  image: ImageInput;
  background: BackgroundSource;
  shadow: boolean;
  /** How the shadow looks (defaults in shadow.ts): strength, softness, an optional cast shadow and its direction. */
  shadowStyle?: Partial<ShadowStyle>;
  canvas: CanvasPreset;
  /** Margin, size and position of the subject on a marketplace canvas (placement.ts). */
  framing?: Framing;
  format: OutputFormat;
  preview?: PreviewOptions;
  mattes?: MatteBytes;
};

export type BackgroundRemovalRequest = {
  image: ImageInput;
  format: CutoutFormat;
  /** `cutout` = transparent subject, `matte` = the greyscale alpha matte. */
  output: "cutout" | "matte";
  preview?: PreviewOptions;
  mattes?: MatteBytes;
};

export type PromptSegmentationRequest = {
  image: ImageInput;
  prompt: string;
};

/** An edited image. */
export type EditResult = {
  bytes: Buffer;
  mime: ImageMime;
  width: number;
  height: number;
  /** Facts worth showing the user: sky confidence, prompt words used, … */
  meta?: Record<string, unknown>;
  /** Mattes this edit had to compute, for the caller to keep (never sent to users). */
  mattes?: MatteBytes;
};
