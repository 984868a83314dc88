import { describe, expect, it } from "vitest";
import { estimateLight, skiesForLight } from "./light";
import { SKY_PRESETS } from "./presets";
import type { Rgb } from "./raster";

/** A 90×60 photo: the top half sky of one colour over ground of another. */
function scene(sky: [number, number, number], ground: [number, number, number]): { rgb: Rgb; alpha: Float32Array } {
  const width = 90;
  const height = 60;
  const data = new Uint8Array(width * height * 3);
  const alpha = new Float32Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const isSky = i < (width * height) / 2;
    data.set(isSky ? sky : ground, 3 * i);
    alpha[i] = isSky ? 1 : 0;
  }
  return { rgb: { width, height, data }, alpha };
}

const light = (sky: [number, number, number], ground: [number, number, number]) => {
  const s = scene(sky, ground);
  return estimateLight(s.rgb, s.alpha).timeOfDay;
};

describe("estimateLight", () => {
  it("tells day, golden hour, sunset, dusk and night apart", () => {
    expect(light([90, 150, 225], [110, 120, 90])).toBe("day");
    expect(light([200, 190, 160], [150, 120, 80])).toBe("golden-hour");
    expect(light([250, 140, 70], [90, 60, 40])).toBe("sunset");
    expect(light([40, 50, 110], [30, 30, 40])).toBe("dusk");
    expect(light([8, 12, 30], [10, 10, 12])).toBe("night");
  });

  it("reads a warm band above the horizon under a blue sky as golden hour", () => {
    const s = scene([90, 150, 225], [90, 80, 50]);
    // The lowest fifth of the sky glows orange.
    for (let i = 90 * 24; i < 90 * 30; i++) s.rgb.data.set([250, 170, 90], 3 * i);
    expect(estimateLight(s.rgb, s.alpha).timeOfDay).toBe("golden-hour");
  });

  it("reports the old sky's warmth and brightness", () => {
    const s = scene([250, 140, 70], [90, 60, 40]);
    const l = estimateLight(s.rgb, s.alpha);
    expect(l.skyWarmth).toBeGreaterThan(0.3);
    expect(l.skyBrightness).toBeGreaterThan(l.groundBrightness);
  });
});

describe("skiesForLight", () => {
  it("puts skies of the same time of day first, then the nearest ones", () => {
    const ids = skiesForLight("sunset");
    const tod = (id: string) => SKY_PRESETS.find((p) => p.id === id)!.tags.timeOfDay;
    const sunsets = SKY_PRESETS.filter((p) => p.tags.timeOfDay === "sunset").length;
    expect(ids.slice(0, sunsets).every((id) => tod(id) === "sunset")).toBe(true);
    expect(["golden-hour", "dusk"]).toContain(tod(ids[sunsets]!));
    expect(tod(ids.at(-1)!)).not.toBe("sunset");
    expect(new Set(ids).size).toBe(SKY_PRESETS.length);
  });
});
