/**
 * Masks once: the subject matte and the sky matte of a photo are what an edit costs; the look put
 * on top of them (a sky, a background, a canvas) is cheap. The engine takes mattes a caller kept
 * from an earlier edit of the same photo (`req.mattes`) and hands back the ones it had to compute
 * (`result.mattes`), as bytes (matte-codec.ts). Where they are kept is the caller's business
 * (lib/assets/matte-cache.ts); the key that says which photo, resolution, hints and engine a matte
 * belongs to is made here, next to the code whose output it names.
 */
import { createHash } from "node:crypto";
import type { EngineConfig } from "./config";
import { decodeMatte, encodeMatte } from "./matte-codec";
import { previewRenderSide } from "./options";
import type { Rgb } from "./raster";
import { type SkyMatte, computeSkyMatte } from "./sky-mask";
import { type SubjectMatte, computeSubjectMatte } from "./subject";
import type { ImageInput, PreviewOptions } from "./types";

export type MatteKind = "subject" | "sky";

/** Encoded mattes by kind: in a request, the ones already known; in a result, the ones computed. */
export type MatteBytes = Partial<Record<MatteKind, Uint8Array>>;

/**
 * Bump when the matte a kind's code computes changes (new model, new refinement, new fields): old
 * entries then stop matching and age out. The sky matte is computeSkyMatte's output as a black box.
 */
const MATTE_VERSIONS: Record<MatteKind, string> = { subject: "subject-1", sky: "sky-2" };

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The model that made a subject matte: the operator's file, or the bundled ISNet's side and precision. */
function subjectModelTag(config: EngineConfig): string {
  return config.modelPath ? `model:${config.modelPath}` : `isnet-${config.subjectPrecision}-${config.subjectSide}`;
}

/**
 * The cache key of one matte: the photo's content (the same bytes as its asset's sha256), the
 * resolution the edit decodes it at (a preview's side or the full photo), the hints that steer it
 * (sky only), the engine code and model. Safe as a storage key.
 */
export function matteKey(args: {
  kind: MatteKind;
  image: ImageInput;
  preview?: PreviewOptions;
  hints?: ImageInput;
  config: EngineConfig;
}): string {
  const parts = [
    args.kind,
    MATTE_VERSIONS[args.kind],
    args.kind === "subject" ? subjectModelTag(args.config) : "",
    args.preview ? `side-${previewRenderSide(args.preview.maxSide)}` : "full",
    args.hints ? `hints-${sha256(args.hints.bytes)}` : "no-hints",
  ];
  const digest = createHash("sha256").update(parts.join("|")).update(sha256(args.image.bytes)).digest("hex");
  return `${args.kind}-${digest.slice(0, 40)}`;
}

function fits(m: { width: number; height: number; alpha: Float32Array }, full: Rgb): boolean {
  return m.width === full.width && m.height === full.height && m.alpha.length === full.width * full.height;
}

/** A kept matte when one was given and fits the photo; anything unreadable is recomputed. */
function reuse<T extends { width: number; height: number; alpha: Float32Array }>(
  bytes: Uint8Array | undefined,
  full: Rgb,
): T | undefined {
  if (!bytes) return undefined;
  try {
    const m = decodeMatte<T>(bytes);
    return fits(m, full) ? m : undefined;
  } catch {
    return undefined;
  }
}

export async function subjectMatteFor(args: {
  full: Rgb;
  work: Rgb;
  known?: MatteBytes;
  computed: MatteBytes;
}): Promise<SubjectMatte> {
  const kept = reuse<SubjectMatte>(args.known?.subject, args.full);
  if (kept) return kept;
  const matte = await computeSubjectMatte(args.full, { work: args.work });
  args.computed.subject = encodeMatte(matte);
  return matte;
}

export async function skyMatteFor(args: {
  full: Rgb;
  /** Decoded only when the matte has to be computed. */
  hints?: () => Promise<Rgb>;
  known?: MatteBytes;
  computed: MatteBytes;
}): Promise<SkyMatte> {
  const kept = reuse<SkyMatte>(args.known?.sky, args.full);
  if (kept) return kept;
  const matte = await computeSkyMatte(args.full, { hints: args.hints ? await args.hints() : undefined });
  args.computed.sky = encodeMatte(matte);
  return matte;
}
