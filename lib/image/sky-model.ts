import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { AppError } from "../errors";
import { getEngineConfig } from "./config";
import { type Plane, type Rgb, resizeRgb } from "./raster";

/**
 * The sky segmenter trained in this project (scripts/sky-model/train.py): a 320² photo, squashed,
 * RGB in 0–1, gives the sky probability per pixel and the probability that the photo shows any sky.
 */
export const SKY_INPUT_SIDE = 320;
const MODEL_FILE = "sky-segmenter.onnx";

function modelPath(): string {
  const candidates = [
    path.join(path.dirname(fileURLToPath(import.meta.url)), "models", MODEL_FILE),
    // Bundled layouts: the sources' place in the project.
    path.resolve("lib/image/models", MODEL_FILE),
  ];
  for (const file of candidates) if (fs.existsSync(file)) return file;
  throw new AppError("engine_failed", `Sky model not found (lib/image/models/${MODEL_FILE}).`);
}

let sessionPromise: Promise<ort.InferenceSession> | undefined;

/** One session per thread (module state is per worker), created lazily and reused. */
function getSkySession(): Promise<ort.InferenceSession> {
  sessionPromise ??= ort.InferenceSession.create(modelPath(), {
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    intraOpNumThreads: getEngineConfig().threads,
    interOpNumThreads: 1,
  });
  sessionPromise.catch(() => {
    sessionPromise = undefined;
  });
  return sessionPromise;
}

export async function releaseSkySession(): Promise<void> {
  const pending = sessionPromise;
  sessionPromise = undefined;
  const session = await pending?.catch(() => undefined);
  await session?.release();
}

export type SkyPrediction = { prob: Plane; hasSky: number };

export async function predictSky(rgb: Rgb): Promise<SkyPrediction> {
  const S = SKY_INPUT_SIDE;
  const session = await getSkySession();
  const square = await resizeRgb(rgb, S, S);
  const plane = S * S;
  const input = new Float32Array(3 * plane);
  const px = square.data;
  for (let i = 0, j = 0; j < plane; i += 3, j++) {
    input[j] = px[i]! / 255;
    input[j + plane] = px[i + 1]! / 255;
    input[j + 2 * plane] = px[i + 2]! / 255;
  }
  const out = await session.run({ image: new ort.Tensor("float32", input, [1, 3, S, S]) });
  const sky = out.sky;
  const has = out.has_sky;
  if (!sky || !has || sky.data.length !== plane) throw new AppError("engine_failed", "Unexpected sky model output.");
  const prob = new Float32Array(sky.data as Float32Array);
  const hasSky = (has.data as Float32Array)[0]!;
  sky.dispose?.();
  has.dispose?.();
  return { prob: { width: S, height: S, data: prob }, hasSky };
}
