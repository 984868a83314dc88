/**
 * Fetches the photos of the sky set from Debian 12 packages (`apt-get download`, then `dpkg-deb -x`),
 * without installing them, into .cache/sky-set/photos/<id>.<ext>. Runs offline of everything but
 * Debian's mirror; photos already there are kept.
 *
 *   npm run sky-set:fetch
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { extname, join } from "node:path";
import { PHOTO_DIR, SKY_SET_DIR, readManifest } from "./manifest";
import { readRcc } from "./rcc";

const debs = join(SKY_SET_DIR, "debs");
const unpacked = join(SKY_SET_DIR, "unpacked");

function photoExists(id: string): boolean {
  return [".jpg", ".png", ".webp"].some((ext) => existsSync(join(PHOTO_DIR, id + ext)));
}

function unpack(pkg: string): string {
  const dir = join(unpacked, pkg);
  if (existsSync(dir)) return dir;
  mkdirSync(debs, { recursive: true });
  let deb = readdirSync(debs).find((f) => f.startsWith(`${pkg}_`) && f.endsWith(".deb"));
  if (!deb) {
    execFileSync("apt-get", ["download", pkg], { cwd: debs, stdio: "inherit" });
    deb = readdirSync(debs).find((f) => f.startsWith(`${pkg}_`) && f.endsWith(".deb"));
    if (!deb) throw new Error(`apt-get download ${pkg} left no .deb`);
  }
  mkdirSync(dir, { recursive: true });
  execFileSync("dpkg-deb", ["-x", join(debs, deb), dir]);
  return dir;
}

const photos = readManifest();
mkdirSync(PHOTO_DIR, { recursive: true });
const rccCache = new Map<string, Map<string, Buffer>>();
let fetched = 0;
for (const photo of photos) {
  if (photoExists(photo.id)) continue;
  const root = unpack(photo.package);
  const [file, inner] = photo.file.split("#") as [string, string | undefined];
  if (inner) {
    const key = join(root, file);
    if (!rccCache.has(key)) rccCache.set(key, readRcc(readFileSync(key)));
    const data = rccCache.get(key)!.get(inner);
    if (!data) throw new Error(`${photo.id}: ${inner} not found in ${file}`);
    writeFileSync(join(PHOTO_DIR, photo.id + extname(inner).toLowerCase()), data);
  } else {
    const ext = extname(file).toLowerCase().replace(".jpeg", ".jpg");
    copyFileSync(join(root, file), join(PHOTO_DIR, photo.id + ext));
  }
  fetched++;
}
console.log(`${photos.length} photos in the sky set, ${fetched} fetched now, in ${PHOTO_DIR}`);
