import "server-only";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaClient } from "@/generated/prisma/client";
import { getEnv } from "@/lib/env";
import { applyMigrations, type SqlRunner } from "./migrate";

export type Db = PrismaClient;

export type DbHandle = {
  prisma: PrismaClient;
  kind: "embedded" | "server";
  /** Where the data lives, for the health check (a directory, or the server's host/database). */
  location: string;
  close(): Promise<void>;
};

export type CreateDbOptions =
  /** A Postgres server. */
  | { url: string }
  /** Embedded Postgres (PGlite) in a directory, or in memory when `dataDir` is `memory://`. */
  | { dataDir: string };

/**
 * Opens the database and applies the checked-in migrations (the catalog seeds its own rows: lib/catalog/seed.ts).
 * The same code serves embedded PGlite (default) and a Postgres server (`DATABASE_URL`).
 */
export async function createDb(options: CreateDbOptions): Promise<DbHandle> {
  if ("url" in options) {
    const pg = await import("pg");
    const { PrismaPg } = await import("@prisma/adapter-pg");
    const client = new pg.default.Client({ connectionString: options.url });
    await client.connect();
    try {
      await applyMigrations({
        exec: async (sql) => void (await client.query(sql)),
        query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
      });
    } finally {
      await client.end();
    }
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: options.url, max: 10 }) });
    const { hostname, pathname } = new URL(options.url);
    return { prisma, kind: "server", location: `${hostname}${pathname}`, close: () => prisma.$disconnect() };
  }

  const { PGlite } = await import("@electric-sql/pglite");
  const { PrismaPGlite } = await import("pglite-prisma-adapter");
  const isMemory = options.dataDir.startsWith("memory://");
  if (!isMemory) await mkdir(options.dataDir, { recursive: true });
  const pglite = isMemory ? new PGlite() : new PGlite(options.dataDir);
  await pglite.waitReady;
  const runner: SqlRunner = {
    exec: async (sql) => void (await pglite.exec(sql)),
    query: async <T>(sql: string, params?: unknown[]) => (await pglite.query<T>(sql, params)).rows,
  };
  await applyMigrations(runner);
  // The adapter is typed against an older @prisma/driver-adapter-utils; the runtime contract is the same.
  const adapter = new PrismaPGlite(pglite) as unknown as SqlDriverAdapterFactory;
  const prisma = new PrismaClient({ adapter });
  return {
    prisma,
    kind: "embedded",
    location: isMemory ? "memory" : options.dataDir,
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

const globalForDb = globalThis as unknown as { backdropDb?: Promise<DbHandle> };

/** This process's database (one per process, kept across dev-mode hot reloads). */
export function getDbHandle(): Promise<DbHandle> {
  globalForDb.backdropDb ??= (() => {
    const env = getEnv();
    const pending = env.DATABASE_URL
      ? createDb({ url: env.DATABASE_URL })
      : createDb({ dataDir: path.resolve(env.DATA_DIR, "db") });
    // A failed start must not be cached forever: the next request tries again.
    pending.catch(() => {
      globalForDb.backdropDb = undefined;
    });
    return pending;
  })();
  return globalForDb.backdropDb;
}

export async function getDb(): Promise<Db> {
  return (await getDbHandle()).prisma;
}

/** Tests only: make getDb()/getDbHandle() return this handle (or forget it with `null`). */
export function setDbHandleForTests(handle: DbHandle | null): void {
  globalForDb.backdropDb = handle ? Promise.resolve(handle) : undefined;
}
