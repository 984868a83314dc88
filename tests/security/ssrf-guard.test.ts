/**
 * The SSRF guard's decision for targets that must never receive a packet from a test (private,
 * link-local, cloud metadata, NAT64/6to4 wrappers) — checked with checkUrl(), which does no I/O
 * for IP literals and uses an injected resolver for names. Loopback probes through the real API
 * are in hostile-input.test.ts.
 */
import { describe, expect, it } from "vitest";
import { checkUrl, type Resolver } from "@/lib/net/safe-fetch";

const noDns: Resolver = async (hostname) => {
  throw new Error(`unexpected DNS lookup of ${hostname}`);
};

const refused = async (url: string, resolve: Resolver = noDns) => {
  try {
    await checkUrl(url, { resolve, allowlist: [] });
    return "allowed";
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
};

describe("SSRF guard: private and metadata targets (no packets sent)", () => {
  it.each([
    "http://10.0.0.1/x.jpg",
    "http://172.16.5.4/x.jpg",
    "http://192.168.1.1/x.jpg",
    "http://100.64.0.1/x.jpg",
    "http://169.254.169.254/latest/meta-data/",
    "http://2852039166/latest/meta-data/", // decimal 169.254.169.254
    "http://0251.0376.0251.0376/", // octal
    "http://0xa9fea9fe/", // hex
    "http://0xa9.0xfe.0xa9.0xfe/",
    "http://169.254.43518/", // 169.254.169.254 with a 16-bit last part
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[::169.254.169.254]/", // IPv4-compatible (deprecated)
    "http://[::ffff:8.8.8.8]/", // the whole IPv4-mapped range ::ffff:0:0/96, even wrapping a public address
    "http://[::ffff:5db8:d822]/",
    "http://[::ffff:0:5db8:d822]/", // IPv4-translated
    "http://[::5db8:d822]/", // IPv4-compatible, public inside
    "http://[64:ff9b::a9fe:a9fe]/", // NAT64
    "http://[2002:a9fe:a9fe::1]/", // 6to4
    "http://[fd00::1]/",
    "http://[fe80::1]/",
    "http://[fd00:ec2::254]/", // AWS IMDS over IPv6
    "http://0.0.0.0/",
    "http://[::]/",
    "http://224.0.0.1/",
    "http://255.255.255.255/",
  ])("%s → url_not_allowed", async (url) => {
    expect(await refused(url)).toBe("url_not_allowed");
  });

  it("names that resolve inward are refused, also when only one of several addresses is private", async () => {
    const resolver: Resolver = async (hostname) =>
      ({
        "metadata.google.internal": [{ address: "169.254.169.254", family: 4 }],
        "rebind.example": [
          { address: "93.184.216.34", family: 4 },
          { address: "10.0.0.7", family: 4 },
        ],
        "v6.example": [{ address: "fd12::1", family: 6 }],
        "mapped.example": [{ address: "::ffff:192.168.0.1", family: 6 }],
      })[hostname] ?? [];
    for (const host of ["metadata.google.internal", "rebind.example", "v6.example", "mapped.example"]) {
      expect({ host, code: await refused(`https://${host}/x.jpg`, resolver) }).toEqual({
        host,
        code: "url_not_allowed",
      });
    }
    // A name with no address is a fetch failure, not a crash.
    expect(await refused("https://nothing.example/x.jpg", resolver)).toBe("url_fetch_failed");
  });

  it("public addresses pass (the guard is not simply refusing everything)", async () => {
    expect(await refused("http://93.184.216.34/x.jpg")).toBe("allowed");
    expect(await refused("https://[2606:2800:220:1:248:1893:25c8:1946]/x.jpg")).toBe("allowed");
    const resolver: Resolver = async () => [{ address: "151.101.1.69", family: 4 }];
    expect(await refused("https://images.example/x.jpg", resolver)).toBe("allowed");
  });

  it("the test allowlist is exact: host:port entries do not open other ports or hosts", async () => {
    const check = (url: string) =>
      checkUrl(url, { resolve: noDns, allowlist: ["127.0.0.1:4555"] }).then(
        () => "allowed",
        (e: { code?: string }) => e.code,
      );
    expect(await check("http://127.0.0.1:4555/x.jpg")).toBe("allowed");
    expect(await check("http://127.0.0.1:4556/x.jpg")).toBe("url_not_allowed");
    expect(await check("http://127.0.0.2:4555/x.jpg")).toBe("url_not_allowed");
  });
});
