/**
 * Where the hostile-input suite sends its requests:
 *  - "server": a real production server (`next start` of the build in BACKDROP_APP_DIR or the repo)
 *    with a fresh DATA_DIR, started by the suite; used when SECURITY_TARGET=server (npm run
 *    test:security) and a build exists. This is what backs the "the server stays up" claim.
 *  - "in-process": the route handlers called directly with Web Requests (the default inside
 *    `vitest run`, and the fallback when there is no build), with the real job workers in-process.
 * Both speak HTTP semantics (status, headers, JSON envelope); the tests don't know which is used.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { resetEnvCache } from "@/lib/env";
import { PEER_HEADER } from "@/lib/net/client-address";
import { freePort, hasBuild, startWeb, type Proc } from "@/scripts/scale/procs";

export type Target = {
  kind: "server" | "in-process";
  origin: string;
  call: (pathname: string, init?: RequestInit & { rawPath?: boolean }) => Promise<Response>;
  close: () => Promise<void>;
  /** Whether the server process is still alive (always true in-process). */
  alive: () => boolean;
};

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
type RouteModule = Record<string, Handler | unknown>;

/** Route table for in-process dispatch: Next's file-system routes, by pattern. */
const ROUTES: Array<{ pattern: RegExp; names: string[]; load: () => Promise<RouteModule> }> = [
  { pattern: /^\/api\/health$/, names: [], load: () => import("@/app/api/health/route") },
  { pattern: /^\/api\/assets$/, names: [], load: () => import("@/app/api/assets/route") },
  {
    pattern: /^\/api\/assets\/([^/]+)\/content$/,
    names: ["id"],
    load: () => import("@/app/api/assets/[id]/content/route"),
  },
  { pattern: /^\/api\/jobs\/([^/]+)$/, names: ["id"], load: () => import("@/app/api/jobs/[id]/route") },
  { pattern: /^\/api\/tools\/([^/]+)$/, names: ["serviceId"], load: () => import("@/app/api/tools/[serviceId]/route") },
  { pattern: /^\/api\/payments$/, names: [], load: () => import("@/app/api/payments/route") },
  { pattern: /^\/api\/payments\/([^/]+)$/, names: ["id"], load: () => import("@/app/api/payments/[id]/route") },
  { pattern: /^\/api\/previews$/, names: [], load: () => import("@/app/api/previews/route") },
  { pattern: /^\/api\/mcp$/, names: [], load: () => import("@/app/api/mcp/route") },
  { pattern: /^\/api\/admin\/login$/, names: [], load: () => import("@/app/api/admin/login/route") },
  { pattern: /^\/api\/webhooks\/stripe$/, names: [], load: () => import("@/app/api/webhooks/stripe/route") },
];

/** Admin API route files present in this checkout. */
export async function adminRouteFiles(): Promise<string[]> {
  const root = path.resolve(import.meta.dirname, "..", "..", "app", "api", "admin");
  if (!existsSync(root)) return [];
  const found: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.name === "route.ts")
        found.push(path.relative(path.resolve(import.meta.dirname, "..", ".."), full));
    }
  };
  await walk(root);
  return found.sort();
}

export async function openTarget(env: Record<string, string>): Promise<Target> {
  const wantServer = process.env.SECURITY_TARGET === "server";
  if (wantServer && hasBuild()) return openServer(env);
  if (wantServer)
    console.warn("[security] SECURITY_TARGET=server but there is no production build: running in-process");
  return openInProcess(env);
}

async function openServer(env: Record<string, string>): Promise<Target> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "bd-sec-"));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const proc: Proc = await startWeb({
    name: "security-web",
    port,
    env: { DATA_DIR: dataDir, PUBLIC_BASE_URL: origin, ...env },
  });
  return {
    kind: "server",
    origin,
    call: async (pathname, init = {}) => {
      try {
        return await fetch(`${origin}${pathname}`, { redirect: "manual", ...init });
      } catch (error) {
        // A keep-alive socket the server closed after answering a body it refused to read (413)
        // resets on reuse; that request never reached the server, so it is safe to send again.
        const code = (error as { cause?: { code?: string } }).cause?.code;
        if (code !== "ECONNRESET" || init.body instanceof ReadableStream) throw error;
        return fetch(`${origin}${pathname}`, { redirect: "manual", ...init });
      }
    },
    alive: () => proc.child.exitCode === null && proc.child.signalCode === null,
    close: async () => {
      await proc.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function openInProcess(env: Record<string, string>): Promise<Target> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "bd-sec-"));
  process.env.DATA_DIR = dataDir;
  for (const [key, value] of Object.entries(env)) process.env[key] = value;
  resetEnvCache();
  const { getDbHandle } = await import("@/lib/db");
  await getDbHandle();
  const { startWorkers } = await import("@/lib/jobs/worker");
  const workers = startWorkers({ concurrency: 1, pollMs: 50 });
  const origin = "http://localhost:3000";
  return {
    kind: "in-process",
    origin,
    alive: () => true,
    call: async (pathname, init = {}) => {
      const url = new URL(pathname, origin);
      // As the web server does: the socket's address (here always loopback) replaces any claimed one.
      const headers = new Headers(init.headers);
      headers.set(PEER_HEADER, "127.0.0.1");
      const request = new Request(url, {
        ...init,
        headers,
        ...(init.body instanceof ReadableStream ? { duplex: "half" } : {}),
      });
      for (const route of ROUTES) {
        const match = route.pattern.exec(url.pathname);
        if (!match) continue;
        const mod = await route.load();
        const handler = mod[(init.method ?? "GET").toUpperCase()];
        if (typeof handler !== "function")
          return Response.json({ error: { code: "method_not_allowed" } }, { status: 405 });
        // Next decodes dynamic segments before handing them to the route.
        const params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? "")]));
        return (handler as Handler)(request, { params: Promise.resolve(params) });
      }
      return new Response("Not Found", { status: 404 });
    },
    close: async () => {
      await workers.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
