/**
 * Engine benchmark (npm run bench:engine): median and p95 per operation at 1024 px and 4000 px,
 * peak RSS, and @imgly/background-removal-node's own removeBackground() on the same images as a
 * reference. Runs on the calling thread (the pool adds only message passing), after the engine's
 * start-up warm-up (warmup.ts, as a server or worker process does it; --no-warmup measures cold code).
 *
 * Then "masks once": the first look at a 12 MP photo (masks computed) against a second look with
 * another sky or background (masks from the matte cache, over a temporary local storage).
 *
 * Camera photos: each edit on a 6000 × 4000 (24 MP) photo in a process of its own, so that its
 * peak RSS is that edit's alone (goal: ≤ 4 s median, ≤ 1.6 GB peak RSS).
 *
 *   npx tsx bench/engine.ts [--runs 5] [--big-runs 3] [--camera-runs 3] [--no-imgly] [--no-warmup] [--no-camera]
 *   npx tsx bench/engine.ts --only-looks      (just "masks once")
 *   npx tsx bench/engine.ts --camera-only     (just the 24 MP cases)
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import sharp from "sharp";
import { SKY_PHOTOS, SUBJECT_PHOTOS, photoPath } from "../lib/image/dev/debian-photos";
import { changeBackground, removeBackground, replaceSky } from "../lib/image/engine";
import { imglyDistDir, releaseSubjectSession } from "../lib/image/subject-model";
import { warmEngine } from "../lib/image/warmup";
import type { ImageInput } from "../lib/image/types";
import { engineConfigFromEnv } from "../lib/env";
import { configureEngine } from "../lib/image/config";

configureEngine(engineConfigFromEnv());

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const RUNS = arg("--runs", 5);
const BIG_RUNS = arg("--big-runs", 3);
const CAMERA_RUNS = arg("--camera-runs", 3);
const WITH_IMGLY = !args.includes("--no-imgly");
const WARMUP = !args.includes("--no-warmup");
const ONLY_LOOKS = args.includes("--only-looks");
const CAMERA_ONLY = args.includes("--camera-only");
const WITH_CAMERA = CAMERA_ONLY || (!ONLY_LOOKS && !args.includes("--no-camera"));
const CAMERA_CHILD = args.includes("--camera-child") ? args[args.indexOf("--camera-child") + 1] : undefined;
const CAMERA = { width: 6000, height: 4000 };
const GOAL_MS = 4_000;
const GOAL_RSS_MB = 1_600;

async function sized(file: string, longSide: number): Promise<ImageInput> {
  const bytes = await sharp(fs.readFileSync(file))
    .rotate()
    .resize(longSide, longSide, { fit: "inside" })
    .jpeg({ quality: 92 })
    .toBuffer();
  const meta = await sharp(bytes).metadata();
  return { bytes, mime: "image/jpeg", width: meta.width, height: meta.height };
}

/** A camera-size photo: the fixture brought to exactly 6000 × 4000 (cover). */
async function cameraSized(file: string): Promise<ImageInput> {
  const bytes = await sharp(fs.readFileSync(file))
    .rotate()
    .resize(CAMERA.width, CAMERA.height, { fit: "cover" })
    .jpeg({ quality: 90 })
    .toBuffer();
  return { bytes, mime: "image/jpeg", ...CAMERA };
}

function stats(ms: number[]): { median: number; p95: number } {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { median: q(0.5), p95: q(0.95) };
}

async function time(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

const fixtures = path.resolve("e2e/fixtures/files");
const subjectFile = photoPath(SUBJECT_PHOTOS.find((p) => p.name === "fig-bowl")!) ?? path.join(fixtures, "coffee.jpg");
const skyFile = photoPath(SKY_PHOTOS.find((p) => p.name === "picos")!) ?? path.join(fixtures, "camera.jpg");

const EDITS = {
  "background removal (png cut-out)": (subject: ImageInput) =>
    removeBackground({ image: subject, format: "png", output: "cutout" }),
  "background change (preset, shadow, jpeg)": (subject: ImageInput) =>
    changeBackground({
      image: subject,
      background: { kind: "preset", presetId: "studio-white" },
      shadow: true,
      canvas: "original",
      format: "jpeg",
    }),
  "sky replacement (preset, jpeg)": (_subject: ImageInput, sky: ImageInput) =>
    replaceSky({
      image: sky,
      sky: { kind: "preset", presetId: "cumulus-afternoon" },
      harmonize: 0.5,
      horizonShift: 0,
      format: "jpeg",
    }),
} as const;
type EditName = keyof typeof EDITS;

if (CAMERA_CHILD) {
  // One 24 MP edit in this process: warm-up as a server does it, one untimed run, then the runs.
  const name = CAMERA_CHILD as EditName;
  if (WARMUP) await warmEngine();
  const subject = await cameraSized(subjectFile);
  const sky = await cameraSized(skyFile);
  const run = () => EDITS[name](subject, sky);
  const out = await run();
  const ms = await time(CAMERA_RUNS, run);
  await releaseSubjectSession();
  const { median, p95 } = stats(ms);
  const size = `${out.width}x${out.height}`;
  console.log(`CAMERA ${JSON.stringify({ median, p95, size, peakRssMb: process.resourceUsage().maxRSS / 1024 })}`);
  process.exit(0);
}

const rows: string[] = ["| operation | size | runs | median ms | p95 ms |", "|---|---|---|---|---|"];
const results: Record<string, number> = {};
async function bench(name: string, size: number, runs: number, fn: () => Promise<unknown>): Promise<void> {
  await fn(); // warm-up (model load, JIT)
  const { median, p95 } = stats(await time(runs, fn));
  results[`${name}@${size}`] = median;
  rows.push(`| ${name} | ${size} | ${runs} | ${Math.round(median)} | ${Math.round(p95)} |`);
  console.log(rows.at(-1));
}

if (WARMUP && !CAMERA_ONLY) {
  const t0 = performance.now();
  await warmEngine();
  rows.unshift(`engine warm-up (model load + 3 rounds on 512 px): ${Math.round(performance.now() - t0)} ms\n`);
  console.log(rows[0]);
}

for (const size of ONLY_LOOKS || CAMERA_ONLY ? [] : [1024, 4000]) {
  const runs = size > 2000 ? BIG_RUNS : RUNS;
  const subject = await sized(subjectFile, size);
  const sky = await sized(skyFile, size);
  for (const [name, edit] of Object.entries(EDITS)) await bench(name, size, runs, () => edit(subject, sky));
  if (size === 1024) {
    await bench("preview (sky, 640 px, watermark)", size, runs, () =>
      replaceSky({
        image: sky,
        sky: { kind: "preset", presetId: "golden-hour" },
        harmonize: 0.5,
        horizonShift: 0,
        format: "webp",
        preview: { maxSide: 640, watermark: true },
      }),
    );
  }
}
// ---------------------------------------------------------------- masks once: first vs second look
if (!CAMERA_ONLY) {
  const { MatteCache } = await import("../lib/assets/matte-cache");
  const { createLocalStorage } = await import("../lib/assets/storage/local");
  const { createLocalProvider } = await import("../lib/providers/local");
  const { PREVIEW_OPTIONS } = await import("../lib/image/options");
  const os = await import("node:os");
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-mattes-"));
  const subject = await sized(subjectFile, 4000);
  const skyPhoto = await sized(skyFile, 4000);
  const ctx = () => ({ signal: new AbortController().signal });
  rows.push("", "| look on a 12 MP photo | first ms (masks computed) | second ms (masks kept) | second / first |");
  rows.push("|---|---|---|---|");
  const looks: Array<{
    name: string;
    run: (p: ReturnType<typeof createLocalProvider>, i: number) => Promise<unknown>;
  }> = [];
  for (const preview of [PREVIEW_OPTIONS, undefined]) {
    const tag = preview ? `preview ${preview.maxSide} px` : "full size";
    looks.push({
      name: `sky (${tag})`,
      run: (p, i) =>
        p.skyReplacement!(
          {
            image: skyPhoto,
            sky: { kind: "preset", presetId: i % 2 ? "golden-hour" : "cumulus-afternoon" },
            harmonize: 0.5,
            horizonShift: 0,
            format: "jpeg",
            ...(preview ? { preview } : {}),
          },
          ctx(),
        ),
    });
    looks.push({
      name: `background (${tag})`,
      run: (p, i) =>
        p.backgroundChange!(
          {
            image: subject,
            background: i % 2 ? { kind: "color", color: "#f4f1ea" } : { kind: "preset", presetId: "studio-white" },
            shadow: true,
            canvas: "original",
            format: "jpeg",
            ...(preview ? { preview } : {}),
          },
          ctx(),
        ),
    });
  }
  for (const look of looks) {
    const firsts: number[] = [];
    const seconds: number[] = [];
    for (let r = 0; r < BIG_RUNS; r++) {
      // A fresh cache each round: the first look computes the masks, the second finds them.
      const cache = new MatteCache({ storage: createLocalStorage(path.join(tmp, `${look.name}-${r}`)) });
      const provider = createLocalProvider({ mode: "inline", matteCache: cache });
      let t0 = performance.now();
      await look.run(provider, 0);
      firsts.push(performance.now() - t0);
      t0 = performance.now();
      await look.run(provider, 1);
      seconds.push(performance.now() - t0);
    }
    const f = stats(firsts).median;
    const s2 = stats(seconds).median;
    results[`first look ${look.name}`] = f;
    results[`second look ${look.name}`] = s2;
    rows.push(`| ${look.name} | ${Math.round(f)} | ${Math.round(s2)} | ${((100 * s2) / f).toFixed(0)} % |`);
    console.log(rows.at(-1));
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}

await releaseSubjectSession();
if (WITH_CAMERA) {
  rows.push(
    "",
    `| 24 MP edit (6000 × 4000, own process) | runs | median ms | p95 ms | peak RSS MB | goal ≤ ${GOAL_MS} ms, ≤ ${GOAL_RSS_MB} MB |`,
    "|---|---|---|---|---|---|",
  );
  for (const name of Object.keys(EDITS)) {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, process.argv[1]!, "--camera-child", name, "--camera-runs", String(CAMERA_RUNS)].concat(
        WARMUP ? [] : ["--no-warmup"],
      ),
      { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
    );
    const line = child.stdout.split("\n").find((l) => l.startsWith("CAMERA "));
    if (!line) {
      rows.push(
        `| ${name} | failed: ${(child.stderr || child.stdout).trim().split("\n").slice(-3).join(" ")} | | | | |`,
      );
    } else {
      const r = JSON.parse(line.slice(7)) as { median: number; p95: number; size: string; peakRssMb: number };
      const ok = r.median <= GOAL_MS && r.peakRssMb <= GOAL_RSS_MB;
      rows.push(
        `| ${name} → ${r.size} | ${CAMERA_RUNS} | ${Math.round(r.median)} | ${Math.round(r.p95)} | ${Math.round(r.peakRssMb)} | ${ok ? "met" : "missed"} |`,
      );
    }
    console.log(rows.at(-1));
  }
}
const enginePeak = process.resourceUsage().maxRSS / 1024;
rows.push(`\npeak RSS (engine, this process): ${Math.round(enginePeak)} MB`);
console.log(rows.at(-1));

if (WITH_IMGLY && !ONLY_LOOKS && !CAMERA_ONLY) {
  // Reference: imgly's own pipeline (same model family) on the same images.
  const { removeBackground: imglyRemove } = await import("@imgly/background-removal-node");
  const publicPath = pathToFileURL(`${imglyDistDir()}/`).href;
  for (const size of [1024, 4000]) {
    const subject = await sized(subjectFile, size);
    const runs = size > 2000 ? BIG_RUNS : RUNS;
    const run = () =>
      imglyRemove(new Blob([new Uint8Array(subject.bytes)], { type: "image/jpeg" }), {
        publicPath,
        model: "medium",
        output: { format: "image/png" },
      });
    await bench("imgly removeBackground (reference)", size, runs, run);
    const ours = results[`background removal (png cut-out)@${size}`]!;
    const theirs = results[`imgly removeBackground (reference)@${size}`]!;
    rows.push(`| ratio engine / imgly | ${size} | | ${(ours / theirs).toFixed(2)} | |`);
    console.log(rows.at(-1));
  }
  rows.push(`peak RSS (after imgly too): ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
}
fs.mkdirSync("bench/out", { recursive: true });
fs.writeFileSync("bench/out/engine.md", `${rows.join("\n")}\n`);
console.log(`\n${rows.join("\n")}`);
