import "server-only";
import type { Account } from "@/generated/prisma/client";
import { deleteAssetBytes } from "@/lib/assets/assets";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { isWellFormedId } from "@/lib/ids";
import { logger } from "@/lib/logger";
import { resolveOwner, type Owner } from "@/lib/owner";
import { getRequestAccount, type SignedInAccount } from "./session";

/**
 * Moves an anonymous browser owner's photos, edits, batches and payments to the account (whose id
 * is then their owner), so they show in the account's history on every device. Idempotent.
 * Returns how many edits were claimed.
 */
export async function claimOwnerEdits(params: { accountId: string; ownerId: string }): Promise<number> {
  if (params.ownerId === params.accountId || !isWellFormedId(params.ownerId, "own")) return 0;
  const db = await getDb();
  const [jobs] = await db.$transaction([
    db.job.updateMany({ where: { ownerId: params.ownerId }, data: { ownerId: params.accountId } }),
    db.asset.updateMany({ where: { ownerId: params.ownerId }, data: { ownerId: params.accountId } }),
    db.batch.updateMany({ where: { ownerId: params.ownerId }, data: { ownerId: params.accountId } }),
    db.payment.updateMany({ where: { ownerId: params.ownerId }, data: { ownerId: params.accountId } }),
  ]);
  return jobs.count;
}

export type RequestOwner = Owner & { signedIn: SignedInAccount | null };

/**
 * Whose photos and edits a browser request makes: the signed-in account (the same on every
 * device), else the anonymous owner cookie (`isNew` = the cookie must be set on the answer).
 */
export async function resolveRequestOwner(req: Request): Promise<RequestOwner> {
  const signedIn = await getRequestAccount(req);
  if (signedIn) return { id: signedIn.account.id, isNew: false, signedIn };
  return { ...resolveOwner(req), signedIn: null };
}

async function getAccountOrThrow(id: string): Promise<Account> {
  const db = await getDb();
  const account = isWellFormedId(id, "acc") ? await db.account.findUnique({ where: { id } }) : null;
  if (!account) throw new AppError("account_not_found", "No account with this id.");
  return account;
}

/**
 * "Delete my account": every photo's bytes are deleted, sessions, sign-in links and API keys go,
 * and the email address is removed. What the ledger needs stays, anonymous: the account row (now
 * without email), its top-ups (receipts are accounting records) and credit entries, and the jobs
 * they refer to (with their inputs' parameters cleared). Credits left are forfeited.
 */
export async function deleteAccount(params: { accountId: string }): Promise<{ deletedFiles: number }> {
  const db = await getDb();
  const account = await getAccountOrThrow(params.accountId);
  if (account.deletedAt) return { deletedFiles: 0 };
  const jobs = await db.job.findMany({
    where: { ownerId: account.id },
    select: { inputAssetIds: true, resultAssetId: true, maskAssetId: true },
  });
  const jobAssetIds = jobs
    .flatMap((job) => [...job.inputAssetIds, job.resultAssetId, job.maskAssetId])
    .filter((id): id is string => Boolean(id));
  const assets = await db.asset.findMany({
    where: { deletedAt: null, OR: [{ ownerId: account.id }, { id: { in: jobAssetIds } }] },
  });
  let deletedFiles = 0;
  for (const asset of assets) {
    await deleteAssetBytes(asset);
    deletedFiles += 1;
  }
  const email = account.email;
  await db.$transaction([
    db.accountSession.deleteMany({ where: { accountId: account.id } }),
    db.apiKey.deleteMany({ where: { accountId: account.id } }),
    ...(email ? [db.loginToken.deleteMany({ where: { email } })] : []),
    db.asset.updateMany({ where: { ownerId: account.id }, data: { fileName: null } }),
    db.job.updateMany({ where: { ownerId: account.id }, data: { params: {}, errorMessage: null } }),
    db.creditTopup.updateMany({ where: { accountId: account.id }, data: { payer: null } }),
    db.account.update({ where: { id: account.id }, data: { email: null, deletedAt: new Date() } }),
  ]);
  logger.info("account deleted", { accountId: account.id, deletedFiles });
  return { deletedFiles };
}
