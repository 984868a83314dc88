import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Job } from "@/generated/prisma/client";
import { createUploadAsset, getAssetOrThrow, readAssetBytes } from "@/lib/assets/assets";
import { executeJob } from "@/lib/jobs/execute";
import { readRightsTags } from "@/lib/image/metadata";
import { prepareScratchEnv } from "./helpers/paid-api";
import { testDbTargets, useTestDb } from "./test-db";

// A paid edit of a camera photo, through the job runner and the embedded engine: the result has
// the photo's full resolution and carries the photographer's credit unless asked not to.
const CREDIT = { Artist: "Grace Hopper", Copyright: "(c) 2026 Grace Hopper" };

async function cameraPhoto(width: number, height: number): Promise<Buffer> {
  // A dark subject on a light ground, with the credit in EXIF as the camera (or editor) wrote it.
  return sharp({ create: { width, height, channels: 3, background: { r: 225, g: 225, b: 220 } } })
    .composite([
      {
        input: Buffer.from(
          `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><ellipse cx="${width / 2}" cy="${height / 2}" rx="${width / 5}" ry="${height / 3}" fill="#3a2a20"/></svg>`,
        ),
      },
    ])
    .withExif({ IFD0: CREDIT })
    .jpeg({ quality: 85 })
    .toBuffer();
}

function jobFor(params: Record<string, unknown>): Job {
  const now = new Date();
  return {
    id: `job_${Math.random().toString(36).slice(2, 12).padEnd(22, "x")}`,
    serviceId: "background-change",
    params,
    ownerId: null,
    createdAt: now,
    updatedAt: now,
  } as unknown as Job;
}

const run = (job: Job) => executeJob(job, { signal: new AbortController().signal, onProgress: () => undefined });

describe("camera photos through a paid edit", () => {
  let db: Awaited<ReturnType<typeof useTestDb>>;
  beforeAll(async () => {
    await prepareScratchEnv();
    db = await useTestDb(testDbTargets()[0]!);
  });
  afterAll(async () => {
    await db.dispose();
  });

  // A full-resolution 24 MP edit on a shared 2-core machine: more time than the suite's default.
  it(
    "edits a 6000 × 4000 photo at full resolution and copies its Artist and Copyright to the result",
    {
      timeout: 240_000,
    },
    async () => {
      const upload = await createUploadAsset({ bytes: await cameraPhoto(6000, 4000) });
      expect({ width: upload.width, height: upload.height }).toEqual({ width: 6000, height: 4000 });
      const done = await run(jobFor({ imageAssetId: upload.id, backgroundColor: "#1e90ff", format: "jpeg" }));
      const result = await getAssetOrThrow(done.resultAssetId);
      const bytes = await readAssetBytes(result);
      const meta = await sharp(bytes).metadata();
      expect({ width: meta.width, height: meta.height }).toEqual({ width: 6000, height: 4000 });
      expect({ width: result.width, height: result.height }).toEqual({ width: 6000, height: 4000 });
      const tags = await readRightsTags(bytes);
      expect(tags.artist?.toString()).toBe(CREDIT.Artist);
      expect(tags.copyright?.toString()).toBe(CREDIT.Copyright);
      expect(result.bytes).toBe(bytes.length);
    },
  );

  it("leaves the tags out when the edit asks to strip metadata", async () => {
    const upload = await createUploadAsset({ bytes: await cameraPhoto(600, 400) });
    const done = await run(
      jobFor({ imageAssetId: upload.id, backgroundColor: "#1e90ff", format: "png", stripMetadata: true }),
    );
    const bytes = await readAssetBytes(await getAssetOrThrow(done.resultAssetId));
    expect(await readRightsTags(bytes)).toEqual({});
    expect((await sharp(bytes).metadata()).exif).toBeUndefined();
  });
});
