import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterEach, describe, expect, it } from "vitest";
import { applyMigrations, readMigrations, type SqlRunner } from "./migrate";

function runnerFor(pglite: PGlite): SqlRunner {
  return {
    exec: async (sql) => void (await pglite.exec(sql)),
    query: async <T>(sql: string, params?: unknown[]) => (await pglite.query<T>(sql, params)).rows,
  };
}

const scratch: string[] = [];
afterEach(async () => {
  await Promise.all(scratch.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("applyMigrations", () => {
  it("creates every table once and records each migration the way Prisma does", async () => {
    const pglite = new PGlite();
    const first = await applyMigrations(runnerFor(pglite));
    expect(first).toEqual((await readMigrations()).map((migration) => migration.name));
    expect(await applyMigrations(runnerFor(pglite))).toEqual([]);

    const tables = await pglite.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
    );
    expect(tables.rows.map((row) => row.tablename)).toEqual(
      expect.arrayContaining([
        "Asset",
        "Job",
        "Payment",
        "LedgerEntry",
        "ProviderCall",
        "Batch",
        "Service",
        "_prisma_migrations",
      ]),
    );
    const recorded = await pglite.query<{ checksum: string; applied_steps_count: number }>(
      `SELECT checksum, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(recorded.rows.map((row) => row.checksum)).toEqual(
      (await readMigrations()).map((migration) => migration.checksum),
    );
    await pglite.close();
  });

  it("refuses to start when an applied migration was edited afterwards", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "bd-migrations-"));
    scratch.push(dir);
    await cp(path.join(process.cwd(), "prisma", "migrations"), dir, { recursive: true });
    const pglite = new PGlite();
    await applyMigrations(runnerFor(pglite), dir);
    const [first] = await readMigrations(dir);
    await writeFile(path.join(dir, first!.name, "migration.sql"), `${first!.sql}\n-- edited`);
    await expect(applyMigrations(runnerFor(pglite), dir)).rejects.toThrow(/edited after it was applied/);
    await pglite.close();
  });

  it("rolls back a failing migration and records nothing for it", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "bd-migrations-"));
    scratch.push(dir);
    await cp(path.join(process.cwd(), "prisma", "migrations"), dir, { recursive: true });
    await cp(path.join(dir, (await readMigrations(dir))[0]!.name), path.join(dir, "99990101000000_broken"), {
      recursive: true,
    });
    await writeFile(
      path.join(dir, "99990101000000_broken", "migration.sql"),
      `CREATE TABLE "Half" (id int);\nSELECT * FROM "NoSuchTable";`,
    );
    const pglite = new PGlite();
    await expect(applyMigrations(runnerFor(pglite), dir)).rejects.toThrow(/99990101000000_broken failed/);
    const half = await pglite.query(`SELECT 1 FROM pg_tables WHERE tablename = 'Half'`);
    expect(half.rows).toHaveLength(0);
    const recorded = await pglite.query(
      `SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '99990101000000_broken'`,
    );
    expect(recorded.rows).toHaveLength(0);
    await pglite.close();
  });
});
