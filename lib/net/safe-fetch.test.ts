import http from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { isPublicAddress } from "./ip";
import { checkUrl, safeFetch, safeFetchImage, type Resolver } from "./safe-fetch";

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return (error as AppError).code;
}

/** A resolver that never touches DNS: `map` or a failure. */
function fakeResolver(map: Record<string, string[]>, seen: string[] = []): Resolver {
  return async (hostname) => {
    seen.push(hostname);
    const addresses = map[hostname];
    if (!addresses) throw Object.assign(new Error("ENOTFOUND"), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
}

describe("isPublicAddress", () => {
  it.each([
    ["127.0.0.1", false],
    ["10.0.0.1", false],
    ["172.16.5.4", false],
    ["172.32.0.1", true],
    ["192.168.1.1", false],
    ["100.64.0.1", false],
    ["169.254.169.254", false],
    ["0.0.0.0", false],
    ["224.0.0.1", false],
    ["255.255.255.255", false],
    ["8.8.8.8", true],
    ["93.184.216.34", true],
    ["::1", false],
    ["::", false],
    ["fc00::1", false],
    ["fd12:3456::1", false],
    ["fe80::1", false],
    ["ff02::1", false],
    ["::ffff:127.0.0.1", false],
    ["::ffff:7f00:1", false],
    ["::ffff:a9fe:a9fe", false],
    ["::ffff:8.8.8.8", false],
    ["2606:4700::1111", true],
    ["64:ff9b::7f00:1", false],
    ["not-an-ip", false],
  ])("%s → %s", (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe("checkUrl refuses before connecting", () => {
  const resolve = fakeResolver({
    "localtest.me": ["127.0.0.1"],
    "mixed.example": ["93.184.216.34", "10.1.2.3"],
    "public.example": ["93.184.216.34"],
  });
  it.each([
    "http://127.0.0.1/photo.jpg",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/photo.jpg",
    "http://10.0.0.1/photo.jpg",
    "http://2130706433/photo.jpg",
    "http://0177.0.0.1/photo.jpg",
    "http://0x7f.0.0.1/photo.jpg",
    "http://127.1/photo.jpg",
    "http://[::ffff:127.0.0.1]/photo.jpg",
    "http://[::ffff:169.254.169.254]/photo.jpg",
    "http://localtest.me/photo.jpg",
    "http://mixed.example/photo.jpg",
    "ftp://public.example/photo.jpg",
    "file:///etc/passwd",
    "http://user:pass@public.example/photo.jpg",
  ])("%s → url_not_allowed", async (url) => {
    expect(await codeOf(checkUrl(url, { resolve, allowlist: [] }))).toBe("url_not_allowed");
  });

  it("accepts a public name and pins the address it checked", async () => {
    const checked = await checkUrl("https://public.example/a.jpg", { resolve, allowlist: [] });
    expect(checked).toMatchObject({ address: "93.184.216.34", family: 4 });
  });

  it("reports an unknown host as url_fetch_failed", async () => {
    expect(await codeOf(checkUrl("http://nowhere.example/a.jpg", { resolve, allowlist: [] }))).toBe("url_fetch_failed");
  });
});

describe("safeFetch against a local server", () => {
  let server: http.Server;
  let port = 0;
  const hosts: string[] = [];
  beforeAll(async () => {
    const jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: "#88aaff" } })
      .jpeg()
      .toBuffer();
    server = http.createServer((req, res) => {
      hosts.push(req.headers.host ?? "");
      const redirects: Record<string, string> = {
        "/to-loopback": `http://localhost:${port}/photo.jpg`,
        "/to-metadata": "http://169.254.169.254/latest/meta-data/",
        "/hop1": "/hop2",
        "/hop2": "/hop3",
        "/hop3": "/hop4",
        "/hop4": "/photo.jpg",
        "/relative": "/photo.jpg",
      };
      const location = redirects[req.url ?? ""];
      if (location) return void res.writeHead(302, { location }).end();
      if (req.url === "/photo.jpg") return void res.writeHead(200, { "content-type": "image/jpeg" }).end(jpeg);
      if (req.url === "/big") return void res.writeHead(200).end(Buffer.alloc(5000));
      if (req.url === "/svg")
        return void res
          .writeHead(200, { "content-type": "image/svg+xml" })
          .end("<svg xmlns='http://www.w3.org/2000/svg'/>");
      if (req.url === "/hang") return; // never answers
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  const opts = () => ({
    allowlist: [`127.0.0.1:${port}`, `images.test:${port}`],
    resolve: fakeResolver({ localhost: ["127.0.0.1"], "images.test": ["127.0.0.1"] }),
  });

  it("fetches and validates an image from an allow-listed host, following a relative redirect", async () => {
    const image = await safeFetchImage(`http://127.0.0.1:${port}/relative`, opts());
    expect([image.mime, image.width, image.height]).toEqual(["image/jpeg", 40, 30]);
  });

  it("connects to the address it resolved and checked (no second DNS lookup)", async () => {
    const { bytes } = await safeFetch(`http://images.test:${port}/photo.jpg`, opts());
    expect(bytes.length).toBeGreaterThan(100);
    expect(hosts.at(-1)).toBe(`images.test:${port}`);
  });

  it("re-checks every redirect: to loopback by name, and to the metadata address", async () => {
    expect(await codeOf(safeFetch(`http://127.0.0.1:${port}/to-loopback`, opts()))).toBe("url_not_allowed");
    expect(await codeOf(safeFetch(`http://127.0.0.1:${port}/to-metadata`, opts()))).toBe("url_not_allowed");
  });

  it("stops after 3 redirects, past the size cap, after the time cap, and on non-images", async () => {
    expect(await codeOf(safeFetch(`http://127.0.0.1:${port}/hop1`, opts()))).toBe("url_fetch_failed");
    expect(await codeOf(safeFetch(`http://127.0.0.1:${port}/big`, { ...opts(), maxBytes: 1000 }))).toBe(
      "file_too_large",
    );
    expect(await codeOf(safeFetch(`http://127.0.0.1:${port}/hang`, { ...opts(), timeoutMs: 300 }))).toBe(
      "url_fetch_failed",
    );
    expect(await codeOf(safeFetch(`http://127.0.0.1:${port}/nothing`, opts()))).toBe("url_fetch_failed");
    expect(await codeOf(safeFetchImage(`http://127.0.0.1:${port}/svg`, opts()))).toBe("unsupported_media_type");
  });

  it("refuses the same local server when it is not allow-listed", async () => {
    expect(await codeOf(safeFetch(`http://127.0.0.1:${port}/photo.jpg`, { allowlist: [] }))).toBe("url_not_allowed");
  });
});
