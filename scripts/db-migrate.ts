// npm run db:migrate – apply the checked-in migrations (and seed the catalog) on DATABASE_URL,
// or on the embedded database in DATA_DIR when DATABASE_URL is unset.
import path from "node:path";
import { seedCatalog } from "../lib/catalog/seed";
import { createDb } from "../lib/db";
import { getEnv } from "../lib/env";

const env = getEnv();
const handle = env.DATABASE_URL
  ? await createDb({ url: env.DATABASE_URL })
  : await createDb({ dataDir: path.resolve(env.DATA_DIR, "db") });
await seedCatalog(handle.prisma);
console.log(`migrations applied and catalog seeded (${handle.kind}: ${handle.location})`);
await handle.close();
