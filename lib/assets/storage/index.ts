import "server-only";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { createLocalStorage } from "./local";
import type { Storage } from "./types";

export type { Storage } from "./types";

const globalForStorage = globalThis as unknown as { backdropStorage?: Storage };

/** This process's storage, chosen from the configuration. */
export function getStorage(): Storage {
  globalForStorage.backdropStorage ??= createLocalStorage(path.resolve(getEnv().DATA_DIR, "assets"));
  return globalForStorage.backdropStorage;
}
