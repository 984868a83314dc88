import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import type { ImageInput } from "../types";

export const FIXTURE_DIR = path.resolve(import.meta.dirname, "../../../e2e/fixtures/files");

export async function fixture(name: "astronaut" | "coffee" | "camera"): Promise<ImageInput> {
  return toInput(fs.readFileSync(path.join(FIXTURE_DIR, `${name}.jpg`)));
}

export async function toInput(bytes: Buffer): Promise<ImageInput> {
  const meta = await sharp(bytes).metadata();
  const mime = meta.format === "png" ? "image/png" : meta.format === "webp" ? "image/webp" : "image/jpeg";
  return { bytes, mime, width: meta.width ?? 0, height: meta.height ?? 0 };
}

export async function rawOf(bytes: Buffer): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  // sharp decodes greyscale PNGs to sRGB unless told otherwise; keep the file's own channel count.
  const meta = await sharp(bytes).metadata();
  let img = sharp(bytes);
  if (meta.channels === 1) img = img.extractChannel(0);
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: meta.channels === 1 ? 1 : info.channels };
}
