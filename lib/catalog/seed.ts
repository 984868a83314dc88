import "server-only";
import { type Db, getDb } from "@/lib/db";
import { SERVICES } from "./services";

/** Inserts the catalog's services and credit packs that are missing; prices an admin changed are left alone. */
export async function seedCatalog(db: Db): Promise<void> {
  await db.service.createMany({
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
  await db.creditPack.createMany({
    data: DEFAULT_CREDIT_PACKS.map((pack) => ({ ...pack, currency: "USD" })),
    skipDuplicates: true,
  });
}

/** The credit packs a new installation starts with: more edits, a lower price per edit (edited by admins). */
const DEFAULT_CREDIT_PACKS = [
  { id: "pack_10", name: "10 edits", credits: 10, priceMinor: 180, sortOrder: 1 },
  { id: "pack_50", name: "50 edits", credits: 50, priceMinor: 750, sortOrder: 2 },
  { id: "pack_200", name: "200 edits", credits: 200, priceMinor: 2400, sortOrder: 3 },
] as const;

const seeded = new WeakMap<Db, Promise<void>>();

/**
 * This process's database with the catalog's rows in it: the first call per database client seeds
 * the services (jobs and payments reference them), later calls only wait for that.
 */
export async function getCatalogDb(): Promise<Db> {
  const db = await getDb();
  let pending = seeded.get(db);
  if (!pending) {
    pending = seedCatalog(db);
    seeded.set(db, pending);
    pending.catch(() => seeded.delete(db));
  }
  await pending;
  return db;
}
