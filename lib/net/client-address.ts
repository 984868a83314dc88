import { isIP } from "node:net";
import { getEnv } from "@/lib/env";
import { expandV6 } from "./ip";

/**
 * The header that carries the TCP peer's address into route handlers. The web process stamps it on
 * every incoming request from the socket (`installPeerAddressHeader`), overwriting whatever a client
 * sent under that name, so it cannot be forged. `X-Forwarded-For` is only believed for hops that are
 * listed in TRUSTED_PROXIES.
 */
export const PEER_HEADER = "x-backdrop-peer";

/** A parsed TRUSTED_PROXIES entry: one address or a CIDR range, IPv4 or IPv6. */
type ProxyRange = { family: 4 | 6; groups: number[]; bits: number };

/** `::ffff:a.b.c.d` → `a.b.c.d`; lower-case, zone and brackets dropped; "" when not an IP address. */
function normalizeAddress(raw: string | null | undefined): string {
  let text = (raw ?? "").trim();
  if (text.startsWith("[")) text = text.slice(1, text.indexOf("]") > 0 ? text.indexOf("]") : undefined);
  text = text.split("%")[0] ?? "";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  if (mapped?.[1]) text = mapped[1];
  // "1.2.3.4:5678" (some proxies append the port)
  const v4Port = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(text);
  if (v4Port?.[1]) text = v4Port[1];
  return isIP(text) ? text.toLowerCase() : "";
}

function toGroups(address: string): { family: 4 | 6; groups: number[] } {
  if (isIP(address) === 4) return { family: 4, groups: address.split(".").map(Number) };
  return { family: 6, groups: expandV6(address) };
}

/** Parses `10.0.0.0/8, 127.0.0.1, ::1, fd00::/8`; throws on an entry that is not an address or range. */
function parseProxyRanges(value: string): ProxyRange[] {
  return value
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((entry) => {
      const [address = "", bitsText] = entry.split("/");
      const normalized = normalizeAddress(address);
      if (!normalized) throw new Error(`"${entry}" is not an IP address or CIDR range`);
      const { family, groups } = toGroups(normalized);
      const max = family === 4 ? 32 : 128;
      const bits = bitsText === undefined ? max : Number(bitsText);
      if (!Number.isInteger(bits) || bits < 0 || bits > max) throw new Error(`"${entry}" has a bad prefix length`);
      return { family, groups, bits };
    });
}

function inRange(address: string, range: ProxyRange): boolean {
  const { family, groups } = toGroups(address);
  if (family !== range.family) return false;
  const width = family === 4 ? 8 : 16;
  for (let i = 0; i < groups.length; i++) {
    const take = Math.max(0, Math.min(width, range.bits - i * width));
    if (take === 0) return true;
    const mask = ((1 << width) - 1) & ~((1 << (width - take)) - 1);
    if (((groups[i] ?? 0) & mask) !== ((range.groups[i] ?? 0) & mask)) return false;
  }
  return true;
}

/**
 * The client's address: the TCP peer, unless the peer is a trusted proxy; then `X-Forwarded-For`
 * is read from the right, skipping trusted hops, and the first untrusted hop is the client. Entries
 * left of it were written by the client and are ignored. "unknown" when there is no peer address
 * (a request that did not come through the web server's socket).
 */
function resolveClientAddress(params: {
  peer: string | null | undefined;
  forwardedFor: string | null | undefined;
  trusted: ProxyRange[];
}): string {
  const peer = normalizeAddress(params.peer);
  if (!peer) return "unknown";
  const isTrusted = (address: string) => params.trusted.some((range) => inRange(address, range));
  if (!isTrusted(peer)) return peer;
  const hops = (params.forwardedFor ?? "")
    .split(",")
    .map((hop) => normalizeAddress(hop))
    .filter(Boolean);
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    client = hops[i]!;
    if (!isTrusted(client)) break;
  }
  return client;
}

let parsed: { source: string[]; ranges: ProxyRange[] } | undefined;

/**
 * The client's address, for every per-address limit: the socket's peer (stamped by the web server,
 * see peer-header.ts); `X-Forwarded-For` only counts for hops listed in TRUSTED_PROXIES.
 */
export function clientIp(req: Request): string {
  const source = getEnv().TRUSTED_PROXIES;
  if (parsed?.source !== source) parsed = { source, ranges: parseProxyRanges(source.join(",")) };
  return resolveClientAddress({
    peer: req.headers.get(PEER_HEADER),
    forwardedFor: req.headers.get("x-forwarded-for"),
    trusted: parsed.ranges,
  });
}
