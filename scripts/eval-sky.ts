/**
 * Sky replacement measured on real photos (npm run eval:sky): the sky set of scripts/sky-set, each
 * photo with a mask checked by eye. Prints per category and overall: sky IoU and boundary F-score
 * on shipped photos, the ship/refuse decision against the truth, water reflections; writes contact
 * sheets (input | mask overlay | result with a photographic and a procedural sky) to eval/out/.
 *
 *   npm run eval:sky [-- --split tune|holdout|all] [--only id,id] [--no-sheets]
 *
 * The tuning half is for tuning; the held-out half is only measured.
 */
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { engineConfigFromEnv } from "../lib/env";
import { configureEngine } from "../lib/image/config";
import { replaceSky } from "../lib/image/engine";
import { SKY_PRESETS } from "../lib/image/presets";
import { type Rgb, decodeRgb } from "../lib/image/raster";
import { computeSkyMatte, decideSky } from "../lib/image/sky-mask";
import { releaseSkySession } from "../lib/image/sky-model";
import { MASK_DIR, PHOTO_DIR, type SkySetPhoto, readManifest } from "./sky-set/manifest";
import { OUT, type Tile, textTile, tileFromBytes, tileFromRgb, writeSheet } from "./eval-sheets";

configureEngine(engineConfigFromEnv());

const EVAL_SIDE = 2048;
const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const split = flag("--split") ?? "tune";
const only = flag("--only")?.split(",");
const sheets = !args.includes("--no-sheets");

function photoFile(id: string): string {
  for (const ext of [".jpg", ".png", ".webp"]) {
    const file = path.join(PHOTO_DIR, id + ext);
    if (fs.existsSync(file)) return file;
  }
  throw new Error(`${id}: photo missing — run npm run sky-set:fetch`);
}

async function truthMask(photo: SkySetPhoto, w: number, h: number): Promise<Uint8Array> {
  if (!photo.sky) return new Uint8Array(w * h);
  const data = await sharp(path.join(MASK_DIR, `${photo.id}.png`))
    .greyscale()
    .resize(w, h, { fit: "fill", kernel: "nearest" })
    .raw()
    .toBuffer();
  return Uint8Array.from(data, (v) => (v > 127 ? 1 : 0));
}

function iou(pred: Float32Array, truth: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < truth.length; i++) {
    const p = pred[i]! > 0.5;
    const t = truth[i] === 1;
    if (p && t) inter++;
    if (p || t) union++;
  }
  return union === 0 ? 1 : inter / union;
}

/** Boundary F-score: boundary pixels of each mask within `tol` px of the other's boundary. */
function boundaryF(pred: Uint8Array, truth: Uint8Array, w: number, h: number, tol: number): number {
  const edge = (m: Uint8Array) => {
    const e = new Uint8Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        const v = m[i];
        if ((x + 1 < w && m[i + 1] !== v) || (y + 1 < h && m[i + w] !== v)) e[i] = 1;
      }
    return e;
  };
  // Distance-limited dilation by a square window (summed-area table).
  const near = (e: Uint8Array) => {
    const sat = new Int32Array((w + 1) * (h + 1));
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        sat[(y + 1) * (w + 1) + x + 1] =
          e[y * w + x]! + sat[y * (w + 1) + x + 1]! + sat[(y + 1) * (w + 1) + x]! - sat[y * (w + 1) + x]!;
    return (x: number, y: number) => {
      const x0 = Math.max(0, x - tol);
      const y0 = Math.max(0, y - tol);
      const x1 = Math.min(w, x + tol + 1);
      const y1 = Math.min(h, y + tol + 1);
      return sat[y1 * (w + 1) + x1]! - sat[y0 * (w + 1) + x1]! - sat[y1 * (w + 1) + x0]! + sat[y0 * (w + 1) + x0]! > 0;
    };
  };
  const ep = edge(pred);
  const et = edge(truth);
  const nearP = near(ep);
  const nearT = near(et);
  let tp = 0;
  let np = 0;
  let tr = 0;
  let nt = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (ep[i]) {
        np++;
        if (nearT(x, y)) tp++;
      }
      if (et[i]) {
        nt++;
        if (nearP(x, y)) tr++;
      }
    }
  if (np === 0 && nt === 0) return 1;
  const precision = np ? tp / np : 0;
  const recall = nt ? tr / nt : 0;
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}

async function overlayTile(rgb: Rgb, alpha: Float32Array, truth: Uint8Array): Promise<Tile> {
  // Red: predicted sky; cyan line: the true boundary.
  const { width: w, height: h, data } = rgb;
  const out = new Uint8Array(data);
  for (let i = 0; i < w * h; i++) {
    const a = alpha[i]!;
    if (a > 0.02) {
      out[3 * i] = Math.round(out[3 * i]! * (1 - 0.55 * a) + 255 * 0.55 * a);
      out[3 * i + 1] = Math.round(out[3 * i + 1]! * (1 - 0.55 * a));
      out[3 * i + 2] = Math.round(out[3 * i + 2]! * (1 - 0.55 * a));
    }
    const x = i % w;
    if ((x + 1 < w && truth[i] !== truth[i + 1]) || (i + w < w * h && truth[i] !== truth[i + w])) {
      out[3 * i] = 0;
      out[3 * i + 1] = 255;
      out[3 * i + 2] = 255;
    }
  }
  return tileFromRgb({ width: w, height: h, data: out });
}

type Row = {
  photo: SkySetPhoto;
  shipped: boolean;
  code?: string;
  iou?: number;
  bf?: number;
  hasSky: number;
  uncertain: number;
  coverage: number;
  warnings: string[];
  water?: boolean;
};

const photoPreset =
  SKY_PRESETS.find((p) => p.source === "photo" && p.id.includes("cumulus")) ??
  SKY_PRESETS.find((p) => p.source === "photo");
const proceduralPreset =
  SKY_PRESETS.find((p) => p.source !== "photo" && p.id === "cumulus-afternoon") ??
  SKY_PRESETS.find((p) => p.source !== "photo")!;

const photos = readManifest().filter(
  (p) => p.split !== "train" && (split === "all" || p.split === split) && (!only || only.includes(p.id)),
);
const rows: Row[] = [];
const sheetRows: Tile[][] = [];
const t0 = performance.now();
for (const photo of photos) {
  const bytes = await sharp(photoFile(photo.id))
    .rotate()
    .resize(EVAL_SIDE, EVAL_SIDE, { fit: "inside", withoutEnlargement: true })
    .png()
    .toBuffer();
  const full = await decodeRgb(bytes);
  const { width: w, height: h } = full;
  const truth = await truthMask(photo, w, h);
  const matte = await computeSkyMatte(full, { refuse: false });
  const verdict = decideSky(matte);
  const row: Row = {
    photo,
    shipped: verdict.ship,
    code: verdict.ship ? undefined : verdict.code,
    hasSky: matte.hasSky,
    uncertain: matte.uncertain,
    coverage: matte.coverage,
    warnings: matte.warnings,
  };
  if (photo.sky) {
    row.iou = iou(matte.alpha, truth);
    // Boundary accuracy at ≤1024 px with a 3 px tolerance.
    const scale = Math.min(1, 1024 / Math.max(w, h));
    const bw = Math.round(w * scale);
    const bh = Math.round(h * scale);
    const sub = (get: (i: number) => boolean) => {
      const m = new Uint8Array(bw * bh);
      for (let y = 0; y < bh; y++)
        for (let x = 0; x < bw; x++) m[y * bw + x] = get(Math.floor(y / scale) * w + Math.floor(x / scale)) ? 1 : 0;
      return m;
    };
    row.bf = boundaryF(
      sub((i) => matte.alpha[i]! > 0.5),
      sub((i) => truth[i] === 1),
      bw,
      bh,
      3,
    );
  }
  const tiles: Tile[] = [await tileFromRgb(full), await overlayTile(full, matte.alpha, truth)];
  if (verdict.ship) {
    for (const preset of [photoPreset, proceduralPreset]) {
      if (!preset) continue;
      const res = await replaceSky({
        image: { bytes, mime: "image/png", width: w, height: h },
        sky: { kind: "preset", presetId: preset.id },
        harmonize: 0.5,
        horizonShift: 0,
        format: "jpeg",
      });
      if (res.meta?.waterReflection) row.water = true;
      if (sheets) {
        fs.mkdirSync(path.join(OUT, "sky"), { recursive: true });
        fs.writeFileSync(path.join(OUT, "sky", `${photo.id}--${preset.id}.jpg`), res.bytes);
        tiles.push(await tileFromBytes(res.bytes));
      }
    }
  }
  const label = `${photo.id} [${photo.category}] ${verdict.ship ? "shipped" : `refused ${verdict.code}`} IoU ${row.iou?.toFixed(3) ?? "-"} has ${matte.hasSky.toFixed(2)} unsure ${matte.uncertain.toFixed(2)} ${matte.warnings.join(" ")}`;
  tiles.push(await textTile(label, 260));
  sheetRows.push(tiles);
  rows.push(row);
  console.log(
    [
      photo.id.padEnd(44),
      photo.category.padEnd(9),
      photo.sky ? "sky  " : "none ",
      (verdict.ship ? "ship" : (verdict.code ?? "")).padEnd(16),
      `IoU ${row.iou?.toFixed(3) ?? "  -  "}`,
      `BF ${row.bf?.toFixed(3) ?? "  -  "}`,
      `has ${matte.hasSky.toFixed(2)}`,
      `unsure ${matte.uncertain.toFixed(2)}`,
      `cov ${matte.coverage.toFixed(3)}`,
      row.water ? "water-reflection" : "",
      matte.warnings.join(","),
    ].join("  "),
  );
}
await releaseSkySession();

function summarise(name: string, rs: Row[]): string {
  const sky = rs.filter((r) => r.photo.sky);
  const none = rs.filter((r) => !r.photo.sky);
  const shipped = sky.filter((r) => r.shipped);
  const ious = shipped.map((r) => r.iou!);
  const bfs = shipped.map((r) => r.bf!);
  const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);
  return [
    name.padEnd(10),
    `sky ${String(sky.length).padStart(2)}: shipped ${shipped.length}, refused ${sky.length - shipped.length}`,
    `IoU mean ${mean(ious).toFixed(3)} min ${ious.length ? Math.min(...ious).toFixed(3) : "-"}`,
    `BF mean ${mean(bfs).toFixed(3)}`,
    `no-sky ${String(none.length).padStart(2)}: refused ${none.filter((r) => !r.shipped).length}`,
  ].join(" | ");
}
const categories = [...new Set(rows.map((r) => r.photo.category))].sort();
const summary = [
  `# eval:sky, split ${split} (${rows.length} photos, ${Math.round((performance.now() - t0) / 1000)} s)`,
  "",
  ...categories.map((c) =>
    summarise(
      c,
      rows.filter((r) => r.photo.category === c),
    ),
  ),
  "",
  summarise("overall", rows),
  `water reflection applied on: ${
    rows
      .filter((r) => r.water)
      .map((r) => r.photo.id)
      .join(", ") || "none"
  }`,
];
console.log(`\n${summary.join("\n")}`);
fs.writeFileSync(path.join(OUT, `sky-summary-${split}.md`), `${summary.join("\n")}\n`);
if (sheets) {
  // Sheets of 8 rows, so each can be opened at a useful size.
  for (let i = 0; i < sheetRows.length; i += 8) {
    await writeSheet(`sky-${split}-${String(i / 8 + 1).padStart(2, "0")}.png`, sheetRows.slice(i, i + 8));
  }
}
