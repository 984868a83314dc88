import { readdirSync } from "node:fs";
import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

// The server layers of lib/, lowest first (ARCHITECTURE.md draws them). A module may import its own folder
// and any lower layer, never a layer above nor a sibling of its own layer, so folders cannot form a cycle.
// Adding a folder to lib/ means adding it here.
const SERVER_LAYERS = [
  [
    "lib/errors.ts",
    "lib/process-singleton.ts",
    "lib/utils.ts",
    "lib/ids.ts",
    "lib/zip.ts",
    "lib/cookies.ts",
    "lib/password-rule.ts",
  ],
  ["lib/image", "lib/rate-limit.ts"],
  ["lib/env.ts", "generated"],
  ["lib/db", "lib/logger.ts", "lib/net"],
  ["lib/assets", "lib/catalog", "lib/http.ts"],
  ["lib/billing", "lib/providers", "lib/edits", "lib/owner.ts", "lib/history", "lib/health.ts"],
  ["lib/jobs", "lib/previews"],
  ["lib/admin"],
  ["lib/accounts", "lib/batches"],
  ["lib/tools"],
  ["lib/mcp"],
  ["lib/server-start.ts"],
];
// Browser-side modules of lib/: they sit above nothing on the server and nothing on the server imports them.
const CLIENT_MODULES = ["lib/api-client.ts", "lib/query-client.ts", "lib/queries"];

const unplaced = readdirSync(new URL("./lib", import.meta.url))
  .filter((name) => !name.endsWith(".test.ts"))
  .map((name) => `lib/${name}`)
  .filter((entry) => !SERVER_LAYERS.flat().includes(entry) && !CLIENT_MODULES.includes(entry));
if (unplaced.length > 0)
  throw new Error(`eslint.config.mjs: place ${unplaced.join(", ")} in SERVER_LAYERS or CLIENT_MODULES`);

const layerZones = SERVER_LAYERS.flatMap((layer, index) => {
  const above = SERVER_LAYERS.slice(index + 1).flat();
  return layer.map((target) => ({
    target: `./${target}`,
    from: [...above, ...layer.filter((other) => other !== target), ...CLIENT_MODULES, "app", "components"].map(
      (from) => `./${from}`,
    ),
    message: `${target} is in layer ${index} of lib/ (see ARCHITECTURE.md): it may import only lower layers.`,
  }));
});

// What browser code may import from lib/ at run time (type-only imports of server modules are erased, so allowed).
const CLIENT_SAFE = [
  "api-client",
  "query-client",
  "queries",
  "utils",
  "catalog/services",
  "image/options",
  "batches/schemas",
];
const clientValueImports = {
  regex: `^@/(generated|lib/(?!(${CLIENT_SAFE.join("|")})(/|$)))`,
  allowTypeImports: true,
  message: "Browser code imports only client-safe modules of lib/ at run time (ARCHITECTURE.md); use `import type`.",
};

const config = [
  {
    ignores: [
      "node_modules/**",
      ".next/**",
      "generated/**",
      "data/**",
      ".cache/**",
      "test-results/**",
      "playwright-report/**",
      "eval/out/**",
      "bench/out/**",
      "next-env.d.ts",
    ],
  },
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    rules: {
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  // Type-aware checks (a subset of typescript-eslint's recommendedTypeChecked that the code passes): promises are
  // awaited or handled, never passed where a void callback is expected, and only thenables are awaited.
  {
    files: ["**/*.{ts,tsx}"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-unnecessary-type-assertion": "error",
    },
  },
  // Layers: lib/ never imports app/ or components/; only lib/ reaches the database; the image engine imports only
  // itself, lib/errors and lib/process-singleton (plus node and npm packages). Tests may reach across for fixtures.
  {
    files: ["**/*.{ts,tsx,mts,mjs}"],
    ignores: ["**/*.test.ts", "tests/**", "e2e/**", "scripts/**", "bench/**"],
    rules: {
      "import/no-restricted-paths": [
        "error",
        {
          zones: [
            ...layerZones,
            {
              target: "./lib/image",
              from: "./lib",
              except: ["./image", "./errors.ts", "./process-singleton.ts"],
              message: "The image engine imports only itself, lib/errors and lib/process-singleton.",
            },
            {
              target: ["./app", "./components", "./instrumentation.ts"],
              from: ["./lib/db", "./generated"],
              message: "Only lib/ touches the database: call a function of the domain in lib/.",
            },
            {
              target: CLIENT_MODULES.map((m) => `./${m}`),
              from: ["./lib/db", "./generated", "./app", "./components"],
              message: "Browser modules of lib/ never import the database, routes or components.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["components/**/*.{ts,tsx}", "lib/queries/**/*.ts", "lib/api-client.ts", "lib/query-client.ts"],
    rules: {
      "no-restricted-imports": "off",
      "@typescript-eslint/no-restricted-imports": ["error", { patterns: [clientValueImports] }],
    },
  },
  // Configuration: process.env is read in lib/env.ts only. Tooling outside the application (scripts, benchmarks,
  // tests, e2e, config files) sets up its own processes and is exempt.
  {
    files: ["app/**/*.{ts,tsx}", "components/**/*.{ts,tsx}", "lib/**/*.{ts,tsx}", "instrumentation.ts"],
    ignores: ["lib/env.ts", "**/*.test.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Read settings through getEnv() (lib/env.ts)." },
      ],
    },
  },
];

export default config;
