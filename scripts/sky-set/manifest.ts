import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Where the photos of the sky set live once fetched (not committed: see README). */
export const SKY_SET_DIR = join(import.meta.dirname, "..", "..", ".cache", "sky-set");
export const PHOTO_DIR = join(SKY_SET_DIR, "photos");
export const MASK_DIR = join(import.meta.dirname, "masks");

export type SkySplit = "tune" | "holdout" | "train";

export type SkySetPhoto = {
  id: string;
  /** Debian 12 package the photo ships in. */
  package: string;
  /** Path inside the package; `<file.rcc>#<path>` for a file inside a Qt resource bundle. */
  file: string;
  licence: string;
  /** What makes it hard: cumulus, sunset, city, trees, fine, …; for photos without sky: indoor, food, … */
  category: string;
  /** Whether any real sky is visible; photos without sky have no mask. */
  sky: boolean;
  /** tune: measured and tuned on; holdout: only measured; train: only trained on. */
  split: SkySplit;
  note?: string;
};

export function readManifest(): SkySetPhoto[] {
  const raw = JSON.parse(readFileSync(join(import.meta.dirname, "manifest.json"), "utf8")) as { photos: SkySetPhoto[] };
  return raw.photos;
}
