import type { PrismaClient } from "@/generated/prisma/client";
import { SERVICES } from "@/lib/catalog/services";

/** Inserts the catalog's services that are missing; prices an admin changed are left alone. */
export async function seedCatalog(prisma: PrismaClient): Promise<void> {
  await prisma.service.createMany({
    data: Object.values(SERVICES).map((service) => ({
      id: service.id,
      name: service.name,
      action: service.action,
      description: service.description,
      priceMinor: service.defaultPriceMinor,
      currency: service.currency,
    })),
    skipDuplicates: true,
  });
}

/** The credit packs a new installation starts with: more edits, a lower price per edit. */
export const DEFAULT_CREDIT_PACKS = [
  { id: "pack_10", name: "10 edits", credits: 10, priceMinor: 180, sortOrder: 1 },
  { id: "pack_50", name: "50 edits", credits: 50, priceMinor: 750, sortOrder: 2 },
  { id: "pack_200", name: "200 edits", credits: 200, priceMinor: 2400, sortOrder: 3 },
] as const;

/** Inserts the default packs that are missing; packs an admin changed are left alone. */
export async function seedCreditPacks(prisma: PrismaClient): Promise<void> {
  await prisma.creditPack.createMany({
    data: DEFAULT_CREDIT_PACKS.map((pack) => ({ ...pack, currency: "USD" })),
    skipDuplicates: true,
  });
}
