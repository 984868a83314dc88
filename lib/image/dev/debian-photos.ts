import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * Real test photos from Debian 12 packages, fetched without installing anything:
 * `apt-get download <pkg>` + `dpkg-deb -x` into `.cache/debroot/<pkg>`. Dev/eval/bench only.
 */
const CACHE_ROOT = path.resolve(".cache");
const DEBROOT = path.join(CACHE_ROOT, "debroot");

export type Photo = { name: string; pkg: string; file: string; licence: string };

const SK = "usr/lib/python3/dist-packages/skimage/data";
const CV = "usr/share/doc/opencv-doc/examples";
const LOMIRI = "usr/share/backgrounds";
const MATE = "usr/share/backgrounds/mate/nature";

export const SUBJECT_PHOTOS: Photo[] = [
  { name: "astronaut", pkg: "python3-skimage", file: `${SK}/astronaut.png`, licence: "public domain" },
  { name: "coffee", pkg: "python3-skimage", file: `${SK}/coffee.png`, licence: "CC0" },
  { name: "chelsea", pkg: "python3-skimage", file: `${SK}/chelsea.png`, licence: "CC0" },
  { name: "motorcycle", pkg: "python3-skimage", file: `${SK}/motorcycle_left.png`, licence: "Middlebury" },
  { name: "plant", pkg: "opencv-doc", file: `${CV}/alphamat/input_images/plant.jpg`, licence: "OpenCV" },
  {
    name: "fig-bowl",
    pkg: "lomiri-wallpapers-16.04",
    file: `${LOMIRI}/Picture_0B_by_freespace.jpg`,
    licence: "CC-BY-4.0",
  },
];

export const SKY_PHOTOS: Photo[] = [
  { name: "camera", pkg: "python3-skimage", file: `${SK}/camera.png`, licence: "CC0" },
  { name: "home", pkg: "opencv-doc", file: `${CV}/data/home.jpg`, licence: "OpenCV sample" },
  { name: "leuvenA", pkg: "opencv-doc", file: `${CV}/data/leuvenA.jpg`, licence: "OpenCV sample" },
  { name: "building", pkg: "opencv-doc", file: `${CV}/data/building.jpg`, licence: "OpenCV sample" },
  { name: "storm", pkg: "mate-backgrounds", file: `${MATE}/Storm.jpg`, licence: "GPL-2+" },
  { name: "dune", pkg: "mate-backgrounds", file: `${MATE}/Dune.jpg`, licence: "GPL-2+" },
  {
    name: "picos",
    pkg: "lomiri-wallpapers-16.04",
    file: `${LOMIRI}/picosdeeuropa_by_Aitzol_Berasategi.jpg`,
    licence: "CC-BY-4.0",
  },
  {
    name: "aitzgorri",
    pkg: "lomiri-wallpapers-16.04",
    file: `${LOMIRI}/aitzgorri_by_Aitzol_Berasategi.jpg`,
    licence: "CC-BY-4.0",
  },
  {
    name: "sunset",
    pkg: "lomiri-wallpapers-16.04",
    file: `${LOMIRI}/sunset_by_Aitzol_Berasategi.jpg`,
    licence: "CC-BY-4.0",
  },
  {
    name: "bridge",
    pkg: "lomiri-wallpapers-16.04",
    file: `${LOMIRI}/Bridge_by_Sander_Klootwijk.jpg`,
    licence: "CC-BY-SA-4.0",
  },
  {
    name: "dragonfly",
    pkg: "lomiri-wallpapers-16.04",
    file: `${LOMIRI}/Dragonfly_by_Bolly.jpg`,
    licence: "CC-BY-SA-4.0",
  },
  { name: "coffee", pkg: "python3-skimage", file: `${SK}/coffee.png`, licence: "CC0" },
];

export const MATTING_REFERENCE = {
  image: { pkg: "opencv-doc", file: `${CV}/alphamat/input_images/plant.jpg` },
  matte: { pkg: "opencv-doc", file: `${CV}/alphamat/output_mattes/plant_result.png` },
};

/** Makes sure a package is unpacked under .cache/debroot; returns false (with a message) when apt is unavailable. */
function ensurePackage(pkg: string, log: (m: string) => void = console.log): boolean {
  const dir = path.join(DEBROOT, pkg);
  if (fs.existsSync(dir)) return true;
  const debs = path.join(CACHE_ROOT, "debs");
  fs.mkdirSync(debs, { recursive: true });
  try {
    execFileSync("apt-get", ["download", pkg], { cwd: debs, stdio: "ignore", timeout: 300_000 });
    const deb = fs.readdirSync(debs).find((f) => f.startsWith(`${pkg}_`) && f.endsWith(".deb"));
    if (!deb) throw new Error("download produced no .deb");
    fs.mkdirSync(dir, { recursive: true });
    execFileSync("dpkg-deb", ["-x", path.join(debs, deb), dir], { stdio: "ignore" });
    return true;
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    log(`skip: could not fetch Debian package ${pkg} (${(error as Error).message.split("\n")[0]})`);
    return false;
  }
}

export function photoPath(p: { pkg: string; file: string }): string | undefined {
  if (!ensurePackage(p.pkg)) return undefined;
  const full = path.join(DEBROOT, p.pkg, p.file);
  return fs.existsSync(full) ? full : undefined;
}
