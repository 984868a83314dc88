import "server-only";
import { type Caller } from "@/lib/assets/ownership";
import { getDb } from "@/lib/db";
import { hashPaymentToken, isWellFormedToken } from "./tokens";

/** The payment a token belongs to (without reserving it); null for an unknown or malformed token. */
export async function paymentIdForToken(token: string | null | undefined): Promise<string | null> {
  if (!token || !isWellFormedToken(token)) return null;
  const db = await getDb();
  const payment = await db.payment.findUnique({ where: { tokenHash: hashPaymentToken(token) }, select: { id: true } });
  return payment?.id ?? null;
}

export async function callerFrom(params: {
  ownerId?: string | null;
  paymentToken?: string | null;
  extraOwnerIds?: Array<string | null | undefined>;
}): Promise<Caller> {
  const paymentId = await paymentIdForToken(params.paymentToken);
  const ids = [params.ownerId, paymentId, ...(params.extraOwnerIds ?? [])].filter((id): id is string => Boolean(id));
  return { ownerIds: [...new Set(ids)] };
}
