import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MatteCache } from "../assets/matte-cache";
import { createLocalStorage } from "../assets/storage/local";
import { createLocalProvider } from "../providers/local";
import { getEngineConfig } from "./config";
import { matteKey } from "./mattes";
import { fixture, rawOf } from "./test-support/fixtures";
import type { BackgroundChangeRequest, SkyReplacementRequest } from "./types";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mattes-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const ctx = () => ({ signal: new AbortController().signal });

function meanAbsDiff(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

describe("mattes computed once", () => {
  it("a second look at the same photo reuses its subject matte, and looks the same as a fresh render", async () => {
    const cache = new MatteCache({ storage: createLocalStorage(dir) });
    const cached = createLocalProvider({ mode: "inline", matteCache: cache });
    const fresh = createLocalProvider({ mode: "inline", matteCache: null });
    const image = await fixture("coffee");
    const look = (color: string): BackgroundChangeRequest => ({
      image,
      background: { kind: "color", color },
      shadow: true,
      canvas: "original",
      format: "png",
      preview: { maxSide: 640, watermark: false },
    });
    await cached.backgroundChange!(look("#ffffff"), ctx());
    expect(cache.stats).toMatchObject({ misses: 1, puts: 1 });
    const second = await cached.backgroundChange!(look("#204080"), ctx());
    expect(cache.stats).toMatchObject({ hits: 1, puts: 1 });
    // No matte bytes leak out of the provider.
    expect(second).not.toHaveProperty("mattes");
    // A paid cut-out of the same photo at the same size shares the matte.
    await cached.backgroundRemoval!(
      { image, format: "png", output: "cutout", preview: { maxSide: 640, watermark: false } },
      ctx(),
    );
    expect(cache.stats).toMatchObject({ hits: 2, puts: 1 });
    const reference = await fresh.backgroundChange!(look("#204080"), ctx());
    const [a, b] = [await rawOf(second.bytes), await rawOf(reference.bytes)];
    expect([a.width, a.height]).toEqual([b.width, b.height]);
    expect(meanAbsDiff(a.data, b.data)).toBeLessThan(0.5);
  });

  it("a sky matte is kept per photo and per hints; a damaged stored matte is computed again", async () => {
    const storage = createLocalStorage(dir);
    const cache = new MatteCache({ storage, maxMemoryBytes: 0 });
    const provider = createLocalProvider({ mode: "inline", matteCache: cache });
    const image = await fixture("camera");
    const look = (presetId: string): SkyReplacementRequest => ({
      image,
      sky: { kind: "preset", presetId },
      harmonize: 0.5,
      horizonShift: 0,
      format: "jpeg",
    });
    const first = await provider.skyReplacement!(look("golden-hour"), ctx());
    await provider.skyReplacement!(look("clear-blue"), ctx());
    expect(cache.stats).toMatchObject({ misses: 1, hits: 1, puts: 1 });
    const config = getEngineConfig();
    const key = matteKey({ kind: "sky", image, config });
    expect(key).not.toBe(matteKey({ kind: "sky", image, hints: await fixture("coffee"), config }));
    expect(key).not.toBe(matteKey({ kind: "sky", image, preview: { maxSide: 640, watermark: true }, config }));
    await storage.put({ key: MatteCache.storageKey(key), bytes: Buffer.from("garbage"), mime: "x" });
    const again = await provider.skyReplacement!(look("golden-hour"), ctx());
    expect(cache.stats.puts).toBe(2);
    expect(meanAbsDiff((await rawOf(again.bytes)).data, (await rawOf(first.bytes)).data)).toBeLessThan(1);
  });
});
