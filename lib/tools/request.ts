import "server-only";
import { readCookie } from "@/lib/cookies";
import { apiKeyFrom, authenticateApiKey } from "@/lib/accounts/api-keys";
import type { CreditPayer } from "@/lib/billing/credits";
import { getEnv } from "@/lib/env";
import { getRequestAccount } from "@/lib/accounts/session";
import type { Caller } from "@/lib/assets/ownership";
import { callerFrom } from "@/lib/billing/caller";
import { parseOwnerCookie, OWNER_COOKIE } from "@/lib/owner";
import { PAYMENT_HEADER } from "./api";

/** The payment token of a tool call: `X-Payment-Token`, else `Authorization: Bearer bdp_…`. */
export function paymentTokenFrom(req: Request): string | null {
  const header = req.headers.get(PAYMENT_HEADER)?.trim();
  if (header) return header;
  const auth = req.headers.get("authorization")?.trim();
  if (auth?.toLowerCase().startsWith("bearer bdp_")) return auth.slice(7).trim();
  return null;
}

/** How long this call may wait for its result: `Prefer: wait=N` or `?wait=N` (seconds), capped by API_WAIT_SECONDS. */
export function waitMsFrom(req: Request): number {
  const max = getEnv().API_WAIT_SECONDS;
  const prefer = /(?:^|[,;\s])wait=(\d+(?:\.\d+)?)/i.exec(req.headers.get("prefer") ?? "")?.[1];
  const query = new URL(req.url).searchParams.get("wait");
  const asked = Number(prefer ?? query ?? NaN);
  return Math.round((Number.isFinite(asked) && asked >= 0 ? Math.min(asked, max) : max) * 1000);
}

/** The browser's anonymous owner when the request carries the cookie (API clients usually don't). */
export function existingOwnerId(req: Request): string | null {
  return parseOwnerCookie(readCookie(req, OWNER_COOKIE));
}

/**
 * The account an API call pays with, from `Authorization: Bearer bdk_…`: its credits pay and the
 * account owns the photos and edits. Null without a key; 401 for an unknown or revoked key.
 */
export async function creditCallerFrom(req: Request): Promise<{ payer: CreditPayer; ownerId: string } | null> {
  const key = apiKeyFrom(req);
  if (!key) return null;
  const caller = await authenticateApiKey(key);
  return { payer: { accountId: caller.accountId, apiKeyId: caller.apiKeyId }, ownerId: caller.accountId };
}

/**
 * Everyone a request may act for when it reads a job (owner cookie, signed-in account, API key's
 * account, payment token): the job view shows the input photo only to its owner.
 */
export async function requestCaller(req: Request): Promise<Caller> {
  const key = apiKeyFrom(req);
  const keyAccount = key
    ? await authenticateApiKey(key).then(
        (caller) => caller.accountId,
        () => null,
      )
    : null;
  const signedIn = await getRequestAccount(req);
  return callerFrom({
    ownerId: existingOwnerId(req),
    paymentToken: paymentTokenFrom(req),
    extraOwnerIds: [keyAccount, signedIn?.account.id],
  });
}
