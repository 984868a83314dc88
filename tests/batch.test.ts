import { execFileSync } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getBatch } from "@/app/api/batches/[id]/route";
import { POST as retryBatch } from "@/app/api/batches/[id]/retry/route";
import { GET as getZip } from "@/app/api/batches/[id]/zip/route";
import { POST as createBatchRoute } from "@/app/api/batches/route";
import { POST as createPaymentRoute } from "@/app/api/payments/route";
import { POST as callTool } from "@/app/api/tools/[serviceId]/route";
import { createUploadAsset } from "@/lib/assets/assets";
import type { BatchView } from "@/lib/batches/batches";
import { createPayment } from "@/lib/billing/payments";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { startWorkers, type WorkerHandle } from "@/lib/jobs/worker";
import { registerProvider } from "@/lib/providers";
import type { ImageProvider } from "@/lib/providers/types";
import { readZip, zipChunks } from "@/lib/zip";
import { makeJpeg } from "./helpers/images";
import { BASE, jsonRequest, params, startHttpServer, until, prepareScratchEnv } from "./helpers/paid-api";
import { testDbTargets, useTestDb } from "./test-db";

/**
 * Bulk backgrounds: one payment for N photos, one job (and one capture or release) per photo.
 * The edit runs on a fast stand-in for the embedded engine with the engine's own refusal for a
 * photo without a subject (a flat image; checked against the real engine by hand: no_subject_detected).
 * Everything else — uploads, URL fetching and validation, jobs, ledger, ZIP — is the real code.
 */
const imageHost = await startHttpServer((req, res) => {
  if (req.url === "/notes.png") {
    res.writeHead(200, { "content-type": "image/png" });
    res.end("these are my notes, not a photo\n".repeat(10));
    return;
  }
  res.writeHead(404).end();
});
const dataDir = await prepareScratchEnv({
  PAYMENTS_MODE: "sandbox",
  PROVIDER_BACKGROUND_CHANGE: "batch-stand-in",
  URL_FETCH_ALLOWLIST: `127.0.0.1:${imageHost.port}`,
  PAYMENT_RATE_LIMIT_PER_MINUTE: "1000",
});
afterAll(async () => {
  await imageHost.close();
  await rm(dataDir, { recursive: true, force: true });
});

const standIn: ImageProvider = {
  id: "batch-stand-in",
  capabilities: ["background-change"],
  async backgroundChange(req) {
    const stats = await sharp(req.image.bytes).stats();
    if (stats.channels.every((channel) => channel.stdev < 1))
      throw new AppError("no_subject_detected", "No clear subject was found in this photo.");
    const color = req.background.kind === "color" ? req.background.color : "#ffffff";
    const bytes = await sharp(req.image.bytes).resize(200, 200, { fit: "contain", background: color }).png().toBuffer();
    return { bytes, mime: "image/png", width: 200, height: 200, requestId: `stand-in-${Date.now()}` };
  },
};
registerProvider(standIn);

/** The wire shape of GET /api/batches/{id} (and, on refusals, the error envelope). */
type BatchBody = BatchView & { error?: { code: string; message: string; details?: Record<string, unknown> } };

async function readBatch(id: string): Promise<BatchBody> {
  return (await (await getBatch(new Request(`${BASE}/api/batches/${id}`), params({ id }))).json()) as BatchBody;
}

async function waitDone(id: string): Promise<BatchBody> {
  return until(
    async () => {
      const batch = await readBatch(id);
      return batch.done ? batch : null;
    },
    60_000,
    100,
  );
}

async function zipOf(id: string): Promise<Buffer> {
  const response = await getZip(new Request(`${BASE}/api/batches/${id}/zip`), params({ id }));
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/zip");
  return Buffer.from(await response.arrayBuffer());
}

/** RFC 4180 (quoted cells with commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += c;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

describe("the ZIP writer", () => {
  it("writes archives that unzip reads and tests, with stored and deflated entries", async () => {
    const image = await makeJpeg({ width: 64, height: 48 });
    const chunks: Buffer[] = [];
    for await (const chunk of zipChunks([
      { name: "001-shoe.jpg", data: image },
      { name: "001-shoe.jpg", data: image },
      { name: "manifest.csv", data: Buffer.from("item,status\r\n1,succeeded\r\n".repeat(50)), compress: true },
    ])) {
      chunks.push(chunk);
    }
    const archive = Buffer.concat(chunks);
    const file = path.join(dataDir, "probe.zip");
    await writeFile(file, archive);
    const listing = execFileSync("unzip", ["-l", file]).toString();
    expect(listing).toContain("001-shoe.jpg");
    expect(listing).toContain("001-shoe-2.jpg");
    expect(listing).toContain("manifest.csv");
    expect(execFileSync("unzip", ["-t", file]).toString()).toContain("No errors detected");
    const entries = readZip(archive);
    expect(entries.map((entry) => entry.name)).toEqual(["001-shoe.jpg", "001-shoe-2.jpg", "manifest.csv"]);
    expect(entries[0]!.data.equals(image)).toBe(true);
  });
});

describe.each(testDbTargets())("bulk backgrounds on $name", (target) => {
  let dispose: () => Promise<void>;
  let workers: WorkerHandle;
  const goodIds: string[] = [];
  let blankId: string;

  beforeAll(async () => {
    ({ dispose } = await useTestDb(target));
    for (let i = 0; i < 8; i++) {
      const bytes = await makeJpeg({ width: 96 + i * 8, height: 72 });
      goodIds.push((await createUploadAsset({ bytes, fileName: `product-${i + 1}.jpg` })).id);
    }
    const blank = await sharp({ create: { width: 120, height: 90, channels: 3, background: "#808080" } })
      .jpeg()
      .toBuffer();
    blankId = (await createUploadAsset({ bytes: blank, fileName: "blank-wall.jpg" })).id;
    workers = startWorkers({ concurrency: 2, leaseSeconds: 10, pollMs: 50, retryBaseMs: 10 });
  });
  afterAll(async () => {
    await workers.stop();
    await dispose();
  });

  it("charges only the 8 photos that worked out of 10 (one invalid file, one without a subject) and zips 8 images with a manifest", async () => {
    const items: Array<{ imageAssetId: string } | { ImageURL: string }> = goodIds.map((id) => ({ imageAssetId: id }));
    items.splice(3, 0, { imageAssetId: blankId });
    items.splice(7, 0, { ImageURL: `${imageHost.origin}/notes.png` });
    expect(items).toHaveLength(10);

    const paymentResponse = await createPaymentRoute(
      jsonRequest("/api/payments", { serviceId: "background-change", units: 10 }),
      params({}),
    );
    const payment = (await paymentResponse.json()) as { paymentId: string; token: string; amountMinor: number };
    expect(paymentResponse.status).toBe(201);
    expect(payment.amountMinor).toBe(200);

    const created = await createBatchRoute(
      jsonRequest("/api/batches", {
        items,
        look: { backgroundColor: "#ffffff", shadow: true, canvas: "square-2000", format: "png" },
        paymentToken: payment.token,
      }),
      params({}),
    );
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as BatchBody;

    const batch = await waitDone(id);
    expect(batch.counts).toMatchObject({ succeeded: 8, failed: 2 });
    expect(batch.charged).toMatchObject({ edits: 8, amountMinor: 160 });
    expect(batch.released.edits).toBe(2);
    const failures = batch.items.filter((item) => item.status === "failed");
    expect(failures.map((item) => [item.index, item.name, item.error?.code, item.charged])).toEqual([
      [3, "blank-wall.jpg", "no_subject_detected", false],
      [7, "notes.png", "unsupported_media_type", false],
    ]);
    expect(
      batch.items
        .filter((item) => item.status === "succeeded")
        .every((item) => item.charged && item.result?.url.includes("/api/assets/")),
    ).toBe(true);

    const db = await getDb();
    const ledger = await db.ledgerEntry.groupBy({
      by: ["kind"],
      where: { paymentId: payment.paymentId },
      _count: true,
      _sum: { amountMinor: true },
    });
    const byKind = Object.fromEntries(
      ledger.map((row) => [row.kind, { count: row._count, sum: row._sum.amountMinor }]),
    );
    expect(byKind).toEqual({
      authorize: { count: 10, sum: 200 },
      capture: { count: 8, sum: 160 },
      release: { count: 2, sum: 40 },
    });
    // usesLeft must agree with the ledger (10 paid − 8 captured). Concurrent captures on a Postgres server lose an
    // update if capturePaymentForJob (lib/billing/payments.ts) reads and writes usesLeft instead of decrementing it.
    expect(
      (await db.payment.findUniqueOrThrow({ where: { id: payment.paymentId } })).usesLeft,
      "usesLeft after 8 captures of 10",
    ).toBe(2);

    // The token was spent on this batch: it cannot also pay for single edits or a second batch.
    const reuse = await callTool(
      jsonRequest(
        "/api/tools/background-change",
        { imageAssetId: goodIds[0], backgroundColor: "#000000" },
        { "X-Payment-Token": payment.token },
      ),
      params({ serviceId: "background-change" }),
    );
    expect(reuse.status).toBe(402);
    const again = await createBatchRoute(
      jsonRequest("/api/batches", {
        items: [{ imageAssetId: goodIds[0] }],
        look: { backgroundColor: "#000000" },
        paymentToken: payment.token,
      }),
      params({}),
    );
    expect(again.status).toBe(402);

    const archive = await zipOf(id);
    const entries = readZip(archive);
    const images = entries.filter((entry) => entry.name.endsWith(".png"));
    expect(images).toHaveLength(8);
    expect(images.map((entry) => entry.name)).toContain("001-product-1.png");
    for (const image of images) expect((await sharp(image.data).metadata()).format).toBe("png");
    const manifest = parseCsv(entries.find((entry) => entry.name === "manifest.csv")!.data.toString("utf8"));
    expect(manifest[0]).toEqual([
      "item",
      "source",
      "status",
      "file",
      "error_code",
      "error_message",
      "job_id",
      "charged",
    ]);
    expect(manifest).toHaveLength(11);
    const failedRows = manifest.filter((row) => row[2] === "failed");
    expect(failedRows.map((row) => [row[0], row[1], row[3], row[4], row[7]])).toEqual([
      ["4", "blank-wall.jpg", "", "no_subject_detected", "false"],
      ["8", "notes.png", "", "unsupported_media_type", "false"],
    ]);
    expect(
      manifest.filter((row) => row[2] === "succeeded").every((row) => row[3]!.endsWith(".png") && row[7] === "true"),
    ).toBe(true);

    // Retrying the failures uses the two released edits (no new payment); they fail again and are released again.
    const retried = await retryBatch(jsonRequest(`/api/batches/${id}/retry`, {}), params({ id }));
    expect(retried.status).toBe(200);
    expect(((await retried.json()) as { retried: number }).retried).toBe(2);
    const afterRetry = await waitDone(id);
    expect(afterRetry.counts).toMatchObject({ succeeded: 8, failed: 2 });
    expect(afterRetry.charged.edits).toBe(8);
    expect(afterRetry.items.filter((item) => item.status === "failed").map((item) => item.attempts)).toEqual([2, 2]);
    expect(await db.ledgerEntry.count({ where: { paymentId: payment.paymentId, kind: "capture" } })).toBe(8);
    expect(await db.ledgerEntry.count({ where: { paymentId: payment.paymentId, kind: "release" } })).toBe(4);
  });

  it("asks for a payment covering N edits, refuses one that covers fewer, and accepts one token per item", async () => {
    const items = goodIds.slice(0, 3).map((id) => ({ imageAssetId: id }));
    const look = { backgroundColor: "#f5f5f5" };
    const unpaid = await createBatchRoute(jsonRequest("/api/batches", { items, look }), params({}));
    expect(unpaid.status).toBe(402);
    const unpaidBody = (await unpaid.json()) as BatchBody;
    expect(unpaidBody.error).toMatchObject({ code: "payment_required", details: { units: 3, amountMinor: 60 } });

    const small = await createPayment({ serviceId: "background-change", units: 2, origin: BASE });
    const tooSmall = await createBatchRoute(
      jsonRequest("/api/batches", { items, look, paymentToken: small.token }),
      params({}),
    );
    expect(tooSmall.status).toBe(402);
    const db = await getDb();
    expect(await db.job.count({ where: { paymentId: small.paymentId } })).toBe(0);

    const tokens = await Promise.all(items.map(() => createPayment({ serviceId: "background-change", origin: BASE })));
    const created = await createBatchRoute(
      jsonRequest("/api/batches", { items, look, paymentTokens: tokens.map((t) => t.token) }),
      params({}),
    );
    expect(created.status).toBe(201);
    const batch = await waitDone(((await created.json()) as BatchBody).id);
    expect(batch.counts.succeeded).toBe(3);
    for (const token of tokens) {
      expect((await db.payment.findUniqueOrThrow({ where: { id: token.paymentId } })).status).toBe("captured");
    }
    const zip = readZip(await zipOf(batch.id));
    expect(zip.filter((entry) => entry.name.endsWith(".png"))).toHaveLength(3);
  });

  it("refuses an invalid look or more than 100 photos before taking any payment", async () => {
    const payment = await createPayment({ serviceId: "background-change", units: 2, origin: BASE });
    const badLook = await createBatchRoute(
      jsonRequest("/api/batches", {
        items: [{ imageAssetId: goodIds[0] }],
        look: { backgroundColor: "red" },
        paymentToken: payment.token,
      }),
      params({}),
    );
    expect(badLook.status).toBe(422);
    const tooMany = await createBatchRoute(
      jsonRequest("/api/batches", {
        items: Array.from({ length: 101 }, () => ({ imageAssetId: goodIds[0] })),
        look: { backgroundColor: "#ffffff" },
        paymentToken: payment.token,
      }),
      params({}),
    );
    expect(tooMany.status).toBe(422);
    const db = await getDb();
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.paymentId } })).status).toBe("paid");
  });
});
