import { AppError } from "../errors";
import type { BackgroundSpec, BackgroundStyle, Colour, SkySpec } from "./procedural";
import { proceduralSkySpec } from "./presets";

/** What segmentation by prompt understands (lower-case words; multi-word prompts are matched per word). */
const SEGMENTATION_VOCABULARY = {
  sky: ["sky", "skies", "clouds", "heaven"],
  subject: ["subject", "product", "object", "foreground", "item", "thing", "main"],
  person: ["person", "people", "human", "humans", "man", "woman", "child", "portrait", "face"],
  background: ["background", "backdrop", "behind", "surroundings"],
} as const;

export type SegmentationTarget = keyof typeof SEGMENTATION_VOCABULARY;

const STOP_WORDS = new Set([
  "the",
  "a",
  "an",
  "of",
  "in",
  "on",
  "with",
  "and",
  "only",
  "just",
  "mask",
  "select",
  "me",
  "please",
  "all",
  "my",
  "this",
  "photo",
  "image",
  "picture",
]);

function words(prompt: string): string[] {
  return prompt
    .toLowerCase()
    .replace(/[^a-z0-9 -]+/g, " ")
    .split(/[\s-]+/)
    .filter((w) => w.length > 0);
}

export function parseSegmentationPrompt(prompt: string): {
  target: SegmentationTarget;
  used: string[];
  ignored: string[];
} {
  const used: string[] = [];
  const ignored: string[] = [];
  let target: SegmentationTarget | undefined;
  for (const w of words(prompt)) {
    const hit = (Object.keys(SEGMENTATION_VOCABULARY) as SegmentationTarget[]).find((t) =>
      (SEGMENTATION_VOCABULARY[t] as readonly string[]).includes(w),
    );
    if (hit) {
      target ??= hit;
      used.push(w);
    } else if (!STOP_WORDS.has(w)) ignored.push(w);
  }
  if (!target) {
    const supported = Object.values(SEGMENTATION_VOCABULARY).flat();
    throw new AppError(
      "prompt_not_supported",
      `The embedded engine can segment only: ${Object.keys(SEGMENTATION_VOCABULARY).join(", ")}.`,
      {
        details: { supported, targets: Object.keys(SEGMENTATION_VOCABULARY) },
      },
    );
  }
  return { target, used, ignored };
}

const COLOURS: Record<string, Colour> = {
  white: [250, 250, 250],
  black: [18, 18, 20],
  grey: [150, 152, 156],
  gray: [150, 152, 156],
  silver: [196, 198, 204],
  red: [200, 40, 44],
  crimson: [160, 20, 40],
  orange: [240, 140, 50],
  yellow: [246, 214, 70],
  gold: [212, 170, 70],
  golden: [212, 170, 70],
  green: [60, 150, 90],
  mint: [170, 226, 200],
  olive: [128, 128, 60],
  teal: [30, 128, 132],
  turquoise: [60, 200, 200],
  blue: [50, 100, 200],
  navy: [20, 34, 80],
  sky: [135, 190, 235],
  purple: [120, 60, 160],
  violet: [140, 90, 200],
  lavender: [200, 186, 230],
  pink: [240, 150, 180],
  rose: [230, 120, 140],
  beige: [232, 218, 196],
  cream: [246, 238, 220],
  ivory: [250, 246, 232],
  brown: [120, 80, 50],
  tan: [210, 180, 140],
  charcoal: [54, 56, 60],
};

const BG_STYLES: Record<string, BackgroundStyle> = {
  plain: "solid",
  solid: "solid",
  flat: "solid",
  gradient: "gradient",
  fade: "gradient",
  spotlight: "radial",
  radial: "radial",
  vignette: "radial",
  studio: "sweep",
  sweep: "sweep",
  seamless: "sweep",
  paper: "sweep",
  marble: "marble",
  wood: "wood",
  wooden: "wood",
  oak: "wood",
  walnut: "wood",
  table: "wood",
  concrete: "concrete",
  cement: "concrete",
  stone: "concrete",
  linen: "linen",
  fabric: "linen",
  cloth: "linen",
  canvas: "linen",
  bokeh: "bokeh",
  lights: "bokeh",
  blurry: "bokeh",
};

const MODIFIERS = ["light", "pale", "pastel", "soft", "dark", "deep", "warm", "cool", "bright"] as const;
type Modifier = (typeof MODIFIERS)[number];

const STYLE_DEFAULTS: Record<BackgroundStyle, Colour[]> = {
  solid: [[245, 245, 245]],
  gradient: [
    [240, 240, 242],
    [190, 194, 200],
  ],
  radial: [
    [210, 212, 216],
    [90, 92, 98],
  ],
  sweep: [
    [250, 250, 250],
    [210, 212, 216],
  ],
  marble: [
    [238, 236, 233],
    [120, 118, 122],
  ],
  wood: [
    [200, 160, 112],
    [130, 88, 52],
  ],
  concrete: [
    [178, 176, 172],
    [120, 118, 115],
  ],
  linen: [
    [226, 214, 192],
    [190, 174, 148],
  ],
  bokeh: [
    [30, 26, 34],
    [255, 200, 120],
    [255, 150, 100],
  ],
};

function applyModifiers(c: Colour, mods: Set<Modifier>): Colour {
  let [r, g, b] = c;
  const toward = (t: Colour, k: number) => {
    r += (t[0] - r) * k;
    g += (t[1] - g) * k;
    b += (t[2] - b) * k;
  };
  if (mods.has("light") || mods.has("pale") || mods.has("pastel") || mods.has("soft")) toward([255, 255, 255], 0.55);
  if (mods.has("dark") || mods.has("deep")) toward([0, 0, 0], 0.5);
  if (mods.has("warm")) toward([255, 190, 120], 0.18);
  if (mods.has("cool")) toward([140, 180, 255], 0.18);
  if (mods.has("bright")) {
    const m = Math.max(r, g, b, 1);
    const k = Math.min(1.4, 255 / m);
    r *= k;
    g *= k;
    b *= k;
  }
  return [Math.round(Math.min(255, r)), Math.round(Math.min(255, g)), Math.round(Math.min(255, b))];
}

function shade(c: Colour, k: number): Colour {
  return [Math.round(c[0] * k), Math.round(c[1] * k), Math.round(c[2] * k)];
}

function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export type PromptScene<T> = { spec: T; used: string[]; ignored: string[] };

const BACKGROUND_VOCABULARY = {
  colours: Object.keys(COLOURS),
  styles: Object.keys(BG_STYLES),
  modifiers: [...MODIFIERS],
};

/** "soft pink studio", "dark marble", "warm bokeh lights", "navy gradient" → a procedural background. */
export function backgroundFromPrompt(prompt: string): PromptScene<BackgroundSpec> {
  const used: string[] = [];
  const ignored: string[] = [];
  const colours: Colour[] = [];
  const mods = new Set<Modifier>();
  let style: BackgroundStyle | undefined;
  for (const w of words(prompt)) {
    if (w in COLOURS) {
      colours.push(COLOURS[w]!);
      used.push(w);
    } else if (w in BG_STYLES) {
      style ??= BG_STYLES[w];
      used.push(w);
    } else if ((MODIFIERS as readonly string[]).includes(w)) {
      mods.add(w as Modifier);
      used.push(w);
    } else if (w !== "background" && w !== "backdrop" && !STOP_WORDS.has(w)) ignored.push(w);
  }
  if (colours.length === 0 && !style) {
    throw new AppError(
      "prompt_not_supported",
      "Describe the background with colours and styles the offline engine knows.",
      {
        details: { supported: BACKGROUND_VOCABULARY, ignored },
      },
    );
  }
  const finalStyle: BackgroundStyle = style ?? (colours.length > 1 ? "gradient" : "sweep");
  const defaults = STYLE_DEFAULTS[finalStyle];
  let palette: Colour[];
  if (colours.length === 0) palette = defaults.map((c) => applyModifiers(c, mods));
  else {
    const base = applyModifiers(colours[0]!, mods);
    const second = colours[1]
      ? applyModifiers(colours[1], mods)
      : finalStyle === "bokeh"
        ? base
        : shade(base, finalStyle === "marble" ? 0.55 : 0.8);
    palette =
      finalStyle === "bokeh"
        ? [shade(base, 0.18), base, colours[2] ? applyModifiers(colours[2], mods) : second]
        : [base, second];
    if (finalStyle === "marble" && colours.length === 1 && (base[0] + base[1] + base[2]) / 3 < 90)
      palette = [base, [200, 196, 190]];
  }
  return {
    spec: { kind: "background", seed: seedOf(prompt.toLowerCase().trim()), style: finalStyle, colours: palette },
    used,
    ignored,
  };
}

const SKY_WORDS: Record<string, string> = {
  clear: "clear-blue",
  blue: "clear-blue",
  sunny: "clear-blue",
  cloud: "fair-weather",
  clouds: "cumulus-afternoon",
  cloudy: "cumulus-afternoon",
  fluffy: "fair-weather",
  cumulus: "cumulus-afternoon",
  streaky: "high-streaks",
  cirrus: "high-streaks",
  overcast: "soft-overcast",
  grey: "soft-overcast",
  gray: "soft-overcast",
  storm: "storm-front",
  stormy: "storm-front",
  dramatic: "storm-front",
  golden: "golden-hour",
  sunrise: "golden-clouds",
  morning: "golden-hour",
  sunset: "sunset-orange",
  orange: "sunset-orange",
  pink: "sunset-pink",
  dusk: "dusk-blue",
  twilight: "twilight-violet",
  evening: "dusk-blue",
  purple: "twilight-violet",
  violet: "twilight-violet",
  night: "starry-night",
  stars: "starry-night",
  starry: "starry-night",
  moon: "moonlit-night",
  moonlit: "moonlit-night",
};

const SKY_VOCABULARY = Object.keys(SKY_WORDS);

/**
 * "sunset with pink clouds", "night with stars", "golden hour" → a sky spec. The first known word
 * picks the base preset; later words add clouds, stars or a moon.
 */
export function skyFromPrompt(prompt: string): PromptScene<SkySpec> {
  const used: string[] = [];
  const ignored: string[] = [];
  let base: string | undefined;
  let clouds: number | undefined;
  let stars: number | undefined;
  let moon = false;
  const ws = words(prompt);
  for (const [i, w] of ws.entries()) {
    if (w === "hour" && ws[i - 1] === "golden") {
      used.push(w);
      continue;
    }
    if (w === "sky" || w === "skies" || STOP_WORDS.has(w)) continue;
    const preset = SKY_WORDS[w];
    if (!preset) {
      ignored.push(w);
      continue;
    }
    used.push(w);
    if (w === "clouds" || w === "cloudy" || w === "cloud" || w === "fluffy") clouds = w === "cloudy" ? 0.55 : 0.4;
    if (w === "stars" || w === "starry") stars = 1;
    if (w === "moon" || w === "moonlit") moon = true;
    if (w === "overcast") clouds = 0.95;
    if (
      !base ||
      (base === "cumulus-afternoon" && !["clouds", "cloudy", "cloud", "fluffy"].includes(w)) ||
      base === "fair-weather"
    )
      base = preset;
  }
  if (!base) {
    throw new AppError("prompt_not_supported", "Describe the sky with words the offline engine knows.", {
      details: { supported: SKY_VOCABULARY, ignored },
    });
  }
  const spec: SkySpec = { ...proceduralSkySpec(base), seed: seedOf(prompt.toLowerCase().trim()) };
  if (clouds !== undefined && spec.clouds < clouds) spec.clouds = clouds;
  if (stars !== undefined) spec.stars = stars;
  if (moon) spec.moon = { x: 0.75, y: 0.22, radius: 0.045 };
  return { spec, used, ignored };
}
