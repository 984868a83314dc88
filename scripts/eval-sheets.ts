/** Contact sheets for the evaluations: rows of tiles of one height, written to eval/out/. */
import fs from "node:fs";
import path from "node:path";
import sharp, { type OverlayOptions } from "sharp";
import { type Rgb, planeToGrey } from "../lib/image/raster";

export const OUT = path.resolve("eval/out");
export const TILE_H = 240;
fs.mkdirSync(OUT, { recursive: true });

export type Tile = Buffer;

export async function tileFromRgb(rgb: Rgb): Promise<Tile> {
  return sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .resize({ height: TILE_H })
    .png()
    .toBuffer();
}
export async function tileFromMask(mask: Float32Array, w: number, h: number): Promise<Tile> {
  return sharp(planeToGrey(mask), { raw: { width: w, height: h, channels: 1 } })
    .resize({ height: TILE_H })
    .toColourspace("srgb")
    .png()
    .toBuffer();
}
export async function tileFromBytes(bytes: Buffer): Promise<Tile> {
  return sharp(bytes).resize({ height: TILE_H }).flatten({ background: "#ff00ff" }).png().toBuffer();
}
export async function textTile(text: string, width = 240): Promise<Tile> {
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
export async function writeSheet(file: string, rows: Tile[][]): Promise<void> {
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
