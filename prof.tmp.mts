import fs from "node:fs";
import sharp from "sharp";
import * as ort from "onnxruntime-node";
const S = 1024;
const threads = Number(process.argv[2] ?? 2);
const extra = process.argv[3] === "nospin" ? { extra: { session: { intra_op: { allow_spinning: "0" } } } } : {};
const sess = await ort.InferenceSession.create("/work/main/.cache/models/isnet-medium.onnx", { graphOptimizationLevel: "all", executionMode: "sequential", intraOpNumThreads: threads, interOpNumThreads: 1, enableMemPattern: false, enableCpuMemArena: process.argv[4] !== "arena", ...extra } as any);
const px = await sharp("/work/main/e2e/fixtures/files/coffee.jpg").resize(S, S, { fit: "fill" }).raw().toBuffer();
const f = new Float32Array(3 * S * S);
for (let j = 0; j < S * S; j++) for (let k = 0; k < 3; k++) f[j + k * S * S] = (px[3 * j + k]! - 128) / 256;
for (let i = 0; i < 4; i++) {
  const t0 = performance.now();
  await sess.run({ input: new ort.Tensor("float32", f, [1, 3, S, S]) }, ["output"]);
  console.log(threads, process.argv[3] ?? "", Math.round(performance.now() - t0));
}
console.log("rss", Math.round(process.resourceUsage().maxRSS / 1024));
