/**
 * Fetches the photos of the sky set from Debian 12 packages (`apt-get download`, then `dpkg-deb -x`),
 * without installing them, into .cache/sky-set/photos/<id>.<ext>. Needs nothing but Debian's
 * mirror; photos already there are kept.
 *
 *   npm run sky-set:fetch
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { extname, join } from "node:path";
import { packageFile } from "./debian";
import { PHOTO_DIR, readManifest } from "./manifest";

const photos = readManifest();
mkdirSync(PHOTO_DIR, { recursive: true });
let fetched = 0;
for (const photo of photos) {
  if ([".jpg", ".png", ".webp"].some((ext) => existsSync(join(PHOTO_DIR, photo.id + ext)))) continue;
  const ext = extname(photo.file.split("#").at(-1)!).toLowerCase().replace(".jpeg", ".jpg");
  writeFileSync(join(PHOTO_DIR, photo.id + ext), packageFile(photo.package, photo.file));
  fetched++;
}
console.log(`${photos.length} photos in the sky set, ${fetched} fetched now, in ${PHOTO_DIR}`);
