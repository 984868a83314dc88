import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { SESSION_COOKIE, getAccountFromCookieValue, type SignedInAccount } from "./session";

/** The signed-in account of a page render, or null. */
export async function getPageAccount(): Promise<SignedInAccount | null> {
  const jar = await cookies();
  return getAccountFromCookieValue(jar.get(SESSION_COOKIE)?.value);
}

/** Server-side gate of the account pages: no session → the sign-in page, coming back here afterwards. */
export async function requireAccountPage(returnTo: string): Promise<SignedInAccount> {
  const signedIn = await getPageAccount();
  if (!signedIn) redirect(`/sign-in?returnTo=${encodeURIComponent(returnTo)}`);
  return signedIn;
}
