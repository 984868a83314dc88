// npm run db:new-migration -- <name>
// Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL from the committed
// schema.prisma (which the checked-in migrations produce) to the working copy's schema.prisma.
// Prisma's own `migrate dev` needs a shadow database that its JS engine cannot use here.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

const name = (process.argv[2] ?? "").replace(/[^a-z0-9_]/gi, "_").toLowerCase();
if (!name) {
  console.error("usage: npm run db:new-migration -- <name>");
  process.exit(2);
}

const scratch = mkdtempSync(path.join(os.tmpdir(), "backdrop-migrate-"));
try {
  const baseline = path.join(scratch, "committed.prisma");
  writeFileSync(baseline, execFileSync("git", ["show", "HEAD:prisma/schema.prisma"]));
  const cli = createRequire(import.meta.url).resolve("prisma/build/index.js");
  const diff = spawnSync(
    process.execPath,
    [
      cli,
      "migrate",
      "diff",
      "--from-schema-datamodel",
      baseline,
      "--to-schema-datamodel",
      "prisma/schema.prisma",
      "--script",
    ],
    { encoding: "utf8", env: { ...process.env, DATABASE_URL: "postgresql://localhost/backdrop" } },
  );
  if (diff.status !== 0) throw new Error(`prisma migrate diff failed:\n${diff.stderr}`);
  const sql = diff.stdout.trim();
  if (!sql || sql.includes("empty migration")) {
    console.log("schema.prisma has no changes since the last commit; nothing to write.");
  } else {
    const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const dir = path.join("prisma", "migrations", `${stamp}_${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "migration.sql"), `${sql}\n`);
    console.log(`wrote ${dir}/migration.sql`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
