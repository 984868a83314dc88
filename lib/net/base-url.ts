import "server-only";
import { getEnv } from "@/lib/env";

/** The public origin links are built on: PUBLIC_BASE_URL, else the request's own origin. */
export function publicOrigin(req?: Request | null): string {
  const configured = getEnv().PUBLIC_BASE_URL;
  if (configured) return configured.replace(/\/+$/, "");
  if (req) return new URL(req.url).origin;
  return `http://127.0.0.1:${getEnv().PORT}`;
}

export function absoluteUrl(pathOrUrl: string, origin: string): string {
  return /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${origin}${pathOrUrl.startsWith("/") ? "" : "/"}${pathOrUrl}`;
}
