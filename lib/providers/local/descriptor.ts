import { SERVICE_IDS } from "@/lib/catalog/services";
import type { ProviderDescriptor } from "../descriptor";

/** The embedded engine: every service, no configuration, no cost. */
export const local: ProviderDescriptor = {
  id: "local",
  services: SERVICE_IDS,
  missingConfig: () => null,
  // Imported lazily: a process whose chains name no local provider never loads the engine pool.
  create: async () => (await import("./index")).localProvider,
};
