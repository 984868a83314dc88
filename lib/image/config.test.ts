import path from "node:path";
import { describe, expect, it } from "vitest";
import { resolveEngineConfig } from "./config";

describe("engine configuration", () => {
  it("keeps onnxruntime's arena for the int8 model and turns it off for fp32 or an own model", () => {
    expect(resolveEngineConfig({}).lowMemory).toBe(false);
    expect(resolveEngineConfig({ subjectPrecision: "fp32" }).lowMemory).toBe(true);
    expect(resolveEngineConfig({ modelPath: "/models/other.onnx" }).lowMemory).toBe(true);
  });

  it("lets an explicit low-memory choice override the default either way", () => {
    expect(resolveEngineConfig({ lowMemory: true }).lowMemory).toBe(true);
    expect(resolveEngineConfig({ subjectPrecision: "fp32", lowMemory: false }).lowMemory).toBe(false);
  });

  it("runs standalone on defaults: 768 px int8 ISNet cached under .cache, at most 2 threads", () => {
    const config = resolveEngineConfig();
    expect(config).toMatchObject({ subjectSide: 768, subjectPrecision: "int8", cacheDir: path.resolve(".cache") });
    expect(config.threads).toBeGreaterThanOrEqual(1);
    expect(config.threads).toBeLessThanOrEqual(2);
  });
});
