/**
 * Web benchmark (npm run bench:web): Lighthouse (performance, accessibility, best practices, LCP,
 * TBT) on the landing and studio pages of the production build, desktop and mobile presets, and
 * the first-load JavaScript of each route (sum of the scripts the page loads, gzipped).
 *
 *   npx tsx bench/web.ts [--no-build] [--port 3310] [--runs 1]
 *
 * Uses Debian's Chromium (/usr/bin/chromium, or CHROME_PATH). Writes bench/out/web.md and web.json.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import * as chromeLauncher from "chrome-launcher";
import lighthouse, { type Flags, type Result } from "lighthouse";
import desktopConfig from "lighthouse/core/config/desktop-config.js";

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string, fallback: string) => {
  const index = args.indexOf(name);
  return index >= 0 ? (args[index + 1] ?? fallback) : fallback;
};

const PORT = Number(option("--port", "3310"));
const RUNS = Number(option("--runs", "1"));
const ORIGIN = `http://127.0.0.1:${PORT}`;
const PAGES = [
  { name: "landing", path: "/" },
  { name: "studio", path: "/studio" },
  { name: "history", path: "/history" },
];
const CHROME_PATH = process.env.CHROME_PATH ?? "/usr/bin/chromium";
const CHROME_FLAGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
const TARGETS = { performance: 90, accessibility: 95, lcpMs: 1500, studioJsKb: 180 };

type Row = {
  page: string;
  preset: "desktop" | "mobile";
  performance: number;
  accessibility: number;
  bestPractices: number;
  lcpMs: number;
  tbtMs: number;
  cls: number;
  jsTransferKb: number;
  jsGzipKb: number;
  scripts: number;
};

const nextBin = path.resolve("node_modules/next/dist/bin/next");

function build(): void {
  const result = spawnSync(process.execPath, [nextBin, "build"], { stdio: "inherit" });
  if (result.status !== 0) throw new Error("next build failed");
}

async function startServer(): Promise<{ child: ChildProcess; dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bd-bench-web-"));
  const child = spawn(process.execPath, [nextBin, "start", "-p", String(PORT), "-H", "127.0.0.1"], {
    env: { ...process.env, NODE_ENV: "production", DATA_DIR: dataDir, PAYMENTS_MODE: "sandbox" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const response = await fetch(`${ORIGIN}/api/health`);
      if (response.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error("server did not start");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // Warm up (first render compiles nothing in production, but opens the database and caches).
  for (const page of PAGES) await fetch(`${ORIGIN}${page.path}`);
  await fetch(`${ORIGIN}/api/presets?kind=sky`);
  return { child, dataDir };
}

type NetworkItem = { url: string; resourceType?: string; transferSize?: number };

/**
 * First-load JS: every chunk the page's HTML makes the browser load — its <script src> tags and the
 * chunks named in its inline RSC payload (client components rendered on the page) — gzipped at
 * level 9. `noModule` scripts (legacy polyfills) are left out: module-capable browsers never fetch
 * them. Chunks loaded later on demand (next/dynamic after an upload) are not first-load. Lighthouse's
 * network log also holds scripts prefetched for other routes (next/link prefetches visible links),
 * reported separately as "all JS transferred".
 */
async function scriptSizes(
  lhr: Result,
  pagePath: string,
): Promise<{ transferKb: number; gzipKb: number; count: number }> {
  const items = (
    (lhr.audits["network-requests"]?.details as { items?: NetworkItem[] } | undefined)?.items ?? []
  ).filter((item) => item.resourceType === "Script" && item.url.startsWith(ORIGIN));
  const transfer = items.reduce((sum, item) => sum + (item.transferSize ?? 0), 0);
  const html = await (await fetch(`${ORIGIN}${pagePath}`)).text();
  const legacy = new Set([...html.matchAll(/<script[^>]+src="([^"]+)"[^>]*noModule/gi)].map((match) => match[1]!));
  const tagged = [...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((match) => match[1]!);
  const named = [...html.matchAll(/(?:\/_next\/)?(static\/chunks\/[\w.-]+\.js)/g)].map(
    (match) => `/_next/${match[1]!}`,
  );
  const sources = [...new Set([...tagged, ...named])].filter((source) => !legacy.has(source));
  let gzip = 0;
  for (const source of sources) {
    const body = Buffer.from(await (await fetch(new URL(source, ORIGIN))).arrayBuffer());
    gzip += gzipSync(body, { level: 9 }).length;
  }
  return { transferKb: transfer / 1024, gzipKb: gzip / 1024, count: sources.length };
}

async function audit(url: string, preset: "desktop" | "mobile", port: number): Promise<Result> {
  const flags: Flags = {
    port,
    output: "json",
    logLevel: "error",
    onlyCategories: ["performance", "accessibility", "best-practices"],
  };
  const result = await lighthouse(url, flags, preset === "desktop" ? desktopConfig : undefined);
  if (!result) throw new Error(`lighthouse returned nothing for ${url}`);
  return result.lhr;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

async function main(): Promise<void> {
  if (!flag("--no-build")) build();
  const { child, dataDir } = await startServer();
  const chrome = await chromeLauncher.launch({ chromePath: CHROME_PATH, chromeFlags: CHROME_FLAGS });
  const rows: Row[] = [];
  try {
    for (const page of PAGES) {
      for (const preset of ["desktop", "mobile"] as const) {
        const runs: Row[] = [];
        for (let run = 0; run < RUNS; run++) {
          const lhr = await audit(`${ORIGIN}${page.path}`, preset, chrome.port);
          const js = await scriptSizes(lhr, page.path);
          const score = (id: string) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
          runs.push({
            page: page.name,
            preset,
            performance: score("performance"),
            accessibility: score("accessibility"),
            bestPractices: score("best-practices"),
            lcpMs: Math.round(lhr.audits["largest-contentful-paint"]?.numericValue ?? 0),
            tbtMs: Math.round(lhr.audits["total-blocking-time"]?.numericValue ?? 0),
            cls: Number((lhr.audits["cumulative-layout-shift"]?.numericValue ?? 0).toFixed(3)),
            jsTransferKb: Number(js.transferKb.toFixed(1)),
            jsGzipKb: Number(js.gzipKb.toFixed(1)),
            scripts: js.count,
          });
        }
        const pick = <K extends keyof Row>(key: K) => median(runs.map((row) => row[key] as number));
        const row: Row = {
          page: page.name,
          preset,
          performance: pick("performance"),
          accessibility: pick("accessibility"),
          bestPractices: pick("bestPractices"),
          lcpMs: pick("lcpMs"),
          tbtMs: pick("tbtMs"),
          cls: pick("cls"),
          jsTransferKb: pick("jsTransferKb"),
          jsGzipKb: pick("jsGzipKb"),
          scripts: pick("scripts"),
        };
        rows.push(row);
        console.log(JSON.stringify(row));
      }
    }
  } finally {
    chrome.kill();
    child.kill("SIGTERM");
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const studio = rows.find((row) => row.page === "studio" && row.preset === "desktop");
  const lines = [
    "# Web benchmark (Lighthouse 13, Debian Chromium, production build)",
    "",
    `Run: ${new Date().toISOString()} · ${os.cpus().length} CPUs · load average ${os.loadavg()[0]?.toFixed(1)} · median of ${RUNS} run(s).`,
    `Targets: performance ≥ ${TARGETS.performance}, accessibility ≥ ${TARGETS.accessibility}, LCP ≤ ${TARGETS.lcpMs} ms (desktop), studio first-load JS ≤ ${TARGETS.studioJsKb} KB gzipped.`,
    "",
    "| page | preset | perf | a11y | best pr. | LCP ms | TBT ms | CLS | all JS transferred KB | first-load JS gzip-9 KB | first-load scripts |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.page} | ${r.preset} | ${r.performance} | ${r.accessibility} | ${r.bestPractices} | ${r.lcpMs} | ${r.tbtMs} | ${r.cls} | ${r.jsTransferKb} | ${r.jsGzipKb} | ${r.scripts} |`,
    ),
    "",
    studio
      ? `Studio first-load JS: ${studio.jsGzipKb} KB gzipped (${studio.jsGzipKb <= TARGETS.studioJsKb ? "within" : "over"} the ${TARGETS.studioJsKb} KB budget).`
      : "",
    "",
  ];
  fs.mkdirSync("bench/out", { recursive: true });
  fs.writeFileSync("bench/out/web.md", lines.join("\n"));
  fs.writeFileSync("bench/out/web.json", JSON.stringify(rows, null, 2));
  console.log(lines.join("\n"));
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
