import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
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
