import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { AppError } from "../errors";
import { type BackgroundSpec, type SkySpec, renderScene } from "./procedural";
import type { Rgb } from "./raster";

export type TimeOfDay = "day" | "golden-hour" | "sunset" | "dusk" | "night";
export type Weather = "clear" | "cloudy" | "overcast" | "storm";

type SkyPresetBase = {
  id: string;
  name: string;
  group: TimeOfDay;
  tags: { timeOfDay: TimeOfDay; weather: Weather };
};
/** A real sky photo: the file in lib/image/skies/ and where it comes from (shown to users). */
type SkyPhoto = { file: string; credit: string; licence: string; source: string };

/** A sky drawn by the engine (procedural.ts), or a real sky photo shipped in lib/image/skies/. */
export type SkyPreset =
  (SkyPresetBase & { source: "procedural"; spec: SkySpec }) | (SkyPresetBase & { source: "photo"; photo: SkyPhoto });
type BackgroundGroup = "studio" | "solid" | "gradient" | "material" | "bokeh";
export type BackgroundPreset = {
  id: string;
  name: string;
  group: BackgroundGroup;
  tags: string[];
  spec: BackgroundSpec;
};

export type PresetInfo = {
  id: string;
  name: string;
  group: string;
  tags: string[];
  /** Author and licence of a photographic preset, to show beside it. */
  credit?: string;
};

const sky = (
  id: string,
  name: string,
  timeOfDay: TimeOfDay,
  weather: Weather,
  spec: Omit<SkySpec, "kind" | "seed">,
  seed: number,
): SkyPreset => ({
  id,
  name,
  group: timeOfDay,
  tags: { timeOfDay, weather },
  source: "procedural",
  spec: { kind: "sky", seed, ...spec },
});

const WHITE_CLOUD = [250, 251, 253] as const;
const GREY_CLOUD = [150, 158, 170] as const;

function skiesDir(): string {
  const candidates = [
    path.join(path.dirname(fileURLToPath(import.meta.url)), "skies"),
    // Bundled layouts: the sources' place in the project.
    path.resolve("lib/image/skies"),
  ];
  return candidates.find((dir) => fs.existsSync(path.join(dir, "skies.json"))) ?? candidates[0]!;
}

type SkyPhotoEntry = SkyPresetBase & { photo: SkyPhoto };

/** The photographic skies listed in lib/image/skies/skies.json (see its README for sources). */
function photoSkyPresets(): SkyPreset[] {
  const file = path.join(skiesDir(), "skies.json");
  if (!fs.existsSync(file)) return [];
  const entries = JSON.parse(fs.readFileSync(file, "utf8")) as SkyPhotoEntry[];
  return entries.map((e) => ({ ...e, source: "photo" as const }));
}

const PROCEDURAL_SKY_PRESETS: readonly SkyPreset[] = [
  sky(
    "clear-blue",
    "Clear blue",
    "day",
    "clear",
    { top: [38, 102, 196], horizon: [170, 205, 238], clouds: 0, cloudLit: WHITE_CLOUD, cloudShade: GREY_CLOUD },
    11,
  ),
  sky(
    "fair-weather",
    "Fair-weather clouds",
    "day",
    "cloudy",
    { top: [45, 110, 200], horizon: [175, 208, 238], clouds: 0.35, cloudLit: WHITE_CLOUD, cloudShade: [175, 185, 200] },
    12,
  ),
  sky(
    "cumulus-afternoon",
    "Afternoon cumulus",
    "day",
    "cloudy",
    {
      top: [52, 116, 205],
      horizon: [182, 212, 240],
      clouds: 0.5,
      cloudLit: WHITE_CLOUD,
      cloudShade: [160, 170, 188],
      stretch: 1.6,
    },
    13,
  ),
  sky(
    "high-streaks",
    "High streaky clouds",
    "day",
    "cloudy",
    {
      top: [60, 125, 210],
      horizon: [190, 215, 240],
      clouds: 0.4,
      cloudLit: [245, 248, 252],
      cloudShade: [200, 210, 225],
      stretch: 5,
    },
    14,
  ),
  sky(
    "soft-overcast",
    "Soft overcast",
    "day",
    "overcast",
    {
      top: [170, 176, 186],
      horizon: [210, 214, 220],
      clouds: 0.95,
      cloudLit: [222, 225, 230],
      cloudShade: [165, 170, 180],
    },
    15,
  ),
  sky(
    "storm-front",
    "Storm front",
    "day",
    "storm",
    {
      top: [62, 70, 84],
      horizon: [130, 138, 150],
      clouds: 0.9,
      cloudLit: [150, 156, 166],
      cloudShade: [58, 63, 74],
      stretch: 2.6,
    },
    16,
  ),
  sky(
    "golden-hour",
    "Golden hour",
    "golden-hour",
    "clear",
    {
      top: [80, 128, 196],
      horizon: [250, 205, 140],
      clouds: 0.15,
      cloudLit: [255, 236, 200],
      cloudShade: [200, 160, 140],
      sun: { x: 0.78, y: 0.88, radius: 0.03, colour: [255, 236, 190], glow: 0.55 },
    },
    17,
  ),
  sky(
    "golden-clouds",
    "Golden hour with clouds",
    "golden-hour",
    "cloudy",
    {
      top: [90, 130, 190],
      horizon: [246, 196, 130],
      clouds: 0.45,
      cloudLit: [255, 220, 170],
      cloudShade: [170, 130, 130],
      stretch: 2.8,
      sun: { x: 0.2, y: 0.9, radius: 0.03, colour: [255, 230, 180], glow: 0.4 },
    },
    18,
  ),
  sky(
    "sunset-orange",
    "Orange sunset",
    "sunset",
    "clear",
    {
      top: [70, 80, 150],
      horizon: [252, 150, 70],
      clouds: 0.2,
      cloudLit: [255, 170, 110],
      cloudShade: [120, 70, 90],
      stretch: 4,
      sun: { x: 0.5, y: 0.97, radius: 0.035, colour: [255, 210, 140], glow: 0.7 },
    },
    19,
  ),
  sky(
    "sunset-pink",
    "Pink sunset clouds",
    "sunset",
    "cloudy",
    {
      top: [60, 70, 140],
      horizon: [240, 140, 120],
      clouds: 0.55,
      cloudLit: [255, 160, 150],
      cloudShade: [110, 70, 110],
      stretch: 3,
    },
    20,
  ),
  sky(
    "dusk-blue",
    "Blue hour",
    "dusk",
    "clear",
    {
      top: [20, 36, 90],
      horizon: [110, 120, 170],
      clouds: 0.05,
      cloudLit: [120, 120, 160],
      cloudShade: [50, 50, 80],
      stars: 0.15,
    },
    21,
  ),
  sky(
    "twilight-violet",
    "Violet twilight",
    "dusk",
    "cloudy",
    {
      top: [30, 30, 80],
      horizon: [200, 120, 140],
      clouds: 0.3,
      cloudLit: [180, 120, 150],
      cloudShade: [60, 50, 90],
      stretch: 4,
    },
    22,
  ),
  sky(
    "starry-night",
    "Starry night",
    "night",
    "clear",
    { top: [4, 8, 24], horizon: [22, 34, 64], clouds: 0, cloudLit: [40, 45, 60], cloudShade: [10, 12, 20], stars: 1 },
    23,
  ),
  sky(
    "moonlit-night",
    "Moonlit night",
    "night",
    "cloudy",
    {
      top: [8, 14, 36],
      horizon: [40, 54, 88],
      clouds: 0.25,
      cloudLit: [90, 98, 120],
      cloudShade: [20, 24, 38],
      stars: 0.5,
      moon: { x: 0.75, y: 0.22, radius: 0.045 },
    },
    24,
  ),
];

const bg = (
  id: string,
  name: string,
  group: BackgroundGroup,
  tags: string[],
  spec: Omit<BackgroundSpec, "kind" | "seed">,
  seed: number,
): BackgroundPreset => ({
  id,
  name,
  group,
  tags,
  spec: { kind: "background", seed, ...spec },
});

export const BACKGROUND_PRESETS: readonly BackgroundPreset[] = [
  bg("pure-white", "Pure white", "solid", ["marketplace", "white"], { style: "solid", colours: [[255, 255, 255]] }, 1),
  bg(
    "studio-white",
    "White studio sweep",
    "studio",
    ["white", "studio"],
    {
      style: "sweep",
      colours: [
        [252, 252, 252],
        [214, 216, 220],
      ],
    },
    2,
  ),
  bg(
    "studio-grey",
    "Grey studio sweep",
    "studio",
    ["grey", "studio"],
    {
      style: "sweep",
      colours: [
        [200, 202, 206],
        [120, 124, 130],
      ],
    },
    3,
  ),
  bg(
    "studio-charcoal",
    "Charcoal studio",
    "studio",
    ["dark", "studio"],
    {
      style: "sweep",
      colours: [
        [78, 80, 86],
        [24, 25, 28],
      ],
    },
    4,
  ),
  bg(
    "studio-beige",
    "Warm beige sweep",
    "studio",
    ["beige", "warm", "studio"],
    {
      style: "sweep",
      colours: [
        [240, 228, 210],
        [196, 178, 152],
      ],
    },
    5,
  ),
  bg("pastel-pink", "Pastel pink", "solid", ["pink", "pastel"], { style: "solid", colours: [[246, 214, 222]] }, 6),
  bg("pastel-blue", "Pastel blue", "solid", ["blue", "pastel"], { style: "solid", colours: [[208, 226, 244]] }, 7),
  bg(
    "mint-gradient",
    "Mint gradient",
    "gradient",
    ["green", "pastel"],
    {
      style: "gradient",
      colours: [
        [222, 246, 236],
        [160, 214, 196],
      ],
    },
    8,
  ),
  bg(
    "peach-gradient",
    "Peach gradient",
    "gradient",
    ["orange", "warm"],
    {
      style: "gradient",
      colours: [
        [255, 226, 200],
        [240, 160, 130],
      ],
    },
    9,
  ),
  bg(
    "navy-radial",
    "Navy spotlight",
    "gradient",
    ["blue", "dark"],
    {
      style: "radial",
      colours: [
        [60, 84, 140],
        [12, 20, 44],
      ],
    },
    10,
  ),
  bg(
    "marble-white",
    "White marble",
    "material",
    ["marble", "white"],
    {
      style: "marble",
      colours: [
        [238, 236, 233],
        [120, 118, 122],
      ],
    },
    11,
  ),
  bg(
    "marble-black",
    "Black marble",
    "material",
    ["marble", "dark"],
    {
      style: "marble",
      colours: [
        [30, 30, 34],
        [200, 196, 190],
      ],
    },
    12,
  ),
  bg(
    "wood-oak",
    "Light oak",
    "material",
    ["wood", "warm"],
    {
      style: "wood",
      colours: [
        [214, 176, 128],
        [150, 104, 62],
      ],
    },
    13,
  ),
  bg(
    "wood-walnut",
    "Walnut",
    "material",
    ["wood", "dark"],
    {
      style: "wood",
      colours: [
        [118, 80, 52],
        [60, 38, 24],
      ],
    },
    14,
  ),
  bg(
    "concrete",
    "Concrete",
    "material",
    ["concrete", "grey"],
    {
      style: "concrete",
      colours: [
        [178, 176, 172],
        [120, 118, 115],
      ],
    },
    15,
  ),
  bg(
    "linen",
    "Natural linen",
    "material",
    ["linen", "beige"],
    {
      style: "linen",
      colours: [
        [226, 214, 192],
        [190, 174, 148],
      ],
    },
    16,
  ),
  bg(
    "bokeh-warm",
    "Warm bokeh lights",
    "bokeh",
    ["bokeh", "warm"],
    {
      style: "bokeh",
      colours: [
        [50, 34, 30],
        [255, 190, 110],
        [255, 140, 90],
      ],
    },
    17,
  ),
  bg(
    "bokeh-city",
    "City bokeh",
    "bokeh",
    ["bokeh", "blue"],
    {
      style: "bokeh",
      colours: [
        [16, 22, 40],
        [90, 150, 255],
        [255, 210, 140],
      ],
    },
    18,
  ),
];

/** Photographic skies first: they look most natural next to a photo. */
export const SKY_PRESETS: readonly SkyPreset[] = [...photoSkyPresets(), ...PROCEDURAL_SKY_PRESETS];

export function listSkyPresets(): PresetInfo[] {
  return SKY_PRESETS.map((p) => ({
    id: p.id,
    name: p.name,
    group: p.group,
    tags: [p.tags.timeOfDay, p.tags.weather],
    ...(p.source === "photo" ? { credit: `${p.photo.credit} (${p.photo.licence})` } : {}),
  }));
}

export function listBackgroundPresets(): PresetInfo[] {
  return BACKGROUND_PRESETS.map((p) => ({ id: p.id, name: p.name, group: p.group, tags: [...p.tags] }));
}

export function findSkyPreset(id: string): SkyPreset {
  const p = SKY_PRESETS.find((s) => s.id === id);
  if (!p)
    throw new AppError("preset_not_found", `Unknown sky preset "${id}".`, {
      details: { available: SKY_PRESETS.map((s) => s.id) },
    });
  return p;
}

/** The drawing of a procedural sky preset (prompts start from one). */
export function proceduralSkySpec(id: string): SkySpec {
  const preset = findSkyPreset(id);
  if (preset.source !== "procedural") throw new AppError("preset_not_found", `"${id}" is not a drawn sky.`);
  return preset.spec;
}

export function findBackgroundPreset(id: string): BackgroundPreset {
  const p = BACKGROUND_PRESETS.find((s) => s.id === id);
  if (!p)
    throw new AppError("preset_not_found", `Unknown background preset "${id}".`, {
      details: { available: BACKGROUND_PRESETS.map((s) => s.id) },
    });
  return p;
}

/**
 * A sky preset at `size`. A photo covers the size, anchored at its bottom (its horizon), so a
 * sky shorter than the photo's is never stretched out of shape.
 */
export async function renderSkyPreset(id: string, size: { width: number; height: number }): Promise<Rgb> {
  const preset = findSkyPreset(id);
  if (preset.source === "procedural") return renderScene(preset.spec, size);
  const data = await sharp(path.join(skiesDir(), preset.photo.file))
    .removeAlpha()
    .resize(size.width, size.height, { fit: "cover", position: "bottom" })
    .raw()
    .toBuffer();
  return { width: size.width, height: size.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

export async function renderBackgroundPreset(id: string, size: { width: number; height: number }): Promise<Rgb> {
  return renderScene(findBackgroundPreset(id).spec, size);
}

/** 320×200 WebP for the preset pickers (rendered on demand; nothing binary lives in git). */
export async function renderPresetThumbnail(
  kind: "sky" | "background",
  id: string,
  opts: { width?: number; height?: number } = {},
): Promise<Buffer> {
  const size = { width: opts.width ?? 320, height: opts.height ?? 200 };
  const rgb = kind === "sky" ? await renderSkyPreset(id, size) : await renderBackgroundPreset(id, size);
  return sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .webp({ quality: 82 })
    .toBuffer();
}
