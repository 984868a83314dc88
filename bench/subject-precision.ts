/**
 * ISNet fp32 vs int8 (npm run bench:subject-precision [-- --side 768 --runs 2 --threads 2]): CPU and wall ms
 * per inference, the int8 mask against the fp32 one (IoU at 0.5, mean |Δ|) on the Debian subject
 * photos and the committed fixtures, the ops onnxruntime actually runs, and a contact sheet
 * (photo | fp32 | int8 | |Δ|×4) in bench/out/subject-precision-<side>.png.
 *
 * CPU time (process.cpuUsage) is the figure to compare: the machine may be shared, wall time is noisy.
 */
import fs from "node:fs";
import path from "node:path";
import * as ort from "onnxruntime-node";
import sharp, { type OverlayOptions } from "sharp";
import { SUBJECT_PHOTOS, photoPath } from "../lib/image/dev/debian-photos";
import { ISNET_INT8_RANGES } from "../lib/image/isnet-int8-ranges";
import { pruneToOutputs, quantiseIsnet, readGraph } from "../lib/image/onnx-quantize";
import { type Rgb, decodeRgb } from "../lib/image/raster";
import { type SubjectPrecision, buildSubjectModel, subjectInput } from "../lib/image/subject-model";
import { FIXTURE_DIR } from "../lib/image/test-support/fixtures";
import { engineConfigFromEnv } from "../lib/env";
import { configureEngine } from "../lib/image/config";

configureEngine(engineConfigFromEnv());

const OUT = path.resolve("bench/out");
const TILE = 256;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

type Run = { masks: Float32Array[]; cpuMs: number[]; wallMs: number[]; ops: Map<string, number> };

async function runModel(args: {
  model: Buffer;
  inputs: Float32Array[];
  side: number;
  runs: number;
  threads: number;
  label: string;
}): Promise<Run> {
  const optimised = path.join(OUT, `isnet-${args.label}-${args.side}-optimised.onnx`);
  const session = await ort.InferenceSession.create(args.model, {
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    intraOpNumThreads: args.threads,
    interOpNumThreads: 1,
    enableMemPattern: false,
    enableCpuMemArena: false,
    optimizedModelFilePath: optimised,
    // Spinning threads would count as CPU time (and steal it from the machine's other work).
    extra: { session: { intra_op: { allow_spinning: "0" } } },
  });
  const ops = new Map<string, number>();
  for (const n of readGraph(fs.readFileSync(optimised)).nodes) ops.set(n.op, (ops.get(n.op) ?? 0) + 1);
  fs.rmSync(optimised, { force: true });
  const run: Run = { masks: [], cpuMs: [], wallMs: [], ops };
  const infer = async (input: Float32Array) => {
    const out = await session.run({ input: new ort.Tensor("float32", input, [1, 3, args.side, args.side]) }, [
      "output",
    ]);
    return new Float32Array(out.output!.data as Float32Array);
  };
  try {
    await infer(args.inputs[0]!);
    for (const input of args.inputs) {
      let mask = new Float32Array();
      for (let r = 0; r < args.runs; r++) {
        const cpu = process.cpuUsage();
        const t0 = performance.now();
        mask = await infer(input);
        run.wallMs.push(performance.now() - t0);
        const used = process.cpuUsage(cpu);
        run.cpuMs.push((used.user + used.system) / 1000);
      }
      run.masks.push(mask);
    }
  } finally {
    await session.release();
  }
  return run;
}

function compare(a: Float32Array, b: Float32Array): { iou: number; meanAbs: number } {
  let inter = 0;
  let union = 0;
  let abs = 0;
  for (let i = 0; i < a.length; i++) {
    const [p, q] = [a[i]! > 0.5, b[i]! > 0.5];
    if (p && q) inter++;
    if (p || q) union++;
    abs += Math.abs(a[i]! - b[i]!);
  }
  return { iou: union === 0 ? 1 : inter / union, meanAbs: abs / a.length };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function tile(data: Uint8Array, side: number, channels: 1 | 3): Promise<Buffer> {
  return sharp(data, { raw: { width: side, height: side, channels } })
    .resize(TILE, TILE)
    .toColourspace("srgb")
    .png()
    .toBuffer();
}

async function main(): Promise<void> {
  const side = arg("side", 768);
  const runs = arg("runs", 2);
  const threads = arg("threads", 2);
  // e.g. --float /stage3/,/stage2d/: keep those stages' tensors fp32 (sensitivity experiments).
  const floatIndex = process.argv.indexOf("--float");
  const floatPrefixes = floatIndex >= 0 ? (process.argv[floatIndex + 1] ?? "").split(",").filter(Boolean) : [];
  fs.mkdirSync(OUT, { recursive: true });
  const photos: { name: string; rgb: Rgb }[] = [];
  for (const p of SUBJECT_PHOTOS) {
    const file = photoPath(p);
    if (file) photos.push({ name: p.name, rgb: await decodeRgb(fs.readFileSync(file)) });
  }
  for (const f of fs
    .readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith(".jpg"))
    .sort()) {
    photos.push({ name: `fixture ${f}`, rgb: await decodeRgb(fs.readFileSync(path.join(FIXTURE_DIR, f))) });
  }
  const inputs = await Promise.all(photos.map((p) => subjectInput(p.rgb, side)));

  // "fp32 pruned" separates the int8 gain from that of dropping the unused side outputs.
  const results = {} as Record<SubjectPrecision | "fp32 pruned", Run>;
  const variants = process.argv.includes("--int8-only")
    ? (["fp32", "int8"] as const)
    : (["fp32", "fp32 pruned", "int8"] as const);
  for (const precision of variants) {
    const t0 = performance.now();
    const model =
      precision === "fp32 pruned"
        ? pruneToOutputs(buildSubjectModel({ side, precision: "fp32" }), ["output"])
        : precision === "int8" && floatPrefixes.length
          ? quantiseIsnet({
              model: pruneToOutputs(buildSubjectModel({ side, precision: "fp32" }), ["output"]),
              ranges: ISNET_INT8_RANGES.ranges,
              floatPrefixes,
            })
          : buildSubjectModel({ side, precision });
    console.log(
      `${precision}: model built in ${Math.round(performance.now() - t0)} ms (${(model.length / 1e6).toFixed(1)} MB)`,
    );
    results[precision] = await runModel({ model, inputs, side, runs, threads, label: precision.replace(" ", "-") });
    const r = results[precision];
    console.log(
      `${precision}: CPU ms median ${median(r.cpuMs).toFixed(0)}, wall ms median ${median(r.wallMs).toFixed(0)} (${r.cpuMs.length} runs)`,
    );
    console.log(
      `  ops: ${[...r.ops]
        .sort((a, b) => b[1] - a[1])
        .map(([op, n]) => `${op} ${n}`)
        .join(", ")}`,
    );
  }

  const rows: Buffer[][] = [];
  console.log("\n| photo | IoU int8 vs fp32 | mean abs diff |\n|---|---|---|");
  for (let i = 0; i < photos.length; i++) {
    const [a, b] = [results.fp32.masks[i]!, results.int8.masks[i]!];
    const { iou, meanAbs } = compare(a, b);
    console.log(`| ${photos[i]!.name} | ${iou.toFixed(4)} | ${meanAbs.toFixed(4)} |`);
    const px = Buffer.alloc(side * side * 3);
    const resized = await sharp(photos[i]!.rgb.data, {
      raw: { width: photos[i]!.rgb.width, height: photos[i]!.rgb.height, channels: 3 },
    })
      .resize(side, side, { fit: "fill" })
      .raw()
      .toBuffer();
    resized.copy(px);
    const grey = (m: Float32Array) => Uint8Array.from(m, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
    const diff = Uint8Array.from(a, (v, j) => Math.min(255, Math.round(Math.abs(v - b[j]!) * 4 * 255)));
    rows.push([
      await tile(px, side, 3),
      await tile(grey(a), side, 1),
      await tile(grey(b), side, 1),
      await tile(diff, side, 1),
    ]);
  }
  const composites: OverlayOptions[] = rows.flatMap((row, y) =>
    row.map((input, x) => ({ input, left: x * (TILE + 4), top: y * (TILE + 4) })),
  );
  const sheet = path.join(OUT, `subject-precision-${side}.png`);
  await sharp({ create: { width: 4 * (TILE + 4), height: rows.length * (TILE + 4), channels: 3, background: "#000" } })
    .composite(composites)
    .png()
    .toFile(sheet);
  console.log(`\nwrote ${path.relative(process.cwd(), sheet)}`);
}

await main();
