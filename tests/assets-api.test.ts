import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getContent } from "@/app/api/assets/[id]/content/route";
import { POST as upload } from "@/app/api/assets/route";
import { GET as health } from "@/app/api/health/route";
import { getDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { badUploads, makeJpeg } from "./helpers/images";
import { testDbTargets, useTestDb } from "./test-db";

const dataDir = await mkdtemp(path.join(os.tmpdir(), "bd-assets-"));
process.env.DATA_DIR = dataDir;
// Many uploads from one address, on two databases: the limits have their own tests (tests/security).
process.env.UPLOAD_RATE_LIMIT_PER_MINUTE = "1000";
process.env.NEW_VISITORS_PER_HOUR = "1000";
resetEnvCache();

const BASE = "http://localhost:3000";

function uploadRequest(
  file?: { bytes: Buffer; name: string; type?: string },
  init: { body?: BodyInit; headers?: HeadersInit } = {},
) {
  if (!file) return new Request(`${BASE}/api/assets`, { method: "POST", ...init });
  const form = new FormData();
  form.append(
    "file",
    new File([new Uint8Array(file.bytes)], file.name, { type: file.type ?? "application/octet-stream" }),
  );
  return new Request(`${BASE}/api/assets`, { method: "POST", body: form });
}

const noParams = { params: Promise.resolve({}) };

async function storedFiles(): Promise<string[]> {
  const root = path.join(dataDir, "assets", "upload");
  try {
    const dirs = await readdir(root);
    return (await Promise.all(dirs.map((dir) => readdir(path.join(root, dir))))).flat();
  } catch {
    return [];
  }
}

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe.each(testDbTargets())("uploads on $name", (target) => {
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ dispose } = await useTestDb(target));
  });
  afterAll(async () => dispose());

  it("stores a photo, records it and serves it back through its signed link", async () => {
    const jpeg = await makeJpeg({ width: 1200, height: 800 });
    const response = await upload(uploadRequest({ bytes: jpeg, name: "beach.jpg", type: "image/jpeg" }), noParams);
    expect(response.status).toBe(201);
    const body = (await response.json()) as {
      id: string;
      width: number;
      height: number;
      bytes: number;
      url: string;
      fileName: string;
    };
    expect(body).toMatchObject({ width: 1200, height: 800, fileName: "beach.jpg" });
    expect(response.headers.get("set-cookie")).toMatch(/bd_owner=.+HttpOnly/);

    const row = await (await getDb()).asset.findUnique({ where: { id: body.id } });
    expect(row).toMatchObject({ kind: "upload", mime: "image/jpeg", width: 1200, height: 800, bytes: body.bytes });

    const served = await getContent(new Request(`${BASE}${body.url}`), { params: Promise.resolve({ id: body.id }) });
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/jpeg");
    expect(served.headers.get("x-content-type-options")).toBe("nosniff");
    const meta = await sharp(Buffer.from(await served.arrayBuffer())).metadata();
    expect({ width: meta.width, height: meta.height }).toEqual({ width: 1200, height: 800 });
  });

  it("refuses a link whose signature was changed or that belongs to another asset", async () => {
    const jpeg = await makeJpeg({ width: 64, height: 64 });
    const body = (await (await upload(uploadRequest({ bytes: jpeg, name: "a.jpg" }), noParams)).json()) as {
      id: string;
      url: string;
    };
    const tampered = body.url.replace(/sig=./, (match) => (match.endsWith("A") ? "sig=B" : "sig=A"));
    const response = await getContent(new Request(`${BASE}${tampered}`), { params: Promise.resolve({ id: body.id }) });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: "link_invalid" } });
    const unknown = await getContent(new Request(`${BASE}/api/assets/ast_zzzzzzzzzzzzzzzzzzzzzz/content`), {
      params: Promise.resolve({ id: "ast_zzzzzzzzzzzzzzzzzzzzzz" }),
    });
    expect(unknown.status).toBe(403);
  });

  it("refuses every bad upload with a stable code and leaves no row and no file behind", async () => {
    const db = await getDb();
    const rowsBefore = await db.asset.count();
    const filesBefore = await storedFiles();
    const cases = [
      ...(await badUploads()).map((bad) => ({
        name: bad.name,
        request: uploadRequest({ bytes: bad.bytes, name: bad.fileName, type: "image/png" }),
        code: bad.code,
      })),
      {
        name: "an empty body",
        request: uploadRequest(undefined, { headers: { "content-type": "multipart/form-data; boundary=x" } }),
        code: "file_missing",
      },
      {
        name: "a form without a file field",
        request: (() => {
          const form = new FormData();
          form.append("photo", "not a file");
          return new Request(`${BASE}/api/assets`, { method: "POST", body: form });
        })(),
        code: "file_missing",
      },
      {
        name: "a JSON body",
        request: uploadRequest(undefined, { body: "{}", headers: { "content-type": "application/json" } }),
        code: "file_missing",
      },
    ];
    for (const testCase of cases) {
      const response = await upload(testCase.request, noParams);
      expect(response.status, testCase.name).toBeGreaterThanOrEqual(400);
      expect(response.status, testCase.name).toBeLessThan(500);
      expect(await response.json(), testCase.name).toMatchObject({ error: { code: testCase.code } });
    }
    expect(await db.asset.count()).toBe(rowsBefore);
    expect(await storedFiles()).toEqual(filesBefore);
  });

  it("reports a healthy database and storage", async () => {
    const response = await health(new Request(`${BASE}/api/health`), noParams);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      ok: true,
      checks: {
        database: { ok: true, detail: target.name === "pglite" ? "embedded" : "server" },
        storage: { ok: true, detail: "local" },
      },
    });
  });
});
