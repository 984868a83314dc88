// `prisma generate` reads the schema's datasource URL even though generation never connects;
// give it a placeholder so a fresh install works without configuration.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const cli = require.resolve("prisma/build/index.js");
const env = { ...process.env, DATABASE_URL: process.env.DATABASE_URL || "postgresql://localhost/backdrop" };
const result = spawnSync(process.execPath, [cli, "generate"], { stdio: "inherit", env });
process.exit(result.status ?? 1);
