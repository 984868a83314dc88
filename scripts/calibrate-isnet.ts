/**
 * Measures ISNet's activation ranges for the int8 model (npm run calibrate:isnet [-- --side 768
 * --percentile 99.99]) and writes lib/image/isnet-int8-ranges.json.
 *
 * The fp32 model is run with every tensor the quantiser needs added as a graph output (in batches,
 * to bound memory). Calibration photos are the Debian sky/landscape photos and the committed
 * fixtures; the Debian subject photos are left out so they can judge the result unseen (the
 * astronaut and coffee fixtures are smaller copies of two of them). A range is, per tensor, the
 * widest over the photos of each photo's `percentile` range (100 = plain min/max, which lets a few
 * extreme activations coarsen the scale for all the others). Measured on the held-out photos, 99.99
 * beat both plain min/max-like widths and a per-tensor least-squared-error range (2× the mask error).
 */
import fs from "node:fs";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { SKY_PHOTOS, SUBJECT_PHOTOS, photoPath } from "../lib/image/dev/debian-photos";
import { pruneToOutputs, readGraph, tensorsToCalibrate, withGraphOutputs } from "../lib/image/onnx-quantize";
import { decodeRgb } from "../lib/image/raster";
import { ensureSubjectModel, subjectInput } from "../lib/image/subject-model";
import { FIXTURE_DIR } from "../lib/image/test-support/fixtures";
import { engineConfigFromEnv } from "../lib/env";
import { configureEngine } from "../lib/image/config";

configureEngine(engineConfigFromEnv());

const OUT = path.resolve("lib/image/isnet-int8-ranges.json");
const BATCH = 60;
const BINS = 4096;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value)) throw new Error(`--${name} needs a number`);
  return value;
}

/** The range holding all but (100 − percentile) % of the values at each end (histogram of BINS bins). */
function percentileRange(data: Float32Array, percentile: number): [number, number] {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (percentile >= 100 || max <= min) return [min, max];
  const hist = new Uint32Array(BINS);
  const k = (BINS - 1) / (max - min);
  for (const v of data) hist[Math.floor((v - min) * k)]!++;
  const tail = (data.length * (100 - percentile)) / 100;
  let lo = 0;
  for (let n = 0; lo < BINS - 1 && n + hist[lo]! <= tail; lo++) n += hist[lo]!;
  let hi = BINS - 1;
  for (let n = 0; hi > 0 && n + hist[hi]! <= tail; hi--) n += hist[hi]!;
  return [min + lo / k, min + (hi + 1) / k];
}

async function main(): Promise<void> {
  const side = arg("side", 768);
  const percentile = arg("percentile", 99.99);
  const held = new Set(SUBJECT_PHOTOS.map((p) => p.file));
  const photos: { name: string; file: string }[] = [];
  for (const p of SKY_PHOTOS) {
    if (held.has(p.file)) continue;
    const file = photoPath(p);
    if (file) photos.push({ name: `debian:${p.pkg}/${path.basename(p.file)}`, file });
  }
  for (const f of fs
    .readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith(".jpg"))
    .sort()) {
    photos.push({ name: `fixture:${f}`, file: path.join(FIXTURE_DIR, f) });
  }
  const inputs = await Promise.all(
    photos.map(async (p) => subjectInput(await decodeRgb(fs.readFileSync(p.file)), side)),
  );
  console.log(`calibrating at ${side}² on ${photos.length} photos`);

  const model = pruneToOutputs(fs.readFileSync(ensureSubjectModel({ side, precision: "fp32" })), ["output"]);
  const names = tensorsToCalibrate(readGraph(model));
  const ranges: Record<string, [number, number]> = {};
  for (let b = 0; b < names.length; b += BATCH) {
    const batch = names.slice(b, b + BATCH);
    const session = await ort.InferenceSession.create(withGraphOutputs(model, batch), {
      intraOpNumThreads: 2,
      enableMemPattern: false,
    });
    try {
      for (const input of inputs) {
        const out = await session.run({ input: new ort.Tensor("float32", input, [1, 3, side, side]) }, batch);
        for (const name of batch) {
          const [lo, hi] = percentileRange(out[name]!.data as Float32Array, percentile);
          const prev = ranges[name];
          ranges[name] = prev ? [Math.min(prev[0], lo), Math.max(prev[1], hi)] : [lo, hi];
        }
      }
    } finally {
      await session.release();
    }
    console.log(`${Math.min(b + BATCH, names.length)}/${names.length} tensors`);
  }
  const round = (v: number) => Number(v.toPrecision(5));
  const json = {
    about: `ISNet (imgly medium) activation ranges for int8 quantisation, written by scripts/calibrate-isnet.ts: per tensor, the widest of ${photos.length} photos' ${percentile}th-percentile ranges, fp32 model at ${side}².`,
    side,
    percentile,
    images: photos.map((p) => p.name),
    ranges: Object.fromEntries(Object.entries(ranges).map(([k, [lo, hi]]) => [k, [round(lo), round(hi)]])),
  };
  fs.writeFileSync(OUT, `${JSON.stringify(json, null, 1)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), OUT)}`);
}

await main();
