import { describe, expect, it } from "vitest";
import { configFromEnv } from "./config";

describe("engine configuration from the environment", () => {
  it("keeps onnxruntime's arena for the int8 model and turns it off for fp32 or an own model", () => {
    expect(configFromEnv({}).lowMemory).toBe(false);
    expect(configFromEnv({ ENGINE_SUBJECT_PRECISION: "fp32" }).lowMemory).toBe(true);
    expect(configFromEnv({ ENGINE_SUBJECT_MODEL: "/models/other.onnx" }).lowMemory).toBe(true);
  });

  it("lets ENGINE_LOW_MEMORY override the default either way", () => {
    expect(configFromEnv({ ENGINE_LOW_MEMORY: "1" }).lowMemory).toBe(true);
    expect(configFromEnv({ ENGINE_LOW_MEMORY: "true" }).lowMemory).toBe(true);
    expect(configFromEnv({ ENGINE_SUBJECT_PRECISION: "fp32", ENGINE_LOW_MEMORY: "0" }).lowMemory).toBe(false);
    expect(configFromEnv({ ENGINE_LOW_MEMORY: "" }).lowMemory).toBe(false);
  });

  it("falls back to 768 for an inference side that is not a multiple of 128 in 256–1024", () => {
    expect(configFromEnv({ ENGINE_SUBJECT_SIDE: "1024" }).subjectSide).toBe(1024);
    expect(configFromEnv({ ENGINE_SUBJECT_SIDE: "700" }).subjectSide).toBe(768);
    expect(configFromEnv({ ENGINE_SUBJECT_SIDE: "2048" }).subjectSide).toBe(768);
  });
});
