import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { SKY_SET_DIR } from "./manifest";
import { readRcc } from "./rcc";

const debs = join(SKY_SET_DIR, "debs");
const unpacked = join(SKY_SET_DIR, "unpacked");

/** A Debian 12 package's files, fetched with `apt-get download` and unpacked with `dpkg-deb -x` (not installed). */
export function unpackPackage(pkg: string): string {
  const dir = join(unpacked, pkg);
  if (existsSync(dir)) return dir;
  mkdirSync(debs, { recursive: true });
  const find = () => readdirSync(debs).find((f) => f.startsWith(`${pkg}_`) && f.endsWith(".deb"));
  if (!find()) execFileSync("apt-get", ["download", pkg], { cwd: debs, stdio: "inherit" });
  const deb = find();
  if (!deb) throw new Error(`apt-get download ${pkg} left no .deb`);
  mkdirSync(dir, { recursive: true });
  execFileSync("dpkg-deb", ["-x", join(debs, deb), dir]);
  return dir;
}

const rccCache = new Map<string, Map<string, Buffer>>();

/** One file of a package; `<file.rcc>#<path>` reads a file inside a Qt resource bundle. */
export function packageFile(pkg: string, file: string): Buffer {
  const root = unpackPackage(pkg);
  const [outer, inner] = file.split("#") as [string, string | undefined];
  if (!inner) return readFileSync(join(root, outer));
  const key = join(root, outer);
  if (!rccCache.has(key)) rccCache.set(key, readRcc(readFileSync(key)));
  const data = rccCache.get(key)!.get(inner);
  if (!data) throw new Error(`${inner} not found in ${outer} (${pkg})`);
  return data;
}
