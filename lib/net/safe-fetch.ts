import "server-only";
import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { getEnv } from "@/lib/env";
import { AppError, isAppError } from "@/lib/errors";
import { validateImage, type ValidatedImage } from "@/lib/image/validate";
import { MAX_UPLOAD_BYTES } from "@/lib/image/options";
import { isPublicAddress } from "./ip";

export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export type SafeFetchOptions = {
  maxBytes?: number;
  timeoutMs?: number;
  maxRedirects?: number;
  /** DNS resolution (injectable for tests). */
  resolve?: Resolver;
  /** host or host:port entries that may be private (tests only; defaults to URL_FETCH_ALLOWLIST). */
  allowlist?: string[];
  signal?: AbortSignal;
};

const defaultResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

function refuse(message: string): AppError {
  return new AppError("url_not_allowed", message);
}

/**
 * Checks a URL and decides which address to connect to. WHATWG parsing has already normalised
 * decimal/octal/hex IPv4 spellings (`http://2130706433/` → 127.0.0.1), so the checks below see
 * the real address. Every resolved address must be public, not just the first.
 */
export async function checkUrl(
  rawUrl: string,
  options: Pick<SafeFetchOptions, "resolve" | "allowlist"> = {},
): Promise<{ url: URL; address: string; family: number }> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw refuse("The image URL is not a valid URL.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw refuse("Only http and https image URLs are fetched.");
  if (url.username || url.password) throw refuse("Image URLs with a user name or password are not fetched.");
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const allowlist = options.allowlist ?? getEnv().URL_FETCH_ALLOWLIST;
  const allowed = allowlist.includes(url.host.toLowerCase()) || allowlist.includes(hostname.toLowerCase());

  let addresses: Array<{ address: string; family: number }>;
  if (isIP(hostname)) {
    addresses = [{ address: hostname, family: isIP(hostname) }];
  } else {
    try {
      addresses = await (options.resolve ?? defaultResolver)(hostname);
    } catch {
      throw new AppError("url_fetch_failed", `The image host ${hostname} could not be found.`);
    }
    if (addresses.length === 0) throw new AppError("url_fetch_failed", `The image host ${hostname} has no address.`);
  }
  if (!allowed) {
    const blocked = addresses.find((entry) => !isPublicAddress(entry.address));
    if (blocked)
      throw refuse(
        `The image URL points to a private or reserved address (${hostname}); only public hosts are fetched.`,
      );
  }
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family };
}

type Hop = { status: number; location: string | null; body: Buffer | null };

/** One request to a checked, pinned address (the connection cannot be re-resolved elsewhere). */
function requestOnce(params: {
  url: URL;
  address: string;
  family: number;
  maxBytes: number;
  signal: AbortSignal;
}): Promise<Hop> {
  const { url, address, family } = params;
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
        { address, family },
      ]);
    else callback(null, address, family);
  };
  const client = url.protocol === "https:" ? https : http;
  return new Promise<Hop>((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: "GET",
        lookup: pinned,
        signal: params.signal,
        headers: {
          "User-Agent": "Backdrop-ImageFetcher/1.0",
          Accept: "image/jpeg,image/png,image/webp;q=0.9,*/*;q=0.1",
        },
        agent: false,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          res.resume();
          resolve({ status, location: res.headers.location ?? null, body: null });
          return;
        }
        if (status < 200 || status >= 300) {
          res.resume();
          reject(new AppError("url_fetch_failed", `The image URL answered HTTP ${status}.`));
          return;
        }
        const declared = Number(res.headers["content-length"] ?? "NaN");
        if (Number.isFinite(declared) && declared > params.maxBytes) {
          res.destroy();
          reject(
            new AppError(
              "file_too_large",
              `The image at the URL is larger than ${Math.round(params.maxBytes / 1048576)} MB.`,
            ),
          );
          return;
        }
        const chunks: Buffer[] = [];
        let total = 0;
        res.on("data", (chunk: Buffer) => {
          total += chunk.length;
          if (total > params.maxBytes) {
            res.destroy();
            reject(
              new AppError(
                "file_too_large",
                `The image at the URL is larger than ${Math.round(params.maxBytes / 1048576)} MB.`,
              ),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () => resolve({ status, location: null, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/**
 * Fetches an image URL with an SSRF guard: http(s) only, every resolved address public (unless
 * allow-listed for tests), the connection pinned to the checked address (no DNS rebinding),
 * redirects followed by hand (max 3) and checked again, size (MAX_UPLOAD_BYTES) and 15 s caps.
 */
export async function safeFetch(
  rawUrl: string,
  options: SafeFetchOptions = {},
): Promise<{ bytes: Buffer; finalUrl: string }> {
  const maxBytes = options.maxBytes ?? MAX_UPLOAD_BYTES;
  const maxRedirects = options.maxRedirects ?? 3;
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 15_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let current = rawUrl;
  for (let hop = 0; hop <= maxRedirects; hop++) {
    const target = await checkUrl(current, options);
    let result: Hop;
    try {
      result = await requestOnce({ ...target, maxBytes, signal });
    } catch (error) {
      if (isAppError(error)) throw error;
      if (timeout.aborted)
        throw new AppError("url_fetch_failed", "The image URL did not answer within 15 seconds.", { retryable: false });
      throw new AppError(
        "url_fetch_failed",
        `The image URL could not be fetched (${(error as NodeJS.ErrnoException).code ?? "network error"}).`,
        { cause: error },
      );
    }
    if (result.body) return { bytes: result.body, finalUrl: target.url.toString() };
    if (!result.location)
      throw new AppError("url_fetch_failed", `The image URL answered HTTP ${result.status} without a Location.`);
    current = new URL(result.location, target.url).toString();
  }
  throw new AppError("url_fetch_failed", `The image URL redirected more than ${maxRedirects} times.`);
}

/** safeFetch + the same content validation as uploads. */
export async function safeFetchImage(rawUrl: string, options: SafeFetchOptions = {}): Promise<ValidatedImage> {
  const { bytes } = await safeFetch(rawUrl, options);
  return validateImage(bytes);
}
