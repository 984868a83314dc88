/**
 * Quality evaluation of the embedded image engine (npm run eval:engine).
 *
 * - Real photos (committed CC0/PD fixtures + Debian-package photos fetched into .cache/) through
 *   every operation; contact sheets (input | mask | result) in eval/out/.
 * - Metrics where ground truth exists: the OpenCV alpha-matting reference (SAD, MSE), and synthetic
 *   composites with exact masks (subject IoU, sky IoU).
 */
import fs from "node:fs";
import path from "node:path";
import sharp, { type OverlayOptions } from "sharp";
import { MATTING_REFERENCE, SKY_PHOTOS, SUBJECT_PHOTOS, photoPath } from "../lib/image/dev/debian-photos";
import { changeBackground, replaceSky } from "../lib/image/engine";
import { mulberry32, renderScene } from "../lib/image/procedural";
import { BACKGROUND_PRESETS, SKY_PRESETS } from "../lib/image/presets";
import { type Rgb, decodeRgb, planeToGrey, resizeRgb } from "../lib/image/raster";
import { SKY_CONFIDENCE_THRESHOLD, computeSkyMatte } from "../lib/image/sky-mask";
import { computeSubjectMatte } from "../lib/image/subject";
import { releaseSubjectSession } from "../lib/image/subject-model";
import type { ImageInput } from "../lib/image/types";
import { engineConfigFromEnv } from "../lib/env";
import { configureEngine } from "../lib/image/config";

configureEngine(engineConfigFromEnv());

const OUT = path.resolve("eval/out");
const TILE_H = 240;
fs.mkdirSync(OUT, { recursive: true });

type Tile = Buffer;

async function tileFromRgb(rgb: Rgb): Promise<Tile> {
  return sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .resize({ height: TILE_H })
    .png()
    .toBuffer();
}
async function tileFromMask(mask: Float32Array, w: number, h: number): Promise<Tile> {
  return sharp(planeToGrey(mask), { raw: { width: w, height: h, channels: 1 } })
    .resize({ height: TILE_H })
    .toColourspace("srgb")
    .png()
    .toBuffer();
}
async function tileFromBytes(bytes: Buffer): Promise<Tile> {
  return sharp(bytes).resize({ height: TILE_H }).flatten({ background: "#ff00ff" }).png().toBuffer();
}
async function textTile(text: string, width = 240): Promise<Tile> {
  const esc = text.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const lines = esc.match(/.{1,30}(\s|$)/g) ?? [esc];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${TILE_H}"><rect width="100%" height="100%" fill="#222"/>${lines
    .map(
      (l, i) =>
        `<text x="8" y="${24 + i * 20}" font-family="DejaVu Sans, sans-serif" font-size="15" fill="#fff">${l.trim()}</text>`,
    )
    .join("")}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Rows of tiles → one PNG. */
async function writeSheet(file: string, rows: Tile[][]): Promise<void> {
  if (rows.length === 0) return;
  const metas = await Promise.all(rows.map((r) => Promise.all(r.map((t) => sharp(t).metadata()))));
  const width = Math.max(...metas.map((r) => r.reduce((s, m) => s + (m.width ?? 0) + 4, 0)));
  const composites: OverlayOptions[] = [];
  rows.forEach((row, y) => {
    let x = 0;
    row.forEach((t, i) => {
      composites.push({ input: t, left: x, top: y * (TILE_H + 4) });
      x += (metas[y]![i]!.width ?? 0) + 4;
    });
  });
  await sharp({ create: { width, height: rows.length * (TILE_H + 4), channels: 3, background: "#000" } })
    .composite(composites)
    .png()
    .toFile(path.join(OUT, file));
  console.log(`wrote eval/out/${file}`);
}

function inputOf(bytes: Buffer): ImageInput {
  return { bytes, mime: "image/png", width: 0, height: 0 };
}

async function encodePng(rgb: Rgb): Promise<Buffer> {
  return sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .png()
    .toBuffer();
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

// ------------------------------------------------------------------ real photos: sky
async function evalSkyPhotos(): Promise<void> {
  const rows: Tile[][] = [];
  summary.push("");
  row("sky photo", "size", "confidence", "coverage", "ms (mask)", "outcome");
  for (const photo of SKY_PHOTOS) {
    const file = photoPath(photo);
    if (!file) continue;
    const bytes = fs.readFileSync(file);
    const full = await decodeRgb(bytes, { maxSide: 2048 });
    const t0 = performance.now();
    const matte = await computeSkyMatte(full, { allowLowConfidence: true });
    const ms = Math.round(performance.now() - t0);
    const refused = matte.confidence < SKY_CONFIDENCE_THRESHOLD;
    const tiles = [await tileFromRgb(full), await tileFromMask(matte.alpha, full.width, full.height)];
    if (refused)
      tiles.push(
        await textTile(
          `refused: no_sky_detected (confidence ${matte.confidence.toFixed(2)}; ${matte.reasons.join("; ")})`,
        ),
      );
    else {
      const res = await replaceSky({
        image: inputOf(await encodePng(full)),
        sky: { kind: "preset", presetId: "cumulus-afternoon" },
        harmonize: 0.5,
        horizonShift: 0,
        format: "jpeg",
      });
      tiles.push(await tileFromBytes(res.bytes));
    }
    rows.push(tiles);
    row(
      photo.name,
      `${full.width}×${full.height}`,
      matte.confidence.toFixed(2),
      matte.coverage.toFixed(3),
      ms,
      refused ? "refused" : "replaced",
    );
  }
  await writeSheet("sky-photos.png", rows);
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

// ------------------------------------------------------------------ synthetic sky composites
type Skyline = "ridge" | "city" | "ridge+subject";

function skylineMask(args: {
  kind: Skyline;
  w: number;
  h: number;
  seed: number;
  subject?: { mask: Uint8Array; w: number; h: number };
}): Uint8Array {
  const { w, h, seed } = args;
  const rand = mulberry32(seed);
  const sky = new Uint8Array(w * h);
  const top = new Float32Array(w);
  if (args.kind === "city") {
    let x = 0;
    while (x < w) {
      const bw = Math.round(w * (0.04 + 0.1 * rand()));
      const bh = h * (0.35 + 0.35 * rand());
      for (let i = x; i < Math.min(w, x + bw); i++) top[i] = h - bh;
      x += bw;
    }
  } else {
    const a = rand() * 10;
    for (let x = 0; x < w; x++) {
      const u = x / w;
      top[x] = h * (0.45 + 0.12 * Math.sin(u * 5 + a) + 0.06 * Math.sin(u * 17 + 2 * a) + 0.02 * Math.sin(u * 61 + a));
    }
  }
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) sky[y * w + x] = y < top[x]! ? 1 : 0;
  if (args.subject) {
    // Paste the subject silhouette standing on the bottom edge, protruding into the sky.
    const s = args.subject;
    const ox = Math.round(w * 0.55);
    const oy = h - s.h;
    for (let y = 0; y < s.h; y++)
      for (let x = 0; x < s.w; x++)
        if (s.mask[y * s.w + x] && ox + x < w && oy + y >= 0) sky[(oy + y) * w + ox + x] = 0;
  }
  return sky;
}

async function evalSyntheticSkies(): Promise<void> {
  const W = 1024;
  const H = 683;
  const skies: { name: string; rgb: Rgb }[] = [];
  for (const id of ["clear-blue", "cumulus-afternoon", "soft-overcast", "golden-hour", "high-streaks"]) {
    skies.push({
      name: id,
      rgb: await renderScene(SKY_PRESETS.find((p) => p.id === id)!.spec, { width: W, height: H }),
    });
  }
  const storm = photoPath(SKY_PHOTOS.find((p) => p.name === "storm")!);
  if (storm) {
    const buf = await sharp(fs.readFileSync(storm))
      .extract({ left: 0, top: 0, width: 1920, height: 560 })
      .resize(W, H, { fit: "fill" })
      .png()
      .toBuffer();
    skies.push({ name: "storm-photo", rgb: await decodeRgb(buf) });
  }
  const grounds: { name: string; rgb: Rgb }[] = [];
  for (const [name, crop] of [
    ["aitzgorri", { top: 0.55, bottom: 1 }],
    ["leuvenA", { top: 0.45, bottom: 1 }],
    ["storm", { top: 0.7, bottom: 1 }],
  ] as const) {
    const file = photoPath(SKY_PHOTOS.find((p) => p.name === name)!);
    if (!file) continue;
    const meta = await sharp(fs.readFileSync(file)).metadata();
    const top = Math.round(meta.height * crop.top);
    const buf = await sharp(fs.readFileSync(file))
      .extract({ left: 0, top, width: meta.width, height: meta.height - top })
      .resize(W, H, { fit: "fill" })
      .png()
      .toBuffer();
    grounds.push({ name, rgb: await decodeRgb(buf) });
  }
  let subject: { mask: Uint8Array; w: number; h: number; rgb: Rgb } | undefined;
  const astro = photoPath(SUBJECT_PHOTOS[0]!);
  if (astro) {
    const rgb = await resizeRgb(await decodeRgb(fs.readFileSync(astro)), 300, 300);
    const m = await computeSubjectMatte(rgb);
    subject = { mask: Uint8Array.from(m.alpha, (a) => (a > 0.5 ? 1 : 0)), w: 300, h: 300, rgb };
  }
  const ious: number[] = [];
  let refused = 0;
  const rows: Tile[][] = [];
  summary.push("");
  row("synthetic sky", "ground", "skyline", "confidence", "IoU");
  let seed = 1;
  for (const sky of skies) {
    for (const ground of grounds) {
      for (const kind of ["ridge", "city", "ridge+subject"] as Skyline[]) {
        if (kind === "ridge+subject" && !subject) continue;
        const truth = skylineMask({
          kind,
          w: W,
          h: H,
          seed: seed++,
          subject: kind === "ridge+subject" ? subject : undefined,
        });
        const data = new Uint8Array(W * H * 3);
        const ox = Math.round(W * 0.55);
        const oy = H - (subject?.h ?? 0);
        for (let y = 0; y < H; y++) {
          for (let x = 0; x < W; x++) {
            const i = y * W + x;
            let src = truth[i] ? sky.rgb.data : ground.rgb.data;
            let j = i;
            if (subject && kind === "ridge+subject") {
              const sx = x - ox;
              const sy = y - oy;
              if (sx >= 0 && sy >= 0 && sx < subject.w && sy < subject.h && subject.mask[sy * subject.w + sx]) {
                src = subject.rgb.data;
                j = sy * subject.w + sx;
              }
            }
            data[3 * i] = src[3 * j]!;
            data[3 * i + 1] = src[3 * j + 1]!;
            data[3 * i + 2] = src[3 * j + 2]!;
          }
        }
        const rgb: Rgb = { width: W, height: H, data };
        const matte = await computeSkyMatte(rgb, { allowLowConfidence: true });
        const v = matte.confidence < SKY_CONFIDENCE_THRESHOLD ? 0 : iou(matte.alpha, truth);
        if (matte.confidence < SKY_CONFIDENCE_THRESHOLD) refused++;
        ious.push(v);
        row(sky.name, ground.name, kind, matte.confidence.toFixed(2), v.toFixed(3));
        if (rows.length < 10 && (seed % 3 === 0 || v < 0.9))
          rows.push([await tileFromRgb(rgb), await tileFromMask(matte.alpha, W, H)]);
      }
    }
  }
  summary.push(
    `**sky IoU mean ${mean(ious).toFixed(3)}, median ${[...ious].sort((a, b) => a - b)[Math.floor(ious.length / 2)]?.toFixed(3)}, min ${Math.min(...ious).toFixed(3)} (n=${ious.length}, refused ${refused} counted as 0; target ≥ 0.93)**`,
  );
  await writeSheet("synthetic-skies.png", rows);
}

const only = process.argv[2];
const t0 = performance.now();
if (!only || only === "subject") await evalSubjectPhotos();
if (!only || only === "sky") await evalSkyPhotos();
if (!only || only === "matting") await evalMattingReference();
if (!only || only === "synthetic-subject") await evalSyntheticSubjects();
if (!only || only === "synthetic-sky") await evalSyntheticSkies();
await releaseSubjectSession();
fs.writeFileSync(path.join(OUT, only ? `summary-${only}.md` : "summary.md"), `${summary.join("\n")}\n`);
console.log(
  `\n${summary.join("\n")}\n\n(total ${Math.round((performance.now() - t0) / 1000)} s; sheets and summary.md in eval/out/)`,
);
