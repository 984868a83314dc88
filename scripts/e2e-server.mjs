// The server the browser tests run against: the production build on embedded defaults,
// with a fresh data directory so every run starts from an empty database.
import { spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const nextBin = require.resolve("next/dist/bin/next");
const dataDir = path.resolve(".cache", "e2e-data");
rmSync(dataDir, { recursive: true, force: true });

// E2E_NO_BUILD=1 reuses an existing .next (a build just made by hand or by `npm run bench:web`).
if (process.env.E2E_NO_BUILD !== "1") {
  const build = spawnSync(process.execPath, [nextBin, "build"], { stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const env = {
  ...process.env,
  DATA_DIR: dataDir,
  PAYMENTS_MODE: "sandbox",
  NODE_ENV: "production",
  // The admin console's first account (`admin`) for e2e/admin.spec.ts
  ADMIN_PASSWORD: "e2e-admin-password",
  // The suite uploads many photos from one address with a new browser (a new visitor) per test;
  // the limits themselves are tested in tests/security/upload-limits.test.ts.
  UPLOAD_RATE_LIMIT_PER_MINUTE: "1000",
  NEW_VISITORS_PER_HOUR: "1000",
};
const server = spawn(process.execPath, [nextBin, "start", "-p", process.env.PORT ?? "3200", "-H", "127.0.0.1"], {
  stdio: "inherit",
  env,
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code) => process.exit(code ?? 0));
