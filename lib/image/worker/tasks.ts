import type {
  BackgroundChangeRequest,
  BackgroundRemovalRequest,
  EditResult,
  ImageInput,
  PromptSegmentationRequest,
  SkyReplacementRequest,
} from "../types";
import type { ReferenceTask } from "../reference";

/** Every job the pool can run, with its request and result types. */
export type EngineTasks = {
  removeBackground: { req: BackgroundRemovalRequest; res: EditResult };
  changeBackground: { req: BackgroundChangeRequest; res: EditResult };
  replaceSky: { req: SkyReplacementRequest; res: EditResult };
  segmentByPrompt: { req: PromptSegmentationRequest; res: EditResult };
  presetThumbnail: { req: { kind: "sky" | "background"; id: string }; res: { bytes: Buffer } };
  /** A preset or described scene as a JPEG reference for a vendor provider. */
  renderReference: { req: ReferenceTask; res: { bytes: Buffer } };
  /** Loads the subject model so the first real job does not pay for it. */
  warmup: { req: Record<string, never>; res: { ok: true } };
  /** Test only: kills the worker thread, to exercise crash recovery. */
  debugCrash: { req: Record<string, never>; res: never };
};
export type EngineOp = keyof EngineTasks;

export type SerializedError = {
  name: string;
  message: string;
  code?: string;
  details?: unknown;
  retryable?: boolean;
  stack?: string;
};

export type ToWorker = { id: number; op: EngineOp; req: unknown };
export type FromWorker =
  | { id: number; type: "progress"; fraction: number }
  | { id: number; type: "done"; res: unknown }
  | { id: number; type: "error"; error: SerializedError };

/** Structured clone turns Buffers into plain Uint8Arrays; make them Buffers again (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function fixImage(image: ImageInput | undefined): void {
  if (image) image.bytes = asBuffer(image.bytes);
}

/** Restores Buffers inside a request that crossed a thread boundary. */
export function rehydrateRequest(op: EngineOp, req: unknown): void {
  const r = req as Record<string, unknown>;
  fixImage(r.image as ImageInput | undefined);
  fixImage(r.hints as ImageInput | undefined);
  if (op === "replaceSky" || op === "changeBackground") {
    const src = (r.sky ?? r.background) as { kind: string; image?: ImageInput } | undefined;
    if (src?.kind === "image") fixImage(src.image);
  }
}
