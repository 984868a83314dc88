import type { ProviderDescriptor } from "../descriptor";

/** SellerPic: prompt segmentation, background replacement and removal (see README.md here). */
export const sellerpic: ProviderDescriptor = {
  id: "sellerpic",
  services: ["background-change", "background-removal", "prompt-segmentation"],
  missingConfig: (env) => (env.SELLERPIC_API_KEY ? null : "needs SELLERPIC_API_KEY"),
  async create({ env, renderReference, clock }) {
    const { createSellerPicProvider } = await import("./index");
    return createSellerPicProvider({
      apiKey: env.SELLERPIC_API_KEY!,
      baseUrl: env.SELLERPIC_BASE_URL,
      httpTimeoutMs: env.PROVIDER_HTTP_TIMEOUT_SECONDS * 1000,
      pollIntervalMs: env.SELLERPIC_POLL_INTERVAL_SECONDS * 1000,
      taskTimeoutMs: env.PROVIDER_TASK_TIMEOUT_SECONDS * 1000,
      creditCostMinor: env.SELLERPIC_CREDIT_COST_MINOR,
      removerPath: env.SELLERPIC_REMOVER_PATH,
      renderReference,
      clock,
    });
  },
  configuredCosts(env) {
    // Prompt backgrounds take 4 credits (four variants); colours, images and presets 1.
    const credit = env.SELLERPIC_CREDIT_COST_MINOR;
    return { "background-change": 4 * credit, "background-removal": credit, "prompt-segmentation": 0 };
  },
};
