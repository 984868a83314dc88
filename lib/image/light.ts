import { SKY_PRESETS, type TimeOfDay } from "./presets";
import type { Rgb } from "./raster";

/** How a photo is lit, read from its old sky (colour) and its ground (brightness). */
export type PhotoLight = {
  timeOfDay: TimeOfDay;
  /** Mean luminance 0–1 of the old sky and of the rest of the photo. */
  skyBrightness: number;
  groundBrightness: number;
  /** (R − B) / (R + G + B) of the old sky: > 0 warm (sunset, golden hour), < 0 blue. */
  skyWarmth: number;
  /** The same in the sky's lowest band, where a low sun warms the sky first. */
  horizonWarmth: number;
};

const ORDER: readonly TimeOfDay[] = ["day", "golden-hour", "sunset", "dusk", "night"];

/**
 * Classifies the photo's time of day so a sky of the same light can be suggested: a new noon sky over
 * a sunset-lit street looks pasted however well the mask fits. `skyAlpha` (same size as `rgb`) says
 * which pixels are the old sky; every 3rd pixel in both directions is read.
 */
export function estimateLight(rgb: Rgb, skyAlpha: Float32Array): PhotoLight {
  const { width: w, height: h, data } = rgb;
  const sky = [0, 0, 0, 0];
  const band = [0, 0];
  const ground = [0, 0];
  // Lowest sky row (sampled), for the horizon band.
  let bottom = -1;
  for (let y = 0; y < h; y += 3) for (let x = 0; x < w; x += 3) if (skyAlpha[y * w + x]! > 0.5) bottom = y;
  const bandTop = bottom - 0.1 * h;
  for (let y = 0; y < h; y += 3) {
    for (let x = 0; x < w; x += 3) {
      const i = y * w + x;
      const r = data[3 * i]! / 255;
      const g = data[3 * i + 1]! / 255;
      const b = data[3 * i + 2]! / 255;
      const lum = 0.299 * r + 0.587 * g + 0.114 * b;
      if (skyAlpha[i]! > 0.5) {
        sky[0]! += lum;
        sky[1]! += r - b;
        sky[2]! += r + g + b;
        sky[3]!++;
        if (y >= bandTop) {
          band[0]! += r - b;
          band[1]! += r + g + b;
        }
      } else {
        ground[0]! += lum;
        ground[1]!++;
      }
    }
  }
  const skyBrightness = sky[3] ? sky[0]! / sky[3] : 0.5;
  const skyWarmth = sky[2] ? sky[1]! / sky[2] : 0;
  const horizonWarmth = band[1] ? band[0]! / band[1] : skyWarmth;
  const groundBrightness = ground[1] ? ground[0]! / ground[1] : skyBrightness;
  let timeOfDay: TimeOfDay = "day";
  if (skyBrightness < 0.12 && groundBrightness < 0.18) timeOfDay = "night";
  else if (skyWarmth > 0.16) timeOfDay = skyBrightness < 0.3 ? "dusk" : "sunset";
  else if (skyBrightness < 0.3 && groundBrightness < 0.3) timeOfDay = "dusk";
  else if (skyWarmth > 0.05 || horizonWarmth > 0.1) timeOfDay = "golden-hour";
  const round = (v: number) => Number(v.toFixed(3));
  return {
    timeOfDay,
    skyBrightness: round(skyBrightness),
    groundBrightness: round(groundBrightness),
    skyWarmth: round(skyWarmth),
    horizonWarmth: round(horizonWarmth),
  };
}

/** Sky preset ids ordered by how well their time of day suits `timeOfDay` (same first, then neighbours). */
export function skiesForLight(timeOfDay: TimeOfDay): string[] {
  const at = ORDER.indexOf(timeOfDay);
  return SKY_PRESETS.map((preset, index) => ({
    id: preset.id,
    distance: Math.abs(ORDER.indexOf(preset.tags.timeOfDay) - at),
    index,
  }))
    .sort((a, b) => a.distance - b.distance || a.index - b.index)
    .map((entry) => entry.id);
}
