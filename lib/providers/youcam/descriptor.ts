import type { ProviderDescriptor } from "../descriptor";
import { YOUCAM_UNITS } from "./constants";

/** Perfect Corp YouCam: background change by prompt or template, background removal (see README.md here). */
export const youcam: ProviderDescriptor = {
  id: "youcam",
  services: ["background-change", "background-removal"],
  missingConfig: (env) => (env.YOUCAM_API_KEY ? null : "needs YOUCAM_API_KEY"),
  async create({ env, clock }) {
    const { createYoucamProvider } = await import("./index");
    return createYoucamProvider({
      apiKey: env.YOUCAM_API_KEY!,
      baseUrl: env.YOUCAM_BASE_URL,
      bgTaskPath: env.YOUCAM_BG_TASK_PATH,
      httpTimeoutMs: env.PROVIDER_HTTP_TIMEOUT_SECONDS * 1000,
      pollIntervalMs: env.YOUCAM_POLL_INTERVAL_SECONDS * 1000,
      taskTimeoutMs: env.PROVIDER_TASK_TIMEOUT_SECONDS * 1000,
      unitCostMinor: env.YOUCAM_UNIT_COST_MINOR,
      clock,
    });
  },
  configuredCosts: (env) => ({
    "background-change": YOUCAM_UNITS.bgReplace * env.YOUCAM_UNIT_COST_MINOR,
    "background-removal": YOUCAM_UNITS.sod * env.YOUCAM_UNIT_COST_MINOR,
  }),
};
