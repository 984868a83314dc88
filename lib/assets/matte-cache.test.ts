import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MatteCache } from "./matte-cache";
import { createLocalStorage } from "./storage/local";
import type { Storage } from "./storage/types";

const dirs: string[] = [];
function tempStorage(): Storage {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matte-cache-"));
  dirs.push(dir);
  return createLocalStorage(dir);
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("MatteCache", () => {
  it("serves a matte stored by another process over the same storage", async () => {
    const storage = tempStorage();
    const registered: string[] = [];
    const a = new MatteCache({ storage, register: async (e) => void registered.push(e.storageKey) });
    const b = new MatteCache({ storage });
    expect(await b.get("subject-abc123")).toBeNull();
    await a.put("subject-abc123", Buffer.from("matte bytes"));
    expect((await b.get("subject-abc123"))?.toString()).toBe("matte bytes");
    expect(registered).toEqual([MatteCache.storageKey("subject-abc123")]);
    expect(b.stats).toMatchObject({ hits: 1, misses: 1 });
  });

  it("keeps its memory layer under the bound, evicting the least recently used", async () => {
    const storage = tempStorage();
    const cache = new MatteCache({ storage, maxMemoryBytes: 1000 });
    await cache.put("sky-1", Buffer.alloc(400, 1));
    await cache.put("sky-2", Buffer.alloc(400, 2));
    await cache.get("sky-1"); // sky-2 is now the oldest
    await cache.put("sky-3", Buffer.alloc(400, 3));
    expect(cache.memoryUsage).toBeLessThanOrEqual(1000);
    // The evicted one still comes back, from storage.
    await storage.delete(MatteCache.storageKey("sky-1"));
    expect((await cache.get("sky-1"))?.[0]).toBe(1);
    expect((await cache.get("sky-2"))?.[0]).toBe(2);
  });

  it("treats an unusable storage as a miss, never as an error", async () => {
    const broken: Storage = {
      kind: "local",
      put: async () => Promise.reject(new Error("disk full")),
      get: async () => Promise.reject(new Error("disk gone")),
      delete: async () => {},
      check: async () => {},
    };
    const errors: string[] = [];
    const cache = new MatteCache({ storage: broken, maxMemoryBytes: 0, onError: (_e, c) => void errors.push(c.op) });
    await expect(cache.put("subject-x", Buffer.from("m"))).resolves.toBeUndefined();
    expect(await cache.get("subject-x")).toBeNull();
    expect(errors).toEqual(["put", "get"]);
  });
});
