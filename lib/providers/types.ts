import type { ServiceId } from "@/lib/catalog/services";

/** A decoded-and-validated image as bytes (EXIF orientation already applied). */
export type ImageInput = {
  bytes: Buffer;
  mime: "image/jpeg" | "image/png" | "image/webp";
  width: number;
  height: number;
};

export type OutputFormat = "png" | "jpeg" | "webp";

/** Output canvas for background change: marketplace presets or the input's own size. */
export type CanvasPreset = "original" | "square-2000" | "portrait-4x5" | "landscape-16x9";

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
};

export type BackgroundChangeRequest = {
  image: ImageInput;
  background: BackgroundSource;
  shadow: boolean;
  canvas: CanvasPreset;
  format: OutputFormat;
  preview?: PreviewOptions;
};

export type BackgroundRemovalRequest = {
  image: ImageInput;
  format: "png" | "webp";
  /** `cutout` = transparent subject, `matte` = the greyscale alpha matte. */
  output: "cutout" | "matte";
  preview?: PreviewOptions;
};

export type PromptSegmentationRequest = {
  image: ImageInput;
  prompt: string;
};

export type ProviderResult = {
  bytes: Buffer;
  mime: "image/jpeg" | "image/png" | "image/webp";
  width: number;
  height: number;
  /** Provider's own request id, for the audit trail. */
  requestId?: string;
  /** What the provider charged us, in the catalog currency's minor units (0 for the local engine). */
  costMinor?: number;
  /** Facts worth showing the user: sky confidence, prompt words used, … */
  meta?: Record<string, unknown>;
};

/** One outbound provider request, as persisted in a ProviderCall row. */
export type ProviderCallRecord = {
  provider: string;
  /** Vendor action or step: `ChangeSky`, `upload`, `task.create`, `task.poll`, `download`, `local.sky-replacement`… */
  action: string;
  ok: boolean;
  httpStatus?: number;
  latencyMs: number;
  requestId?: string;
  errorCode?: string;
  errorMessage?: string;
  /** What the vendor charged for this call (minor units); recorded on the call where the vendor charges. */
  costMinor?: number;
  jobId?: string;
};

export type ProviderContext = {
  signal: AbortSignal;
  jobId?: string;
  onProgress?: (fraction: number) => void;
  /** The router's audit hook: adapters report every outbound HTTP call through it. */
  recordCall?: (call: ProviderCallRecord) => Promise<void> | void;
};

/** One backend that can do some of the four edits (the embedded engine, Alibaba, SellerPic, YouCam). */
export interface ImageProvider {
  readonly id: string;
  readonly capabilities: readonly ServiceId[];
  /** Per request: `null` when this provider can do it, else why not (the router then skips it). */
  canHandle?(serviceId: ServiceId, request: unknown): string | null;
  skyReplacement?(req: SkyReplacementRequest, ctx: ProviderContext): Promise<ProviderResult>;
  backgroundChange?(req: BackgroundChangeRequest, ctx: ProviderContext): Promise<ProviderResult>;
  backgroundRemoval?(req: BackgroundRemovalRequest, ctx: ProviderContext): Promise<ProviderResult>;
  promptSegmentation?(req: PromptSegmentationRequest, ctx: ProviderContext): Promise<ProviderResult>;
}
