import "server-only";
import { readCookie } from "@/lib/cookies";
import { hmac, safeEqual } from "@/lib/assets/signing";
import { newId } from "@/lib/ids";

/** The anonymous owner of a browser's photos and edits, kept in a signed httpOnly cookie. */
export const OWNER_COOKIE = "bd_owner";
const MAX_AGE_SECONDS = 365 * 24 * 3600;

export type Owner = { id: string; isNew: boolean };

export function parseOwnerCookie(value: string | undefined): string | null {
  if (!value) return null;
  const dot = value.lastIndexOf(".");
  if (dot <= 0) return null;
  const id = value.slice(0, dot);
  return safeEqual(hmac("owner", id), value.slice(dot + 1)) ? id : null;
}

/** The request's owner, or a new one (then `ownerCookie` must be set on the response). */
export function resolveOwner(req: Request): Owner {
  const id = parseOwnerCookie(readCookie(req, OWNER_COOKIE));
  return id ? { id, isNew: false } : { id: newId("own"), isNew: true };
}

export function ownerCookie(ownerId: string, secure: boolean): string {
  const value = `${ownerId}.${hmac("owner", ownerId)}`;
  return `${OWNER_COOKIE}=${value}; Path=/; Max-Age=${MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

/** Adds the owner cookie to a response when the owner is new. */
export function withOwnerCookie(response: Response, owner: Owner, req: Request): Response {
  if (owner.isNew) response.headers.append("Set-Cookie", ownerCookie(owner.id, new URL(req.url).protocol === "https:"));
  return response;
}
