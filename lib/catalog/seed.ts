import "server-only";
import { type Db, getDb } from "@/lib/db";
import { SERVICES } from "./services";

/** Inserts the catalog's services that are missing; prices an admin changed are left alone. */
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
}

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
