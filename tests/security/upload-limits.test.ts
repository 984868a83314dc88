/**
 * Upload abuse (issue 18 §1) against the running app (see target.ts): uploads are rate-limited per
 * client address (a forged X-Forwarded-For changes nothing), uploading without the owner cookie does
 * not start a new visitor (with a fresh preview allowance) every time, and a stored upload is never
 * larger than the accepted limit.
 */
import { randomBytes } from "node:crypto";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateImage } from "@/lib/image/validate";
import { makeJpeg } from "../helpers/images";
import { openTarget, type Target } from "./target";

let target: Target;
let jpeg: Buffer;

const spoofed = () => `198.18.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

async function upload(headers: Record<string, string> = {}) {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(jpeg)], { type: "image/jpeg" }), "a.jpg");
  const response = await target.call("/api/assets", {
    method: "POST",
    body: form,
    headers: { "x-forwarded-for": spoofed(), ...headers },
  });
  const body = (await response.json()) as { error?: { code: string } };
  return {
    status: response.status,
    code: body.error?.code,
    cookie: (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "",
    retryAfter: response.headers.get("retry-after"),
  };
}

beforeAll(async () => {
  jpeg = await makeJpeg({ width: 40, height: 30 });
  target = await openTarget({
    UPLOAD_RATE_LIMIT_PER_MINUTE: "10",
    NEW_VISITORS_PER_HOUR: "3",
    SIGNING_SECRET: randomBytes(32).toString("hex"),
    TRUSTED_PROXIES: "",
  });
}, 180_000);

afterAll(async () => {
  await target?.close();
});

describe("uploads", () => {
  let cookie = "";

  it("uploading without the cookie it was given starts a new visitor at most NEW_VISITORS_PER_HOUR times", async () => {
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await upload());
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 429]);
    expect(results[3]!.code).toBe("rate_limited");
    expect(Number(results[3]!.retryAfter)).toBeGreaterThan(0);
    cookie = results[0]!.cookie;
    expect(cookie).toMatch(/^bd_owner=/);
    // Keeping the cookie is always fine: the same visitor uploads again.
    const again = await upload({ cookie });
    expect(again.status).toBe(201);
    expect(again.cookie).toBe("");
  });

  it("are rate-limited per client address, whatever X-Forwarded-For says", async () => {
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof upload>> | undefined;
    for (let i = 0; i < 12 && !limited; i++) {
      const result = await upload({ cookie });
      statuses.push(result.status);
      if (result.status === 429) limited = result;
    }
    expect(limited?.code).toBe("rate_limited");
    expect(Number(limited?.retryAfter)).toBeGreaterThan(0);
    expect(statuses.slice(0, -1).every((status) => status === 201)).toBe(true);
  });

  it("a stored upload is never larger than the accepted limit (re-encoding may not grow it past it)", async () => {
    // A photo-like PNG saved with strong compression: re-encoding it at a faster zlib level grows it.
    const width = 640;
    const height = 480;
    const raw = Buffer.alloc(width * height * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (Math.sin(i * 0.01) * 80 + (i % width) * 0.2 + 60) & 255;
    const png = await sharp(raw, { raw: { width, height, channels: 3 } })
      .png({ compressionLevel: 9, adaptiveFiltering: true })
      .toBuffer();
    const fast = await sharp(png).png({ compressionLevel: 4 }).toBuffer();
    expect(fast.length).toBeGreaterThan(png.length); // the case the limit must survive
    const stored = await validateImage(png, { maxBytes: png.length });
    expect(stored.bytes.length).toBeLessThanOrEqual(png.length);
    expect(stored).toMatchObject({ mime: "image/png", width, height });
  });
});
