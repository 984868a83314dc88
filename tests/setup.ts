// `server-only` throws outside a React Server Components bundle; tests run lib code directly.
import { vi } from "vitest";
import { engineConfigFromEnv, parseEnv } from "@/lib/env";
import { configureEngine } from "@/lib/image/config";

vi.mock("server-only", () => ({}));

// The engine takes its settings from the app's validated environment, as a server does at boot.
configureEngine(engineConfigFromEnv(parseEnv(process.env)));
