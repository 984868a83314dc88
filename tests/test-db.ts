import { randomBytes } from "node:crypto";
import pg from "pg";
import { seedCatalog } from "@/lib/catalog/seed";
import { createDb as openDb, setDbHandleForTests, type DbHandle, type CreateDbOptions } from "@/lib/db";

/** A migrated test database with the catalog seeded, as a booted server has it. */
async function createDb(options: CreateDbOptions): Promise<DbHandle> {
  const handle = await openDb(options);
  await seedCatalog(handle.prisma);
  return handle;
}

export type TestDbTarget = { name: string; open: () => Promise<{ handle: DbHandle; dispose: () => Promise<void> }> };

/**
 * The databases integration tests run against: embedded PGlite always, and a Postgres server
 * when TEST_DATABASE_URL is set (a fresh database per test file, dropped afterwards).
 */
export function testDbTargets(): TestDbTarget[] {
  const targets: TestDbTarget[] = [
    {
      name: "pglite",
      open: async () => {
        const handle = await createDb({ dataDir: "memory://" });
        return { handle, dispose: () => handle.close() };
      },
    },
  ];
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    targets.push({
      name: "postgres",
      open: async () => {
        const dbName = `bd_test_${randomBytes(6).toString("hex")}`;
        const admin = new pg.Client({ connectionString: serverUrl });
        await admin.connect();
        await admin.query(`CREATE DATABASE ${dbName}`);
        await admin.end();
        const url = new URL(serverUrl);
        url.pathname = `/${dbName}`;
        const handle = await createDb({ url: url.toString() });
        return {
          handle,
          dispose: async () => {
            await handle.close();
            const cleanup = new pg.Client({ connectionString: serverUrl });
            await cleanup.connect();
            await cleanup.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
            await cleanup.end();
          },
        };
      },
    });
  }
  return targets;
}

/** Opens a target and makes it the database of `getDb()` for the current test file. */
export async function useTestDb(target: TestDbTarget) {
  const opened = await target.open();
  setDbHandleForTests(opened.handle);
  return {
    handle: opened.handle,
    dispose: async () => {
      setDbHandleForTests(null);
      await opened.dispose();
    },
  };
}
