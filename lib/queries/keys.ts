/** TanStack Query key factories (one place, so invalidation never misses a key). */
export const queryKeys = {
  catalog: () => ["catalog"] as const,
  presets: (kind: "sky" | "background") => ["presets", kind] as const,
  job: (id: string) => ["jobs", id] as const,
  batch: (id: string) => ["batches", id] as const,
  history: () => ["history"] as const,
  account: {
    all: () => ["account"] as const,
    me: () => ["account", "me"] as const,
    keys: () => ["account", "keys"] as const,
    activity: () => ["account", "activity"] as const,
    topups: () => ["account", "topups"] as const,
  },
  creditPacks: () => ["credit-packs"] as const,
};
