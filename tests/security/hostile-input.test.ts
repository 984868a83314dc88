/**
 * Hostile input against the running app (a real `next start` with SECURITY_TARGET=server, else
 * the route handlers in-process; see target.ts). Every probe must get a clear error code, charge
 * nothing, lose nothing and leave the server up. Only loopback addresses ever receive packets:
 * private/link-local/metadata targets are checked without I/O in ssrf-guard.test.ts.
 */
import http from "node:http";
import { randomBytes } from "node:crypto";
import { deflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { badUploads, makeJpeg } from "../helpers/images";
import { adminRouteFiles, openTarget, type Target } from "./target";

type Envelope = { error?: { code: string; message: string }; data?: Record<string, unknown> | null; code?: string };
type Payment = { paymentId: string; token?: string; status: string; usable: boolean };

let target: Target;
let canary: { port: number; hits: string[]; close: () => Promise<void> };
let redirector: { port: number; hits: string[]; close: () => Promise<void> };
const payments: Record<string, Payment> = {};
let photoAssetId = "";
let photoUrl = "";
/** The uploader's owner cookie: the photo is usable only by whoever uploaded it. */
let ownerCookie = "";

async function listen(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? "");
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return { port, hits, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function json<T = Envelope>(response: Response): Promise<T> {
  const text = await response.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    return { raw: text } as T;
  }
}

const ip = () => `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

async function createPayment(serviceId: string): Promise<Payment> {
  const response = await target.call("/api/payments", {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": ip() },
    body: JSON.stringify({ serviceId }),
  });
  expect(response.status).toBe(201);
  return json<Payment>(response);
}

async function callTool(
  serviceId: string,
  input: unknown,
  token?: string,
): Promise<{ status: number; body: Envelope }> {
  const response = await target.call(`/api/tools/${serviceId}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { "x-payment-token": token } : {}),
      ...(ownerCookie ? { cookie: ownerCookie } : {}),
      prefer: "wait=20",
    },
    body: JSON.stringify(input),
  });
  return { status: response.status, body: await json(response) };
}

async function upload(bytes: Buffer, fileName: string, type = "application/octet-stream") {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(bytes)], { type }), fileName);
  const response = await target.call("/api/assets", {
    method: "POST",
    body: form,
    headers: { "x-forwarded-for": ip() },
  });
  return {
    status: response.status,
    cookie: (response.headers.get("set-cookie") ?? "").split(";")[0]!,
    body: await json<Envelope & { id?: string; url?: string; mime?: string }>(response),
  };
}

beforeAll(async () => {
  // An image host that must never be reached, and an allow-listed host that redirects to it.
  canary = await listen((_req, res) => {
    res.writeHead(200, { "content-type": "image/jpeg" });
    res.end(Buffer.from([0xff, 0xd8, 0xff]));
  });
  redirector = await listen((req, res) => {
    const to = new URL(req.url ?? "/", "http://x").searchParams.get("to") ?? "/";
    res.writeHead(302, { location: to });
    res.end();
  });
  target = await openTarget({
    PAYMENTS_MODE: "sandbox",
    PAYMENT_RATE_LIMIT_PER_MINUTE: "5",
    // The suite plays a reverse proxy on loopback: its X-Forwarded-For names each simulated client.
    TRUSTED_PROXIES: "127.0.0.1,::1",
    URL_FETCH_ALLOWLIST: `127.0.0.1:${redirector.port}`,
    API_WAIT_SECONDS: "30",
    SIGNING_SECRET: randomBytes(32).toString("hex"),
  });
  for (const serviceId of ["sky-replacement", "background-change", "background-removal", "prompt-segmentation"]) {
    payments[serviceId] = await createPayment(serviceId);
  }
  const photo = await upload(await makeJpeg({ width: 96, height: 64 }), "photo.jpg", "image/jpeg");
  expect(photo.status).toBe(201);
  photoAssetId = photo.body.id!;
  ownerCookie = photo.cookie;
  photoUrl = photo.body.url!;
}, 180_000);

afterAll(async () => {
  await target?.close();
  await canary?.close();
  await redirector?.close();
});

describe(`SSRF probes on every URL field of every tool`, () => {
  const loopbackProbes = (port: number) => [
    `http://127.0.0.1:${port}/x.jpg`,
    `http://localhost:${port}/x.jpg`,
    `http://[::1]:${port}/x.jpg`,
    `http://[::ffff:127.0.0.1]:${port}/x.jpg`,
    `http://[::ffff:7f00:1]:${port}/x.jpg`,
    `http://2130706433:${port}/x.jpg`,
    `http://0177.0.0.1:${port}/x.jpg`,
    `http://0x7f000001:${port}/x.jpg`,
    `http://127.1:${port}/x.jpg`,
    `http://0.0.0.0:${port}/x.jpg`,
    `http://LocalHost:${port}/x.jpg`,
  ];
  // Each field with the rest of a valid input (photo given by asset id where the field is not the photo).
  const fields: Array<{ serviceId: string; field: string; input: (url: string) => Record<string, unknown> }> = [
    { serviceId: "sky-replacement", field: "ImageURL", input: (url) => ({ ImageURL: url, skyPresetId: "clear-blue" }) },
    {
      serviceId: "sky-replacement",
      field: "ReplaceImageURL",
      input: (url) => ({ imageAssetId: photoAssetId, ReplaceImageURL: url }),
    },
    {
      serviceId: "background-change",
      field: "ImageURL",
      input: (url) => ({ ImageURL: url, backgroundColor: "#ffffff" }),
    },
    {
      serviceId: "background-change",
      field: "BackgroundURL",
      input: (url) => ({ imageAssetId: photoAssetId, BackgroundURL: url }),
    },
    { serviceId: "background-removal", field: "ImageURL", input: (url) => ({ ImageURL: url }) },
    { serviceId: "prompt-segmentation", field: "ImageURL", input: (url) => ({ ImageURL: url, prompt: "sky" }) },
  ];

  it.each(fields)(
    "$serviceId $field: loopback in every spelling is refused with url_not_allowed, uncharged",
    async ({ serviceId, input }) => {
      const payment = payments[serviceId]!;
      for (const url of loopbackProbes(canary.port)) {
        const { status, body } = await callTool(serviceId, input(url), payment.token);
        expect({ url, status, code: body.error?.code, charged: body.data?.Charged }).toEqual({
          url,
          status: 422,
          code: "url_not_allowed",
          charged: false,
        });
      }
      expect(canary.hits).toEqual([]);
    },
  );

  it.each(fields)(
    "$serviceId $field: an allow-listed host redirecting inward is refused at the redirect",
    async ({ serviceId, input }) => {
      const payment = payments[serviceId]!;
      for (const to of [
        `http://127.0.0.1:${canary.port}/x.jpg`,
        `http://localhost:${canary.port}/x.jpg`,
        `http://[::1]:${canary.port}/x.jpg`,
        `http://2130706433:${canary.port}/x.jpg`,
      ]) {
        const before = redirector.hits.length;
        const { status, body } = await callTool(
          serviceId,
          input(`http://127.0.0.1:${redirector.port}/r?to=${encodeURIComponent(to)}`),
          payment.token,
        );
        expect({ to, status, code: body.error?.code }).toEqual({ to, status: 422, code: "url_not_allowed" });
        expect(redirector.hits.length).toBe(before + 1); // the first hop was fetched; the second was not
      }
      expect(canary.hits).toEqual([]);
    },
  );

  it.each(fields)(
    "$serviceId $field: non-http schemes and credentials in URLs are refused",
    async ({ serviceId, input }) => {
      const payment = payments[serviceId]!;
      for (const url of [
        "file:///etc/passwd",
        "gopher://127.0.0.1:25/x",
        "ftp://127.0.0.1/x.jpg",
        "data:image/png;base64,AAAA",
        "javascript:alert(1)",
      ]) {
        const { status, body } = await callTool(serviceId, input(url), payment.token);
        expect({ url, status, code: body.error?.code }).toEqual({ url, status: 422, code: "validation_failed" });
      }
      const { status, body } = await callTool(
        serviceId,
        input(`http://user:pw@127.0.0.1:${redirector.port}/x.jpg`),
        payment.token,
      );
      expect({ status, code: body.error?.code }).toEqual({ status: 422, code: "url_not_allowed" });
      expect(canary.hits).toEqual([]);
    },
  );

  it("left every payment unspent: tokens usable, nothing captured", async () => {
    for (const payment of Object.values(payments)) {
      const read = await json<Payment>(await target.call(`/api/payments/${payment.paymentId}`));
      expect(read.usable).toBe(true);
      expect(["paid", "released"]).toContain(read.status);
    }
  });
});

/** A real decompression bomb: 12000×12000 grey pixels that deflate to ~140 KB. */
function pngBomb(): Buffer {
  const width = 12_000;
  const height = 12_000;
  const crcTable = (() => {
    const table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
    return table;
  })();
  const crc = (buf: Buffer) => {
    let c = -1;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
    return (c ^ -1) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc((width + 1) * height); // filter byte 0 + zero pixels per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

describe("upload attacks", () => {
  it.each([
    {
      name: "JPEG+ZIP polyglot",
      marker: Buffer.concat([
        Buffer.from("PK\u0003\u0004"),
        Buffer.from("evil.sh#!/bin/sh rm -rf / ".repeat(20)),
        Buffer.from("PK\u0005\u0006"),
      ]),
    },
    {
      name: "JPEG+HTML polyglot",
      marker: Buffer.from("<html><body><script>alert(document.cookie)</script></body></html>"),
    },
  ])(
    "$name: stored re-encoded without the trailing payload, served as an image with a sandbox CSP",
    async ({ marker }) => {
      const jpeg = await makeJpeg({ width: 80, height: 60 });
      const { status, body } = await upload(Buffer.concat([jpeg, marker]), "holiday.jpg", "image/jpeg");
      if (status !== 201) {
        expect(status).toBeGreaterThanOrEqual(400);
        expect(status).toBeLessThan(500);
        return;
      }
      const response = await target.call(
        new URL(body.url!, target.origin).pathname + new URL(body.url!, target.origin).search,
      );
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("image/jpeg");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("content-security-policy")).toContain("sandbox");
      const stored = Buffer.from(await response.arrayBuffer());
      expect(stored.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
      expect(stored.includes(marker.subarray(0, 16))).toBe(false);
      expect(stored.includes(Buffer.from("<script"))).toBe(false);
    },
  );

  it("a real decompression bomb (12000×12000 in ~140 KB) is refused before decoding", async () => {
    const bomb = pngBomb();
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const started = Date.now();
    const { status, body } = await upload(bomb, "tiny.png", "image/png");
    expect({ status, code: body.error?.code }).toEqual({ status: 422, code: "decompression_bomb" });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("every known bad upload gets its own clear code (truncated, huge, SVG with script, empty, wrong type, >25 MB, >25 MP)", async () => {
    for (const bad of await badUploads()) {
      const { status, body } = await upload(bad.bytes, bad.fileName);
      expect({ name: bad.name, code: body.error?.code, status: status >= 400 && status < 500 }).toEqual({
        name: bad.name,
        code: bad.code,
        status: true,
      });
    }
  });

  it("a PNG named .jpg is judged by content (stored as PNG), and an HTML file named .jpg is refused", async () => {
    const { makePng } = await import("../helpers/images");
    const png = await upload(await makePng({ width: 20, height: 20 }), "photo.jpg", "image/jpeg");
    expect(png.status).toBe(201);
    expect(png.body.mime).toBe("image/png");
    const html = await upload(Buffer.from("<!doctype html><script>alert(1)</script>"), "photo.jpg", "image/jpeg");
    expect({ status: html.status, code: html.body.error?.code }).toEqual({
      status: 415,
      code: "unsupported_media_type",
    });
  });

  it("a multipart body without a file, or not multipart at all, is a clear 400", async () => {
    const noFile = await target.call("/api/assets", { method: "POST", body: new FormData() });
    expect(noFile.status).toBe(400);
    const notMultipart = await target.call("/api/assets", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect({ status: notMultipart.status, code: (await json(notMultipart)).error?.code }).toEqual({
      status: 400,
      code: "file_missing",
    });
  });
});

describe("path traversal and id guessing", () => {
  const randomAssetId = () => `ast_${randomBytes(16).toString("base64url").slice(0, 22)}`;
  const randomJobId = () => `job_${randomBytes(16).toString("base64url").slice(0, 22)}`;

  it("asset paths with traversal never leak files", async () => {
    for (const pathname of [
      "/api/assets/..%2F..%2Fetc%2Fpasswd/content",
      "/api/assets/..%2F..%2F..%2F..%2Fetc%2Fpasswd/content?expires=9999999999&sig=x",
      "/api/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd/content",
      "/api/assets/ast_..%2F..%2F..%2Fpackage.json/content",
    ]) {
      const response = await target.call(pathname);
      const text = await response.text();
      expect([400, 403, 404]).toContain(response.status);
      expect(text).not.toMatch(/root:x:0:0|"dependencies"/);
    }
  });

  it("a random well-formed asset id and a real one answer the same way without a valid signature (no existence oracle)", async () => {
    const expires = Math.floor(Date.now() / 1000) + 600;
    const forged = `expires=${expires}&sig=${randomBytes(32).toString("base64url")}`;
    const real = await target.call(`/api/assets/${photoAssetId}/content?${forged}`);
    const fake = await target.call(`/api/assets/${randomAssetId()}/content?${forged}`);
    const unsigned = await target.call(`/api/assets/${photoAssetId}/content`);
    expect([real.status, fake.status, unsigned.status]).toEqual([403, 403, 403]);
    expect([(await json(real)).error?.code, (await json(fake)).error?.code]).toEqual(["link_invalid", "link_invalid"]);
    // The signature is checked before any lookup: timing cannot tell real from random ids.
    const time = async (id: string) => {
      const samples: number[] = [];
      for (let i = 0; i < 15; i++) {
        const start = performance.now();
        await (await target.call(`/api/assets/${id}/content?${forged}`)).arrayBuffer();
        samples.push(performance.now() - start);
      }
      return samples.sort((a, b) => a - b)[7]!;
    };
    const [realMs, fakeMs] = [await time(photoAssetId), await time(randomAssetId())];
    expect(Math.abs(realMs - fakeMs)).toBeLessThan(Math.max(realMs, fakeMs) * 0.8 + 5);
  });

  it("the genuine signed link still works (the barrage lost nothing)", async () => {
    const url = new URL(photoUrl, target.origin);
    const response = await target.call(url.pathname + url.search);
    expect(response.status).toBe(200);
  });

  it("job and payment ids: random, malformed and injection-shaped ids are a plain 404", async () => {
    for (const id of [randomJobId(), "job_' OR '1'='1", "..%2F..%2Fetc%2Fpasswd", "job_%00", "1"]) {
      const response = await target.call(`/api/jobs/${encodeURIComponent(id)}`);
      expect({ id, status: response.status, code: (await json(response)).error?.code }).toEqual({
        id,
        status: 404,
        code: "job_not_found",
      });
    }
    for (const id of [`pay_${randomBytes(16).toString("base64url").slice(0, 22)}`, "pay_'--"]) {
      const response = await target.call(`/api/payments/${encodeURIComponent(id)}`);
      expect({ id, status: response.status, code: (await json(response)).error?.code }).toEqual({
        id,
        status: 404,
        code: "payment_not_found",
      });
    }
    const cancel = await target.call(`/api/jobs/${randomJobId()}`, { method: "DELETE" });
    expect(cancel.status).toBe(404);
  });
});

describe("oversized and malformed bodies", () => {
  const big = JSON.stringify({ ImageURL: "https://example.com/x.jpg", skyPrompt: "x".repeat(300 * 1024) });

  it.each(["/api/tools/sky-replacement", "/api/payments", "/api/previews"])(
    "POST %s with a 300 KB JSON body → 413 body_too_large",
    async (pathname) => {
      const response = await target.call(pathname, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": ip() },
        body: big,
      });
      expect({ status: response.status, code: (await json(response)).error?.code }).toEqual({
        status: 413,
        code: "body_too_large",
      });
    },
  );

  it("a chunked body without Content-Length is cut off at the limit too", async () => {
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 40) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const response = await target.call("/api/payments", {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": ip() },
      body,
      duplex: "half",
    } as RequestInit);
    expect({ status: response.status, code: (await json(response)).error?.code }).toEqual({
      status: 413,
      code: "body_too_large",
    });
  });

  it("broken JSON, wrong JSON types and unknown keys are clear 4xx codes, never 500", async () => {
    const cases: Array<[string, string, number, string]> = [
      ["/api/tools/background-removal", "{not json", 400, "invalid_json"],
      ["/api/tools/background-removal", "[1,2,3]", 422, "validation_failed"],
      [
        "/api/tools/background-removal",
        '{"__proto__":{"admin":true},"ImageURL":"https://example.com/a.jpg"}',
        422,
        "validation_failed",
      ],
      [
        "/api/tools/background-removal",
        '{"ImageURL":"https://example.com/a.jpg","constructor":{"prototype":{"x":1}}}',
        422,
        "validation_failed",
      ],
      ["/api/tools/no-such-tool", "{}", 404, "service_not_found"],
      ["/api/payments", '{"serviceId":"sky-replacement","units":-5}', 422, "validation_failed"],
      ["/api/payments", '{"serviceId":{"$ne":null}}', 422, "validation_failed"],
      ["/api/payments", "\u0000\u0001", 400, "invalid_json"],
    ];
    for (const [pathname, body, status, code] of cases) {
      const response = await target.call(pathname, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": ip() },
        body,
      });
      const got = await json(response);
      expect({ pathname, body, status: response.status, code: got.error?.code }).toEqual({
        pathname,
        body,
        status,
        code,
      });
    }
  });
});

describe("rate limits", () => {
  it("payment creation: the 6th payment a minute from one address is 429 rate_limited (limit 5)", async () => {
    const from = ip();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await target.call("/api/payments", {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": from },
        body: JSON.stringify({ serviceId: "background-removal" }),
      });
      statuses.push(response.status);
      if (response.status === 429) expect((await json(response)).error?.code).toBe("rate_limited");
      else await response.arrayBuffer();
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429]);
  });

  it("free previews: the 31st preview in 10 minutes from one visitor is 429 rate_limited", async () => {
    // The visitor cookie comes with any successful browser-facing call (here: an upload).
    const form = new FormData();
    form.append(
      "file",
      new Blob([new Uint8Array(await makeJpeg({ width: 32, height: 32 }))], { type: "image/jpeg" }),
      "a.jpg",
    );
    const first = await target.call("/api/assets", {
      method: "POST",
      body: form,
      headers: { "x-forwarded-for": ip() },
    });
    await first.arrayBuffer();
    const cookie = (first.headers.get("set-cookie") ?? "").split(";")[0]!;
    expect(cookie).toMatch(/^bd_owner=/);
    const from = ip();
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) {
      // An unknown service fails fast after the limiter has counted the request: no rendering needed.
      const response = await target.call("/api/previews", {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": from, cookie },
        body: JSON.stringify({ serviceId: "no-such-service", input: {} }),
      });
      statuses.push(response.status);
      const body = await json(response);
      if (response.status === 429) expect(body.error?.code).toBe("rate_limited");
    }
    expect(statuses.filter((s) => s === 429).length).toBe(2);
    expect(statuses.slice(0, 30).every((s) => s !== 429 && s < 500)).toBe(true);
  });
});

const adminFiles = await adminRouteFiles();
describe("admin without a session", () => {
  it.each(adminFiles)("%s refuses anonymous and cross-origin requests", async (file) => {
    // app/api/admin/<segments>/route.ts → /api/admin/<segments> with dynamic segments filled in.
    const pathname =
      "/" +
      file
        .replace(/^app\//, "")
        .replace(/\/route\.ts$/, "")
        .replace(/\[\.\.\.[^\]]+\]/g, "x")
        .replace(/\[[^\]]+\]/g, `job_${"A".repeat(22)}`);
    for (const method of ["GET", "POST", "PATCH", "PUT", "DELETE"]) {
      const response = await target.call(pathname, {
        method,
        headers: { "content-type": "application/json", origin: "https://evil.example" },
        body: method === "GET" ? undefined : "{}",
      });
      await response.arrayBuffer();
      expect({ method, ok: response.status >= 200 && response.status < 300 }).toEqual({ method, ok: false });
      expect([401, 403, 404, 405]).toContain(response.status);
    }
  });
});

describe("after the barrage", () => {
  it("the server is up and healthy, and nothing was charged", async () => {
    expect(target.alive()).toBe(true);
    const health = await target.call("/api/health");
    expect(health.status).toBe(200);
    for (const payment of Object.values(payments)) {
      const read = await json<Payment>(await target.call(`/api/payments/${payment.paymentId}`));
      expect({ id: payment.paymentId, usable: read.usable }).toEqual({ id: payment.paymentId, usable: true });
    }
    expect(canary.hits).toEqual([]);
  });
});
