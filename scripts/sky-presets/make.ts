/**
 * Builds the photographic sky presets (lib/image/skies/*.jpg and skies.json) from real sky photos
 * in Debian 12 packages whose licences allow redistribution: the sky part of each photo is cropped
 * (box in per mille of width and height, above every skyline), brought to at most 2400 px wide and
 * written as JPEG. Run again after changing the list; the outputs are committed.
 *
 *   npx tsx scripts/sky-presets/make.ts
 */
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import type { TimeOfDay, Weather } from "../../lib/image/presets";
import { packageFile } from "../sky-set/debian";

type Source = {
  id: string;
  name: string;
  timeOfDay: TimeOfDay;
  weather: Weather;
  package: string;
  file: string;
  /** x0, y0, x1, y1 in per mille. */
  box: [number, number, number, number];
  credit: string;
  licence: string;
};

const GC = "usr/share/gcompris-qt/rcc/explore_monuments.rcc#gcompris/src/activities/explore_monuments/resource";
const SOURCES: Source[] = [
  {
    id: "photo-low-sun",
    name: "Low sun (photo)",
    timeOfDay: "golden-hour",
    weather: "clear",
    package: "lomiri-wallpapers-16.04",
    file: "usr/share/backgrounds/sunset_by_Aitzol_Berasategi.jpg",
    box: [0, 0, 1000, 420],
    credit: "Aitzol Berasategi, “sunset”",
    licence: "CC-BY-4.0",
  },
  {
    id: "photo-mountain-cumulus",
    name: "Mountain cumulus (photo)",
    timeOfDay: "day",
    weather: "cloudy",
    package: "lomiri-wallpapers-16.04",
    file: "usr/share/backgrounds/picosdeeuropa_by_Aitzol_Berasategi.jpg",
    box: [0, 0, 440, 195],
    credit: "Aitzol Berasategi, “picos de europa”",
    licence: "CC-BY-4.0",
  },
  {
    id: "photo-storm",
    name: "Storm (photo)",
    timeOfDay: "day",
    weather: "storm",
    package: "mate-backgrounds",
    file: "usr/share/backgrounds/mate/nature/Storm.jpg",
    box: [0, 0, 1000, 560],
    credit: "MATE Desktop backgrounds, “Storm”",
    licence: "GPL-2+",
  },
  {
    id: "photo-sun-behind-cloud",
    name: "Sun behind a cloud (photo)",
    timeOfDay: "day",
    weather: "cloudy",
    package: "tuxpaint-data",
    file: "usr/share/tuxpaint/templates/sun_behind_clouds.jpg",
    box: [0, 0, 1000, 1000],
    credit: "Tux Paint templates, “sun behind clouds”",
    licence: "GPL-2+",
  },
  {
    id: "photo-golden-clouds",
    name: "Golden clouds (photo)",
    timeOfDay: "golden-hour",
    weather: "cloudy",
    package: "digikam-data",
    file: "usr/share/digikam/about/images/body-background.jpg",
    box: [0, 0, 580, 200],
    credit: "digiKam project, about-page background",
    licence: "GPL-2+",
  },
  {
    id: "photo-cirrus",
    name: "High cirrus (photo)",
    timeOfDay: "day",
    weather: "clear",
    package: "tuxpaint-data",
    file: "usr/share/tuxpaint/templates/sheep.jpg",
    box: [0, 0, 1000, 380],
    credit: "Tux Paint templates, “sheep”",
    licence: "GPL-2+",
  },
  {
    id: "photo-scattered-cumulus",
    name: "Scattered cumulus (photo)",
    timeOfDay: "day",
    weather: "cloudy",
    package: "gcompris-qt-data",
    file: `${GC}/wonders/greatWallofChina.webp`,
    box: [0, 0, 1000, 270],
    credit: "GCompris, “Great Wall of China”",
    licence: "GPL-3+",
  },
  {
    id: "photo-fair-weather",
    name: "Fair-weather clouds (photo)",
    timeOfDay: "day",
    weather: "cloudy",
    package: "gcompris-qt-data",
    file: "usr/share/gcompris-qt/rcc/explore_farm_animals.rcc#gcompris/src/activities/explore_farm_animals/resource/animals/horse.webp",
    box: [0, 0, 1000, 270],
    credit: "GCompris, “horse”",
    licence: "GPL-3+",
  },
  {
    id: "photo-cumulus-band",
    name: "Cumulus band (photo)",
    timeOfDay: "day",
    weather: "cloudy",
    package: "gcompris-qt-data",
    file: `${GC}/france/chateaudeChambord.webp`,
    box: [0, 0, 1000, 220],
    credit: "GCompris, “Château de Chambord”",
    licence: "GPL-3+",
  },
  {
    id: "photo-clear-blue",
    name: "Clear blue (photo)",
    timeOfDay: "day",
    weather: "clear",
    package: "gcompris-qt-data",
    file: `${GC}/france/eiffelTower.webp`,
    box: [590, 0, 1000, 600],
    credit: "GCompris, “Eiffel Tower”",
    licence: "GPL-3+",
  },
  {
    id: "photo-towering-cumulus",
    name: "Towering cumulus (photo)",
    timeOfDay: "day",
    weather: "cloudy",
    package: "gcompris-qt-data",
    file: `${GC}/wonders/chichenItza.webp`,
    box: [0, 0, 300, 440],
    credit: "GCompris, “Chichen Itza”",
    licence: "GPL-3+",
  },
  {
    id: "photo-overcast",
    name: "Overcast (photo)",
    timeOfDay: "day",
    weather: "overcast",
    package: "gcompris-qt-data",
    file: `${GC}/germany/trierImperialBaths.webp`,
    box: [0, 0, 1000, 180],
    credit: "GCompris, “Trier Imperial Baths”",
    licence: "GPL-3+",
  },
  {
    id: "photo-city-night",
    name: "City night (photo)",
    timeOfDay: "night",
    weather: "clear",
    package: "opencv-doc",
    file: "usr/share/doc/opencv-doc/opencv4/html/ldr_debevec.jpg",
    box: [0, 0, 440, 300],
    credit: "OpenCV documentation, HDR tutorial result",
    licence: "BSD-3-Clause",
  },
];

const OUT = path.join(import.meta.dirname, "..", "..", "lib", "image", "skies");
fs.mkdirSync(OUT, { recursive: true });
const entries = [];
let total = 0;
for (const s of SOURCES) {
  const bytes = packageFile(s.package, s.file);
  const meta = await sharp(bytes).metadata();
  const W = meta.width;
  const H = meta.height;
  const [x0, y0, x1, y1] = s.box;
  const left = Math.round((x0 / 1000) * W);
  const top = Math.round((y0 / 1000) * H);
  const width = Math.round(((x1 - x0) / 1000) * W);
  const height = Math.round(((y1 - y0) / 1000) * H);
  const file = `${s.id}.jpg`;
  const jpg = await sharp(bytes)
    .extract({ left, top, width, height })
    .resize({ width: 2400, withoutEnlargement: true })
    .jpeg({ quality: 90, mozjpeg: true })
    .toBuffer();
  fs.writeFileSync(path.join(OUT, file), jpg);
  total += jpg.length;
  entries.push({
    id: s.id,
    name: s.name,
    group: s.timeOfDay,
    tags: { timeOfDay: s.timeOfDay, weather: s.weather },
    photo: { file, credit: s.credit, licence: s.licence, source: `Debian package ${s.package}` },
  });
  console.log(`${file}: ${width}×${height} from ${W}×${H}, ${Math.round(jpg.length / 1024)} KB`);
}
fs.writeFileSync(path.join(OUT, "skies.json"), `${JSON.stringify(entries, null, 2)}\n`);
const readme = [
  "# Photographic sky presets",
  "",
  "Crops of real sky photos from Debian 12 packages, made by `npx tsx scripts/sky-presets/make.ts`",
  "(the crop boxes and sources are listed there). Each keeps its licence; the credit is shown beside",
  "the preset in the studio and returned by `GET /api/presets?kind=sky` as `credit`.",
  "",
  "| file | credit | licence | source |",
  "| --- | --- | --- | --- |",
  ...SOURCES.map(
    (s) => `| ${s.id}.jpg | ${s.credit} | ${s.licence} | Debian package \`${s.package}\`, \`${s.file}\` |`,
  ),
  "",
];
fs.writeFileSync(path.join(OUT, "README.md"), readme.join("\n"));
console.log(`${entries.length} sky photos, ${(total / 1024 / 1024).toFixed(2)} MB in all`);
