import "server-only";
import { cookies } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { isAppError, type ErrorCode } from "@/lib/errors";
import { ADMIN_COOKIE, getAdminFromCookieValue, type AdminIdentity } from "./auth";

/** The signed-in admin of a page render, or null. */
export async function getPageAdmin(): Promise<AdminIdentity | null> {
  const jar = await cookies();
  return getAdminFromCookieValue(jar.get(ADMIN_COOKIE)?.value);
}

/** Server-side gate of every console page: no session → /admin/login. */
export async function requireAdminPage(): Promise<AdminIdentity> {
  const admin = await getPageAdmin();
  if (!admin) redirect("/admin/login");
  return admin;
}

/** Loads a detail page's record; the given not-found code becomes the 404 page. */
export async function loadOrNotFound<T>(load: () => Promise<T>, notFoundCode: ErrorCode): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isAppError(error) && error.code === notFoundCode) notFound();
    throw error;
  }
}
