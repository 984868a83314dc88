import path from "node:path";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { defineConfig } from "prisma/config";

// Prisma's CLI runs with its JavaScript engine against an embedded PGlite database:
// the native schema engine cannot be downloaded on offline machines.
export default defineConfig({
  engine: "js",
  experimental: { adapter: true },
  schema: path.join("prisma", "schema.prisma"),
  async adapter() {
    const { PGlite } = await import("@electric-sql/pglite");
    const { PrismaPGlite } = await import("pglite-prisma-adapter");
    // In memory unless a script points the CLI at a scratch database (scripts/db-new-migration.ts).
    const dir = process.env.PRISMA_CLI_PGLITE_DIR;
    // Typed against an older @prisma/driver-adapter-utils; the runtime contract is the same.
    return new PrismaPGlite(dir ? new PGlite(dir) : new PGlite()) as unknown as SqlMigrationAwareDriverAdapterFactory;
  },
});
