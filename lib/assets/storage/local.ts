import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { assertSafeKey, type Storage } from "./types";

/** Local-disk storage under one root directory; writes are atomic (temp file + rename). */
export function createLocalStorage(root: string): Storage {
  const resolvedRoot = path.resolve(root);
  const fullPath = (key: string) => {
    assertSafeKey(key);
    const full = path.resolve(resolvedRoot, key);
    if (!full.startsWith(resolvedRoot + path.sep)) throw new Error(`Storage key escapes the root: ${key}`);
    return full;
  };

  const storage: Storage = {
    kind: "local",
    async put({ key, bytes }) {
      const target = fullPath(key);
      await mkdir(path.dirname(target), { recursive: true });
      const temp = `${target}.${randomBytes(6).toString("hex")}.tmp`;
      await writeFile(temp, bytes, { mode: 0o600 });
      await rename(temp, target);
    },
    async get(key) {
      try {
        return await readFile(fullPath(key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
    },
    async delete(key) {
      await rm(fullPath(key), { force: true });
    },
    async check() {
      const key = `health/${randomBytes(6).toString("hex")}`;
      const probe = Buffer.from("ok");
      await storage.put({ key, bytes: probe, mime: "text/plain" });
      const back = await storage.get(key);
      await storage.delete(key);
      if (!back?.equals(probe)) throw new Error("storage probe read back different bytes");
    },
  };
  return storage;
}
