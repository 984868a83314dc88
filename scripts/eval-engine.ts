/**
 * Quality evaluation of the embedded image engine (npm run eval:engine).
 *
 * - Real photos (committed CC0/PD fixtures + Debian-package photos fetched into .cache/) through
 *   every operation; contact sheets (input | mask | result) in eval/out/.
 * - Metrics where ground truth exists: the OpenCV alpha-matting reference (SAD, MSE), and synthetic
 *   composites with exact masks (subject IoU). Sky replacement has its own real-photo evaluation:
 *   npm run eval:sky (scripts/eval-sky.ts).
 */
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { MATTING_REFERENCE, SKY_PHOTOS, SUBJECT_PHOTOS, photoPath } from "../lib/image/dev/debian-photos";
import { changeBackground } from "../lib/image/engine";
import { renderScene } from "../lib/image/procedural";
import { BACKGROUND_PRESETS } from "../lib/image/presets";
import { type Rgb, decodeRgb } from "../lib/image/raster";
import { computeSubjectMatte } from "../lib/image/subject";
import { releaseSubjectSession } from "../lib/image/subject-model";
import type { ImageInput } from "../lib/image/types";
import { engineConfigFromEnv } from "../lib/env";
import { configureEngine } from "../lib/image/config";
import { OUT, type Tile, textTile, tileFromBytes, tileFromMask, tileFromRgb, writeSheet } from "./eval-sheets";

configureEngine(engineConfigFromEnv());

function inputOf(bytes: Buffer): ImageInput {
  return { bytes, mime: "image/png", width: 0, height: 0 };
}

function iou(pred: Float32Array, truth: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < truth.length; i++) {
    const p = pred[i]! > 0.5;
    const t = truth[i]! > 0;
    if (p && t) inter++;
    if (p || t) union++;
  }
  return union === 0 ? 1 : inter / union;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
const summary: string[] = [];
const row = (...cells: (string | number)[]) => summary.push(`| ${cells.join(" | ")} |`);

// ------------------------------------------------------------------ real photos: subject
async function evalSubjectPhotos(): Promise<void> {
  const rows: Tile[][] = [];
  row("subject photo", "size", "coverage", "ms (mask)", "result");
  for (const photo of SUBJECT_PHOTOS) {
    const file = photoPath(photo);
    if (!file) continue;
    const bytes = fs.readFileSync(file);
    const full = await decodeRgb(bytes);
    const t0 = performance.now();
    try {
      const matte = await computeSubjectMatte(full);
      const ms = Math.round(performance.now() - t0);
      const res = await changeBackground({
        image: inputOf(bytes),
        background: { kind: "preset", presetId: "studio-grey" },
        shadow: true,
        canvas: "original",
        format: "png",
      });
      rows.push([
        await tileFromRgb(full),
        await tileFromMask(matte.alpha, full.width, full.height),
        await tileFromBytes(res.bytes),
      ]);
      row(photo.name, `${full.width}×${full.height}`, matte.coverage.toFixed(3), ms, "ok");
    } catch (error) {
      rows.push([await tileFromRgb(full), await textTile(`${photo.name}: ${(error as Error).message}`)]);
      row(photo.name, `${full.width}×${full.height}`, "-", "-", (error as { code?: string }).code ?? "error");
    }
  }
  await writeSheet("subject-photos.png", rows);
}

// ------------------------------------------------------------------ matting reference (OpenCV alphamat)
async function evalMattingReference(): Promise<void> {
  const img = photoPath(MATTING_REFERENCE.image);
  const ref = photoPath(MATTING_REFERENCE.matte);
  summary.push("");
  if (!img || !ref) {
    summary.push("matting reference: skipped (opencv-doc unavailable)");
    return;
  }
  const full = await decodeRgb(fs.readFileSync(img));
  const refA = await sharp(fs.readFileSync(ref))
    .extractChannel(0)
    .resize(full.width, full.height, { fit: "fill" })
    .raw()
    .toBuffer();
  let alpha: Float32Array;
  try {
    alpha = (await computeSubjectMatte(full)).alpha;
  } catch {
    alpha = new Float32Array(full.width * full.height);
  }
  let sad = 0;
  let mse = 0;
  for (let i = 0; i < alpha.length; i++) {
    const d = alpha[i]! - refA[i]! / 255;
    sad += Math.abs(d);
    mse += d * d;
  }
  mse /= alpha.length;
  row("matting reference", "SAD (/1000)", "MSE");
  row("opencv alphamat plant", (sad / 1000).toFixed(2), mse.toFixed(4));
  const truth = new Uint8Array(refA.length);
  for (let i = 0; i < truth.length; i++) truth[i] = refA[i]! > 127 ? 1 : 0;
  summary.push(`(plant IoU vs reference matte > 0.5: ${iou(alpha, truth).toFixed(3)})`);
  await writeSheet("matting-reference.png", [
    [
      await tileFromRgb(full),
      await tileFromMask(
        Float32Array.from(refA, (v) => v / 255),
        full.width,
        full.height,
      ),
      await tileFromMask(alpha, full.width, full.height),
    ],
  ]);
}

// ------------------------------------------------------------------ synthetic subject composites
async function evalSyntheticSubjects(): Promise<void> {
  // Foregrounds: subjects cut from real photos with a hard mask (the mask is then exact by
  // construction); backgrounds: procedural presets and real photo crops.
  const fgs: { name: string; rgb: Rgb; mask: Uint8Array }[] = [];
  for (const name of ["astronaut", "coffee", "chelsea"]) {
    const photo = SUBJECT_PHOTOS.find((p) => p.name === name)!;
    const file = photoPath(photo);
    if (!file) continue;
    const rgb = await decodeRgb(fs.readFileSync(file));
    const matte = await computeSubjectMatte(rgb);
    fgs.push({ name, rgb, mask: Uint8Array.from(matte.alpha, (a) => (a > 0.5 ? 1 : 0)) });
  }
  const bgSources: { name: string; make: (w: number, h: number) => Promise<Rgb> }[] = [
    { name: "studio-white", make: (w, h) => renderScene(findBg("studio-white"), { width: w, height: h }) },
    { name: "bokeh-city", make: (w, h) => renderScene(findBg("bokeh-city"), { width: w, height: h }) },
    { name: "wood-oak", make: (w, h) => renderScene(findBg("wood-oak"), { width: w, height: h }) },
  ];
  for (const p of [SKY_PHOTOS.find((s) => s.name === "aitzgorri")!, SKY_PHOTOS.find((s) => s.name === "leuvenA")!]) {
    const file = photoPath(p);
    if (file)
      bgSources.push({
        name: p.name,
        make: async (w, h) =>
          decodeRgb(await sharp(fs.readFileSync(file)).resize(w, h, { fit: "cover" }).png().toBuffer()),
      });
  }
  const ious: number[] = [];
  const rows: Tile[][] = [];
  summary.push("");
  row("synthetic subject", "background", "IoU");
  for (const fg of fgs) {
    for (const bgSrc of bgSources) {
      const bg = await bgSrc.make(fg.rgb.width, fg.rgb.height);
      const comp = new Uint8Array(fg.rgb.data.length);
      for (let i = 0; i < fg.mask.length; i++)
        for (let k = 0; k < 3; k++) comp[3 * i + k] = fg.mask[i] ? fg.rgb.data[3 * i + k]! : bg.data[3 * i + k]!;
      const rgb: Rgb = { width: fg.rgb.width, height: fg.rgb.height, data: comp };
      let pred: Float32Array;
      try {
        pred = (await computeSubjectMatte(rgb)).alpha;
      } catch {
        pred = new Float32Array(fg.mask.length);
      }
      const v = iou(pred, fg.mask);
      ious.push(v);
      row(fg.name, bgSrc.name, v.toFixed(3));
      if (rows.length < 8) rows.push([await tileFromRgb(rgb), await tileFromMask(pred, rgb.width, rgb.height)]);
    }
  }
  summary.push(
    `**subject IoU mean ${mean(ious).toFixed(3)}, min ${Math.min(...ious).toFixed(3)} (n=${ious.length}, target ≥ 0.95)**`,
  );
  await writeSheet("synthetic-subjects.png", rows);
}

function findBg(id: string) {
  return BG_SPECS[id]!;
}
const BG_SPECS = Object.fromEntries(BACKGROUND_PRESETS.map((p) => [p.id, p.spec]));

const only = process.argv[2];
const t0 = performance.now();
if (!only || only === "subject") await evalSubjectPhotos();
if (!only || only === "matting") await evalMattingReference();
if (!only || only === "synthetic-subject") await evalSyntheticSubjects();
await releaseSubjectSession();
fs.writeFileSync(path.join(OUT, only ? `summary-${only}.md` : "summary.md"), `${summary.join("\n")}\n`);
console.log(
  `\n${summary.join("\n")}\n\n(total ${Math.round((performance.now() - t0) / 1000)} s; sheets and summary.md in eval/out/)`,
);
