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
