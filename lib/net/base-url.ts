import "server-only";
import { getEnv } from "@/lib/env";

const HOST_HEADER = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The public origin links are built on: PUBLIC_BASE_URL, else the origin the client used. `next
 * start` reports `localhost` in `req.url` whatever the client typed, so the Host header decides
 * (when it is a plain host[:port]): a Checkout return to `localhost` would land on another origin
 * than `127.0.0.1` and lose the browser's saved pending edit.
 */
export function publicOrigin(req?: Request | null): string {
  const configured = getEnv().PUBLIC_BASE_URL;
  if (configured) return configured.replace(/\/+$/, "");
  if (req) {
    const url = new URL(req.url);
    const host = req.headers.get("host");
    return host && HOST_HEADER.test(host) ? `${url.protocol}//${host}` : url.origin;
  }
  return `http://127.0.0.1:${getEnv().PORT}`;
}

export function absoluteUrl(pathOrUrl: string, origin: string): string {
  return /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${origin}${pathOrUrl.startsWith("/") ? "" : "/"}${pathOrUrl}`;
}
