import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DELETE as deleteHistory, GET as getHistory } from "@/app/api/history/route";
import { GET as presetThumbnail } from "@/app/api/presets/[kind]/[id]/thumbnail/route";
import { GET as presetList } from "@/app/api/presets/route";
import { POST as postPreview } from "@/app/api/previews/route";
import { createUploadAsset, getAsset, readAssetBytes } from "@/lib/assets/assets";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { newId } from "@/lib/ids";
import { ownerCookie } from "@/lib/owner";
import { createPreview } from "@/lib/previews/previews";
import { resetPreviewRateLimitsForTests } from "@/lib/previews/rate-limit";
import type { ImageProvider, ProviderResult } from "@/lib/providers/types";
import { testDbTargets, useTestDb } from "./test-db";

const dataDir = await mkdtemp(path.join(os.tmpdir(), "bd-studio-"));
process.env.DATA_DIR = dataDir;
resetEnvCache();

const BASE = "http://localhost:3000";
const noParams = { params: Promise.resolve({}) };

async function jpeg(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 80, g: 140, b: 220 } } })
    .jpeg()
    .toBuffer();
}

/** Records what it was asked and answers with a small image (or what `answer` says). */
function fakeProvider(answer?: (req: { preview?: { maxSide: number } }) => Promise<ProviderResult>) {
  const calls: { op: string; req: Record<string, unknown> }[] = [];
  const respond = async (op: string, req: Record<string, unknown>): Promise<ProviderResult> => {
    calls.push({ op, req });
    if (answer) return answer(req);
    const bytes = await jpeg(640, 427);
    return { bytes, mime: "image/jpeg", width: 640, height: 427, meta: { op } };
  };
  const provider: ImageProvider = {
    id: "fake",
    capabilities: ["sky-replacement", "background-change", "background-removal", "prompt-segmentation"],
    skyReplacement: (req) => respond("sky", req),
    backgroundChange: (req) => respond("background", req),
    backgroundRemoval: (req) => respond("removal", req),
    promptSegmentation: (req) => respond("segmentation", req),
  };
  return { provider, calls };
}

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

for (const target of testDbTargets()) {
  describe(`studio API (${target.name})`, () => {
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      dispose = (await useTestDb(target)).dispose;
    });
    afterAll(async () => dispose());
    beforeEach(() => resetPreviewRateLimitsForTests());

    it("renders a preview with the preview options, stores it as a short-lived preview asset of the owner", async () => {
      const ownerId = newId("own");
      const photo = await createUploadAsset({ bytes: await jpeg(1600, 1067), fileName: "lake.jpg", ownerId });
      const { provider, calls } = fakeProvider();
      const preview = await createPreview({
        serviceId: "sky-replacement",
        input: { imageAssetId: photo.id, skyPresetId: "golden-hour" },
        ownerId,
        provider,
      });
      expect(calls[0]?.op).toBe("sky");
      expect(calls[0]?.req.preview).toEqual({ maxSide: 1280, watermark: true });
      expect(calls[0]?.req.sky).toEqual({ kind: "preset", presetId: "golden-hour" });
      expect(preview).toMatchObject({ width: 640, height: 427, serviceId: "sky-replacement", meta: { op: "sky" } });
      expect(preview.url).toMatch(/^\/api\/assets\/ast_[\w-]{22}\/content\?/);
      const stored = await getAsset(preview.id);
      expect(stored).toMatchObject({ kind: "preview", ownerId, width: 640 });
      const ttl = stored!.expiresAt!.getTime() - Date.now();
      expect(ttl).toBeGreaterThan(50 * 60_000);
      expect(ttl).toBeLessThanOrEqual(60 * 60_000);
    });

    it("downscales the input for a mask preview and watermarks it", async () => {
      const ownerId = newId("own");
      const photo = await createUploadAsset({ bytes: await jpeg(1600, 1000), ownerId });
      const { provider, calls } = fakeProvider(async () => {
        const bytes = await sharp({
          create: { width: 640, height: 400, channels: 3, background: { r: 0, g: 0, b: 0 } },
        })
          .png()
          .toBuffer();
        return { bytes, mime: "image/png", width: 640, height: 400 };
      });
      const preview = await createPreview({
        serviceId: "prompt-segmentation",
        input: { imageAssetId: photo.id, prompt: "sky" },
        ownerId,
        provider,
      });
      const image = calls[0]?.req.image as { width: number; height: number };
      expect(Math.max(image.width, image.height)).toBe(1280);
      expect(preview.width).toBe(640);
      const stored = await getAsset(preview.id);
      const { data } = await sharp(await readAssetBytes(stored!))
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect(data.reduce((max, value) => Math.max(max, value), 0)).toBeGreaterThan(100); // the black mask now carries the light watermark
    });

    it("refuses someone else's photo, URL inputs, invalid input and an oversized render", async () => {
      const photo = await createUploadAsset({ bytes: await jpeg(800, 600), ownerId: newId("own") });
      const { provider } = fakeProvider();
      await expect(
        createPreview({
          serviceId: "background-removal",
          input: { imageAssetId: photo.id },
          ownerId: newId("own"),
          provider,
        }),
      ).rejects.toMatchObject({ code: "asset_not_found" });
      await expect(
        createPreview({
          serviceId: "background-removal",
          input: { ImageURL: "https://example.com/a.jpg" },
          ownerId: newId("own"),
          provider,
        }),
      ).rejects.toMatchObject({ code: "validation_failed" });
      await expect(
        createPreview({
          serviceId: "sky-replacement",
          input: { imageAssetId: photo.id },
          ownerId: newId("own"),
          provider,
        }),
      ).rejects.toMatchObject({ code: "validation_failed" });
      await expect(
        createPreview({ serviceId: "nope", input: {}, ownerId: newId("own"), provider }),
      ).rejects.toMatchObject({ code: "service_not_found" });
      const owner = photo.ownerId!;
      const big = fakeProvider(async () => ({
        bytes: await jpeg(1600, 1200),
        mime: "image/jpeg",
        width: 1600,
        height: 1200,
      }));
      await expect(
        createPreview({
          serviceId: "background-removal",
          input: { imageAssetId: photo.id },
          ownerId: owner,
          provider: big.provider,
        }),
      ).rejects.toMatchObject({ code: "engine_failed" });
    });

    it("POST /api/previews rate-limits a visitor with a friendly 429", async () => {
      const ownerId = newId("own");
      const cookie = ownerCookie(ownerId, false).split(";")[0]!;
      const request = () =>
        postPreview(
          new Request(`${BASE}/api/previews`, {
            method: "POST",
            headers: { "content-type": "application/json", cookie, "x-backdrop-peer": "203.0.113.7" },
            body: JSON.stringify({
              serviceId: "background-removal",
              input: { imageAssetId: "ast_AAAAAAAAAAAAAAAAAAAAAA" },
            }),
          }),
          noParams,
        );
      for (let i = 0; i < 30; i++) expect((await request()).status).toBe(404); // unknown asset, but counted
      const limited = await request();
      expect(limited.status).toBe(429);
      const body = (await limited.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("rate_limited");
      expect(body.error.message).toMatch(/try again in/);
    });

    it("lists presets with thumbnail links and serves a cacheable WebP thumbnail", async () => {
      const list = await presetList(new Request(`${BASE}/api/presets?kind=sky`), noParams);
      const body = (await list.json()) as { presets: { id: string; group: string; thumbnailUrl: string }[] };
      expect(body.presets.length).toBeGreaterThan(5);
      expect(new Set(body.presets.map((preset) => preset.group))).toContain("sunset");
      const first = body.presets[0]!;
      const thumb = await presetThumbnail(new Request(`${BASE}${first.thumbnailUrl}`), {
        params: Promise.resolve({ kind: "sky", id: first.id }),
      });
      expect(thumb.status).toBe(200);
      expect(thumb.headers.get("content-type")).toBe("image/webp");
      expect(thumb.headers.get("cache-control")).toContain("immutable");
      expect((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).width).toBe(320);
      const missing = await presetThumbnail(new Request(`${BASE}/x`), {
        params: Promise.resolve({ kind: "sky", id: "no-such" }),
      });
      expect(missing.status).toBe(404);
      const bad = await presetList(new Request(`${BASE}/api/presets?kind=cats`), noParams);
      expect(bad.status).toBe(422);
    });

    it("GET /api/history lists only the owner's jobs; DELETE removes their bytes and keeps the rows", async () => {
      const db = await getDb();
      const ownerId = newId("own");
      const other = newId("own");
      const input = await createUploadAsset({ bytes: await jpeg(640, 480), ownerId });
      const result = await createUploadAsset({ bytes: await jpeg(640, 480) });
      const job = await db.job.create({
        data: {
          id: newId("job"),
          serviceId: "background-removal",
          params: {},
          inputAssetIds: [input.id],
          resultAssetId: result.id,
          status: "succeeded",
          ownerId,
        },
      });
      await db.job.create({
        data: {
          id: newId("job"),
          serviceId: "sky-replacement",
          params: {},
          inputAssetIds: [],
          status: "failed",
          ownerId: other,
        },
      });
      const cookie = ownerCookie(ownerId, false).split(";")[0]!;

      const listed = (await (
        await getHistory(new Request(`${BASE}/api/history`, { headers: { cookie } }), noParams)
      ).json()) as {
        items: {
          id: string;
          serviceName: string;
          status: string;
          input: { url: string } | null;
          result: { url: string } | null;
        }[];
      };
      expect(listed.items.map((item) => item.id)).toEqual([job.id]);
      expect(listed.items[0]).toMatchObject({ serviceName: "Background removal", status: "succeeded" });
      expect(listed.items[0]?.result?.url).toContain(result.id);

      const anonymous = (await (await getHistory(new Request(`${BASE}/api/history`), noParams)).json()) as {
        items: unknown[];
      };
      expect(anonymous.items).toEqual([]);

      const deleted = (await (
        await deleteHistory(new Request(`${BASE}/api/history`, { method: "DELETE", headers: { cookie } }), noParams)
      ).json()) as { deletedFiles: number };
      expect(deleted.deletedFiles).toBe(2);
      expect((await getAsset(input.id))?.deletedAt).toBeInstanceOf(Date);
      expect((await getAsset(result.id))?.deletedAt).toBeInstanceOf(Date);
      const after = (await (
        await getHistory(new Request(`${BASE}/api/history`, { headers: { cookie } }), noParams)
      ).json()) as {
        items: { input: unknown; result: unknown; deleted: boolean }[];
      };
      expect(after.items[0]).toMatchObject({ input: null, result: null, deleted: true });
    });
  });
}
