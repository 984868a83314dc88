/**
 * A private PostgreSQL server for the scale harness (Debian's postgresql-15 binaries): initdb into
 * a temp dir, listen on 127.0.0.1:<free port>, trust auth. Being ours, it may be restarted
 * mid-traffic (the shared cluster on :5432 never is). As root it runs as the `postgres` user.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { freePort } from "./procs";

export type OwnPostgres = {
  url: string;
  port: number;
  /** Fast shutdown (connections are cut), wait `downMs`, start again. */
  restart: (downMs: number) => Promise<void>;
  stop: () => void;
  start: () => void;
};

function binDir(): string | null {
  for (const version of ["17", "16", "15"]) {
    const dir = `/usr/lib/postgresql/${version}/bin`;
    if (existsSync(path.join(dir, "initdb"))) return dir;
  }
  return null;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = binDir();
  if (!bin) throw new Error("no PostgreSQL binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)");
  const isRoot = process.getuid?.() === 0;
  const root = mkdtempSync(path.join(os.tmpdir(), "bd-scale-pg-"));
  const dataDir = path.join(root, "data");
  const port = await freePort();
  let uid = -1;
  let gid = -1;
  if (isRoot) {
    uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chownSync(root, uid, gid);
    chmodSync(root, 0o700);
  }
  const run = (cmd: string, args: string[]) => {
    const result = isRoot
      ? spawnSync("runuser", ["-u", "postgres", "--", path.join(bin, cmd), ...args], { encoding: "utf8" })
      : spawnSync(path.join(bin, cmd), args, { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${cmd} failed: ${result.stderr || result.stdout}`);
    return result.stdout;
  };
  run("initdb", ["-D", dataDir, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const start = () => {
    run("pg_ctl", ["-D", dataDir, "-o", options, "-l", path.join(root, "log"), "-w", "-t", "60", "start"]);
  };
  const stop = () => {
    run("pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "-t", "60", "stop"]);
  };
  start();
  const url = `postgresql://postgres@127.0.0.1:${port}/backdrop`;
  const admin = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query("CREATE DATABASE backdrop");
  await admin.end();
  process.on("exit", () => {
    try {
      stop();
    } catch {
      /* already stopped */
    }
    rmSync(root, { recursive: true, force: true });
  });
  return {
    url,
    port,
    start,
    stop,
    restart: async (downMs) => {
      stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      start();
    },
  };
}
