import { isIP } from "node:net";

/** IPv4 ranges that are never a public image host. */
const BLOCKED_V4: Array<[string, number]> = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // CGNAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
];

/** IPv6 ranges (prefix of the 8 groups) that are never public. IPv4-mapped/compatible are unwrapped first. */
const BLOCKED_V6: Array<[string, number]> = [
  ["::", 128],
  ["::1", 128],
  ["::", 96], // IPv4-compatible (deprecated)
  ["::ffff:0:0", 96], // IPv4-mapped: an outbound connection goes to IPv4 addresses by their own spelling
  ["::ffff:0:0:0", 96], // IPv4-translated (SIIT)
  ["64:ff9b::", 96], // NAT64
  ["64:ff9b:1::", 48],
  ["100::", 64], // discard
  ["2001::", 32], // Teredo
  ["2001:db8::", 32], // documentation
  ["2002::", 16], // 6to4 (may wrap any IPv4)
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local
  ["ff00::", 8], // multicast
];

function v4ToInt(address: string): number {
  return address.split(".").reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
}

function inV4(address: string, [base, bits]: [string, number]): boolean {
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (v4ToInt(address) & mask) === (v4ToInt(base) & mask);
}

/** Expands any IPv6 spelling (incl. `::` and a trailing dotted IPv4) to 8 numbers. */
export function expandV6(address: string): number[] {
  let text = address.toLowerCase().split("%")[0] ?? "";
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const n = v4ToInt(dotted[1]);
    text = text.slice(0, -dotted[1].length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const headParts = head ? head.split(":") : [];
  const tailParts = tail ? tail.split(":") : [];
  const fill = tail === undefined ? 0 : 8 - headParts.length - tailParts.length;
  return [...headParts, ...Array.from({ length: fill }, () => "0"), ...tailParts].map((part) =>
    Number.parseInt(part || "0", 16),
  );
}

function inV6(groups: number[], [base, bits]: [string, number]): boolean {
  const baseGroups = expandV6(base);
  for (let i = 0; i < 8; i++) {
    const take = Math.max(0, Math.min(16, bits - i * 16));
    if (take === 0) return true;
    const mask = (0xffff << (16 - take)) & 0xffff;
    if (((groups[i] ?? 0) & mask) !== ((baseGroups[i] ?? 0) & mask)) return false;
  }
  return true;
}

/**
 * Whether an IP address may be fetched from: false for loopback, private, CGNAT, link-local
 * (metadata), multicast, reserved, and for every IPv6 range that wraps an IPv4 address (mapped
 * `::ffff:0:0/96`, compatible `::/96`, translated, NAT64, 6to4): a public host is reached by its
 * IPv4 address, never through a wrapper that some stacks route elsewhere.
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address.split("%")[0] ?? "");
  if (family === 4) return !BLOCKED_V4.some((range) => inV4(address, range));
  if (family !== 6) return false;
  const groups = expandV6(address);
  return !BLOCKED_V6.some((range) => inV6(groups, range));
}
