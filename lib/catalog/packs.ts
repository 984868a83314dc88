import "server-only";
import type { CreditPack } from "@/generated/prisma/client";
import { AppError } from "@/lib/errors";
import { formatPrice } from "@/lib/utils";
import { getCatalogDb } from "./seed";

export type PublicPack = {
  id: string;
  name: string;
  credits: number;
  priceMinor: number;
  currency: string;
  display: string;
  /** Price of one edit in this pack, e.g. "$0.15". */
  perEdit: string;
  enabled: boolean;
};

export function toPublicPack(pack: CreditPack): PublicPack {
  return {
    id: pack.id,
    name: pack.name,
    credits: pack.credits,
    priceMinor: pack.priceMinor,
    currency: pack.currency,
    display: formatPrice(pack.priceMinor, pack.currency),
    perEdit: formatPrice(pack.priceMinor / pack.credits, pack.currency),
    enabled: pack.enabled,
  };
}

export async function listPacks(options: { includeDisabled?: boolean } = {}): Promise<CreditPack[]> {
  const db = await getCatalogDb();
  return db.creditPack.findMany({
    where: options.includeDisabled ? {} : { enabled: true },
    orderBy: [{ sortOrder: "asc" }, { credits: "asc" }],
  });
}

export async function getPackOrThrow(id: string): Promise<CreditPack> {
  const db = await getCatalogDb();
  const pack = /^[a-z0-9_-]{1,40}$/.test(id) ? await db.creditPack.findUnique({ where: { id } }) : null;
  if (!pack || !pack.enabled) throw new AppError("pack_not_found", `No credit pack "${id}" on sale.`);
  return pack;
}
