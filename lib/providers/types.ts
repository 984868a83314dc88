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
