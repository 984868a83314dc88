/**
 * Process helpers for the scale harness, the security suite's server mode and the load bench:
 * every child is tracked and stopped (process group, SIGTERM then SIGKILL) when the caller
 * calls stopAll() or the parent exits.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

export type Proc = {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Last lines of output (for failure reports). */
  tail: () => string;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop: (graceMs?: number) => Promise<void>;
  /** kill -9, no goodbye. */
  kill9: () => Promise<void>;
};

const running = new Set<Proc>();

export const REPO_DIR = path.resolve(import.meta.dirname, "..", "..");

/** Where the production build to run lives: BACKDROP_APP_DIR (a snapshot) or the repository. */
export function appDir(): string {
  return path.resolve(REPO_DIR, process.env.BACKDROP_APP_DIR ?? ".");
}

export function hasBuild(dir = appDir()): boolean {
  return existsSync(path.join(dir, ".next", "BUILD_ID"));
}

export function startProc(params: {
  name: string;
  cmd: string;
  args: string[];
  env: Record<string, string | undefined>;
  cwd?: string;
  quiet?: boolean;
}): Proc {
  const child = spawn(params.cmd, params.args, {
    cwd: params.cwd ?? appDir(),
    env: params.env as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // own process group: stop() reaches grandchildren (npm → tsx → node)
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (!line.trim()) continue;
      lines.push(line);
      if (lines.length > 200) lines.shift();
      if (process.env.SCALE_VERBOSE) console.log(`[${params.name}] ${line}`);
    }
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : null))),
  );
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      /* already gone */
    }
  };
  const proc: Proc = {
    name: params.name,
    child,
    pid: child.pid!,
    tail: () => lines.slice(-40).join("\n"),
    exited,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) {
        running.delete(proc);
        return;
      }
      signalGroup("SIGTERM");
      const timer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      signalGroup("SIGKILL"); // stragglers in the group
      running.delete(proc);
    },
    async kill9() {
      signalGroup("SIGKILL");
      await exited;
      running.delete(proc);
    },
  };
  running.add(proc);
  return proc;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((proc) => proc.stop(3_000)));
}

let exitHooked = false;
/** Stops every child on exit, Ctrl-C and uncaught errors. */
export function stopAllOnExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  const killSync = () => {
    for (const proc of running) {
      try {
        process.kill(-proc.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  };
  process.on("exit", killSync);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      void stopAll().finally(() => process.exit(130));
    });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function waitForHttp(
  url: string,
  params: { timeoutMs?: number; proc?: Proc; ok?: (status: number) => boolean } = {},
): Promise<void> {
  const deadline = Date.now() + (params.timeoutMs ?? 60_000);
  const ok = params.ok ?? ((status: number) => status === 200);
  let last = "";
  while (Date.now() < deadline) {
    if (params.proc && params.proc.child.exitCode !== null) {
      throw new Error(
        `${params.proc.name} exited (${params.proc.child.exitCode}) before ${url} answered:\n${params.proc.tail()}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      last = `HTTP ${response.status}`;
      await response.body?.cancel();
      if (ok(response.status)) return;
    } catch (error) {
      last = String((error as Error).cause ?? error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not become ready (${last})${params.proc ? `:\n${params.proc.tail()}` : ""}`);
}

const nextBin = () => path.join(appDir(), "node_modules", "next", "dist", "bin", "next");

/** `next start` of the production build on 127.0.0.1:port with the given settings. */
export async function startWeb(params: {
  name: string;
  port: number;
  env: Record<string, string | undefined>;
}): Promise<Proc> {
  const proc = startProc({
    name: params.name,
    cmd: process.execPath,
    args: [nextBin(), "start", "-p", String(params.port), "-H", "127.0.0.1"],
    env: { ...baseEnv(), NODE_ENV: "production", PORT: String(params.port), ...params.env },
  });
  await waitForHttp(`http://127.0.0.1:${params.port}/api/health`, { proc, timeoutMs: 90_000 });
  return proc;
}

/** `npm run worker` (tsx lib/jobs/run-worker.ts) with the given settings. */
export function startWorker(params: { name: string; env: Record<string, string | undefined> }): Proc {
  return startProc({
    name: params.name,
    cmd: process.execPath,
    args: [
      path.join(appDir(), "node_modules", "tsx", "dist", "cli.mjs"),
      "--conditions=react-server",
      "lib/jobs/run-worker.ts",
    ],
    env: { ...baseEnv(), NODE_ENV: "production", ...params.env },
  });
}

/** The parent's environment minus the settings each child gets explicitly. */
function baseEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(env)) {
    if (
      /^(DATABASE_URL|DATA_DIR|S3_|WORKER_|PAYMENTS_MODE|STRIPE_|URL_FETCH_ALLOWLIST|SIGNING_SECRET|PORT|NODE_OPTIONS|VITEST|TEST_)/.test(
        key,
      )
    )
      delete env[key];
  }
  return env;
}
