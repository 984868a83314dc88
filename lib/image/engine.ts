import { skiesForLight } from "./light";
import sharp from "sharp";
import { AppError } from "../errors";
import type {
  BackgroundChangeRequest,
  BackgroundRemovalRequest,
  BackgroundSource,
  EditResult,
  ImageInput,
  PreviewOptions,
  PromptSegmentationRequest,
  SkyReplacementRequest,
  SkySource,
} from "./types";
import { encodeRaw } from "./encode";
import { type MatteBytes, skyMatteFor, subjectMatteFor } from "./mattes";
import { CANVAS_PRESETS, MAX_INPUT_PIXELS, previewRenderSide } from "./options";
import { placeSubject } from "./placement";
import { DEFAULT_SHADOW, shadowPlane } from "./shadow";
import { findBackgroundPreset, findSkyPreset, renderSkyPreset } from "./presets";
import { renderScene } from "./procedural";
import { backgroundFromPrompt, parseSegmentationPrompt, skyFromPrompt } from "./prompts";
import { type Rgb, decodeRgb, planeToGrey, shrinkRgb } from "./raster";
import { computeSkyMatte } from "./sky-mask";
import { composeSky } from "./sky-compose";
import { WORK_SIDE, computeSubjectMatte, decontaminatedCutout } from "./subject";

/** Hooks the worker passes in; plain callbacks so the engine stays transport-agnostic. */
export type EngineHooks = { onProgress?: (fraction: number) => void };

/** Preview renders are capped at PREVIEW_MAX_SIDE whatever the caller asks. */
function previewSide(preview?: PreviewOptions): number | undefined {
  return preview ? previewRenderSide(preview.maxSide) : undefined;
}

async function decodeInput(image: ImageInput, preview?: PreviewOptions): Promise<Rgb> {
  return decodeRgb(image.bytes, { maxSide: previewSide(preview) });
}

function parseHexColour(colour: string): [number, number, number] {
  const m = /^#?([0-9a-f]{6})$/i.exec(colour.trim());
  if (!m) throw new AppError("validation_failed", `Colour must be #rrggbb, got "${colour}".`);
  const v = Number.parseInt(m[1]!, 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** Cover-fit an uploaded image (EXIF-rotated) onto width×height. */
async function coverImage(image: ImageInput, size: { width: number; height: number; position?: string }): Promise<Rgb> {
  try {
    const buf = await sharp(image.bytes, { limitInputPixels: MAX_INPUT_PIXELS })
      .rotate()
      .flatten({ background: "#ffffff" })
      .toColourspace("srgb")
      .resize(size.width, size.height, { fit: "cover", position: size.position ?? "centre" })
      .removeAlpha()
      .raw()
      .toBuffer();
    return { width: size.width, height: size.height, data: new Uint8Array(buf.buffer, buf.byteOffset, buf.length) };
  } catch (error) {
    throw new AppError("image_corrupt", "The background or sky image could not be decoded.", { cause: error });
  }
}

async function renderBackground(
  source: BackgroundSource,
  size: { width: number; height: number },
): Promise<{ rgb: Rgb; meta: Record<string, unknown> }> {
  switch (source.kind) {
    case "preset":
      return {
        rgb: await renderScene(findBackgroundPreset(source.presetId).spec, size),
        meta: { presetId: source.presetId },
      };
    case "color": {
      const [r, g, b] = parseHexColour(source.color);
      const data = new Uint8Array(size.width * size.height * 3);
      for (let i = 0; i < data.length; i += 3) {
        data[i] = r;
        data[i + 1] = g;
        data[i + 2] = b;
      }
      return { rgb: { ...size, data }, meta: { color: source.color.toLowerCase() } };
    }
    case "image":
      return { rgb: await coverImage(source.image, size), meta: {} };
    case "prompt": {
      const scene = backgroundFromPrompt(source.prompt);
      return {
        rgb: await renderScene(scene.spec, size),
        meta: { promptWords: scene.used, ignoredWords: scene.ignored, style: scene.spec.style },
      };
    }
  }
}

async function renderSky(
  source: SkySource,
  size: { width: number; height: number },
): Promise<{ rgb: Rgb; meta: Record<string, unknown> }> {
  switch (source.kind) {
    case "preset": {
      const preset = findSkyPreset(source.presetId);
      return {
        rgb: await renderSkyPreset(preset.id, size),
        meta: {
          presetId: preset.id,
          skyTags: preset.tags,
          ...(preset.source === "photo" ? { skyCredit: `${preset.photo.credit} (${preset.photo.licence})` } : {}),
        },
      };
    }
    case "image":
      // Sky photos usually have their horizon low in the frame: anchor the crop at the bottom.
      return { rgb: await coverImage(source.image, { ...size, position: "bottom" }), meta: {} };
    case "prompt": {
      const scene = skyFromPrompt(source.prompt);
      return {
        rgb: await renderScene(scene.spec, size),
        meta: { promptWords: scene.used, ignoredWords: scene.ignored },
      };
    }
  }
}

function result(
  encoded: { bytes: Buffer; mime: EditResult["mime"]; width: number; height: number },
  meta: Record<string, unknown>,
  computed: MatteBytes = {},
): EditResult {
  const out: EditResult = {
    bytes: encoded.bytes,
    mime: encoded.mime,
    width: encoded.width,
    height: encoded.height,
    meta,
  };
  if (Object.keys(computed).length > 0) out.mattes = computed;
  return out;
}

// ---------------------------------------------------------------- background removal

export async function removeBackground(req: BackgroundRemovalRequest, hooks: EngineHooks = {}): Promise<EditResult> {
  const full = await decodeInput(req.image, req.preview);
  hooks.onProgress?.(0.1);
  const work = await shrinkRgb(full, WORK_SIDE);
  const computed: MatteBytes = {};
  const matte = await subjectMatteFor({ full, work, known: req.mattes, computed });
  hooks.onProgress?.(0.7);
  const meta = { coverage: Number(matte.coverage.toFixed(4)), preview: Boolean(req.preview) };
  if (req.output === "matte") {
    const grey = planeToGrey(matte.alpha);
    const enc = await encodeRaw(
      { data: grey, width: full.width, height: full.height, channels: 1 },
      { format: req.format, watermark: req.preview?.watermark },
    );
    return result(enc, meta, computed);
  }
  const rgba = await decontaminatedCutout(full, matte, { work });
  hooks.onProgress?.(0.9);
  const enc = await encodeRaw(
    { data: rgba, width: full.width, height: full.height, channels: 4 },
    { format: req.format, watermark: req.preview?.watermark },
  );
  return result(enc, meta, computed);
}

// ---------------------------------------------------------------- background change

/** Cheap checks (unknown preset, bad colour, unsupported prompt) before any inference. */
function validateBackgroundSource(source: BackgroundSource): void {
  if (source.kind === "preset") findBackgroundPreset(source.presetId);
  else if (source.kind === "color") parseHexColour(source.color);
  else if (source.kind === "prompt") backgroundFromPrompt(source.prompt);
}

function validateSkySource(source: SkySource): void {
  if (source.kind === "preset") findSkyPreset(source.presetId);
  else if (source.kind === "prompt") skyFromPrompt(source.prompt);
}

export async function changeBackground(req: BackgroundChangeRequest, hooks: EngineHooks = {}): Promise<EditResult> {
  validateBackgroundSource(req.background);
  const full = await decodeInput(req.image, req.preview);
  hooks.onProgress?.(0.05);
  const work = await shrinkRgb(full, WORK_SIDE);
  const computed: MatteBytes = {};
  const matte = await subjectMatteFor({ full, work, known: req.mattes, computed });
  hooks.onProgress?.(0.6);
  const rgba = await decontaminatedCutout(full, matte, { work });
  // Previews shrink marketplace canvases too, so the whole render stays ≤ PREVIEW_MAX_SIDE.
  const pSide = previewSide(req.preview);
  let scale = 1;
  const canvasSize = CANVAS_PRESETS[req.canvas].size;
  if (pSide && canvasSize) scale = Math.min(1, pSide / Math.max(canvasSize.width, canvasSize.height));
  const place = placeSubject({
    canvas: req.canvas,
    width: full.width,
    height: full.height,
    bbox: matte.bbox,
    scale,
    framing: req.framing,
  });
  let subject: Uint8Array = rgba;
  if (req.canvas !== "original") {
    const buf = await sharp(rgba, { raw: { width: full.width, height: full.height, channels: 4 } })
      .extract(place.crop)
      .resize(place.w, place.h, { fit: "fill", kernel: "lanczos3" })
      .raw()
      .toBuffer();
    subject = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  }
  const { canvasW: CW, canvasH: CH } = place;
  const bg = await renderBackground(req.background, { width: CW, height: CH });
  hooks.onProgress?.(0.8);
  const alpha = new Float32Array(CW * CH);
  for (let y = 0; y < place.h; y++) {
    const cy = y + place.y;
    if (cy < 0 || cy >= CH) continue;
    for (let x = 0; x < place.w; x++) {
      const cx = x + place.x;
      if (cx < 0 || cx >= CW) continue;
      alpha[cy * CW + cx] = subject[4 * (y * place.w + x) + 3]! / 255;
    }
  }
  const shadow = req.shadow
    ? await shadowPlane(alpha, { width: CW, height: CH, style: { ...DEFAULT_SHADOW, ...req.shadowStyle } })
    : undefined;
  // The background is the canvas; only shadowed and subject pixels are touched.
  const out = bg.rgb.data;
  const b = out;
  for (let cy = 0, i = 0; cy < CH; cy++) {
    const sy = cy - place.y;
    for (let cx = 0; cx < CW; cx++, i++) {
      const a = alpha[i]!;
      const sh = shadow ? shadow[i]! : 0;
      if (a <= 0 && sh === 0) continue;
      const o = 3 * i;
      const dim = 1 - (sh / 255) * (1 - a);
      if (a <= 0) {
        out[o] = b[o]! * dim;
        out[o + 1] = b[o + 1]! * dim;
        out[o + 2] = b[o + 2]! * dim;
        continue;
      }
      const s = 4 * (sy * place.w + (cx - place.x));
      if (a >= 1) {
        out[o] = subject[s]!;
        out[o + 1] = subject[s + 1]!;
        out[o + 2] = subject[s + 2]!;
        continue;
      }
      for (let k = 0; k < 3; k++) out[o + k] = Math.round(subject[s + k]! * a + b[o + k]! * dim * (1 - a));
    }
  }
  const enc = await encodeRaw(
    { data: out, width: CW, height: CH, channels: 3 },
    { format: req.format, watermark: req.preview?.watermark },
  );
  return result(
    enc,
    {
      ...bg.meta,
      canvas: req.canvas,
      shadow: req.shadow,
      coverage: Number(matte.coverage.toFixed(4)),
      preview: Boolean(req.preview),
    },
    computed,
  );
}

// ---------------------------------------------------------------- sky replacement

export async function replaceSky(req: SkyReplacementRequest, hooks: EngineHooks = {}): Promise<EditResult> {
  validateSkySource(req.sky);
  const full = await decodeInput(req.image, req.preview);
  const hintBytes = req.hints?.bytes;
  const hints = hintBytes ? () => decodeRgb(hintBytes, { maxSide: 1024 }) : undefined;
  hooks.onProgress?.(0.05);
  const computed: MatteBytes = {};
  const matte = await skyMatteFor({ full, hints, known: req.mattes, computed });
  hooks.onProgress?.(0.5);
  const { width: W, height: H } = matte;
  // The new sky's horizon sits a little below the lowest sky pixel; horizonShift moves it by ±25 %.
  const shift = Math.max(-1, Math.min(1, req.horizonShift || 0));
  const horizon = Math.round(Math.min(1.6 * H, Math.max(0.25 * H, matte.skyBottom + 0.06 * H - shift * 0.25 * H)));
  const skyImg = await renderSky(req.sky, { width: W, height: horizon });
  hooks.onProgress?.(0.65);

  const { out, water } = composeSky({
    photo: full,
    matte,
    sky: skyImg.rgb,
    harmonize: req.harmonize,
    reflection: req.reflection !== false,
  });
  hooks.onProgress?.(0.9);
  const enc = await encodeRaw(
    { data: out, width: W, height: H, channels: 3 },
    { format: req.format, watermark: req.preview?.watermark },
  );
  return result(
    enc,
    {
      ...skyImg.meta,
      ...(water
        ? {
            waterReflection: {
              coverage: Number(water.coverage.toFixed(4)),
              confidence: Number(water.confidence.toFixed(3)),
            },
          }
        : {}),
      skyConfidence: Number(matte.confidence.toFixed(3)),
      photoLight: matte.light,
      // Skies whose time of day suits the photo's light, best first.
      matchingSkies: skiesForLight(matte.light.timeOfDay).slice(0, 4),
      skyCoverage: Number(matte.coverage.toFixed(4)),
      warnings: matte.warnings,
      usedHints: Boolean(req.hints),
      preview: Boolean(req.preview),
    },
    computed,
  );
}

// ---------------------------------------------------------------- segmentation by prompt

export async function segmentByPrompt(req: PromptSegmentationRequest, hooks: EngineHooks = {}): Promise<EditResult> {
  const parsed = parseSegmentationPrompt(req.prompt);
  const full = await decodeInput(req.image);
  hooks.onProgress?.(0.1);
  let mask: Float32Array;
  const meta: Record<string, unknown> = {
    target: parsed.target,
    promptWords: parsed.used,
    ignoredWords: parsed.ignored,
  };
  if (parsed.target === "sky") {
    const sky = await computeSkyMatte(full);
    mask = sky.alpha;
    meta.skyConfidence = Number(sky.confidence.toFixed(3));
  } else {
    const matte = await computeSubjectMatte(full);
    mask = matte.alpha;
    if (parsed.target === "background") for (let i = 0; i < mask.length; i++) mask[i] = 1 - mask[i]!;
    // No person-specific model ships offline: "person" is the salient subject (documented limitation).
    if (parsed.target === "person") meta.approximation = "salient-subject";
  }
  hooks.onProgress?.(0.9);
  const enc = await encodeRaw(
    { data: planeToGrey(mask), width: full.width, height: full.height, channels: 1 },
    { format: "png" },
  );
  return result(enc, meta);
}
