import type { ServiceId } from "@/lib/catalog/services";
import type {
  BackgroundChangeRequest,
  BackgroundRemovalRequest,
  EditResult,
  PromptSegmentationRequest,
  SkyReplacementRequest,
} from "@/lib/image/types";

/** An edit's result as a provider returns it: the image plus what the audit trail needs. */
export type ProviderResult = EditResult & {
  /** Provider's own request id, for the audit trail. */
  requestId?: string;
  /** What the provider charged us, in the catalog currency's minor units (0 for the local engine). */
  costMinor?: number;
};

export type ProviderContext = {
  signal: AbortSignal;
  jobId?: string;
  onProgress?: (fraction: number) => void;
};

/** One backend that can do some of the four edits (the embedded engine, Alibaba, SellerPic, YouCam). */
export interface ImageProvider {
  readonly id: string;
  readonly capabilities: readonly ServiceId[];
  skyReplacement?(req: SkyReplacementRequest, ctx: ProviderContext): Promise<ProviderResult>;
  backgroundChange?(req: BackgroundChangeRequest, ctx: ProviderContext): Promise<ProviderResult>;
  backgroundRemoval?(req: BackgroundRemovalRequest, ctx: ProviderContext): Promise<ProviderResult>;
  promptSegmentation?(req: PromptSegmentationRequest, ctx: ProviderContext): Promise<ProviderResult>;
}
