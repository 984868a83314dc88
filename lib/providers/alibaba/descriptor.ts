import type { ProviderDescriptor } from "../descriptor";

/** Alibaba Cloud imageseg: ChangeSky, SegmentSky, SegmentCommonImage (see README.md here). */
export const alibaba: ProviderDescriptor = {
  id: "alibaba",
  services: ["sky-replacement", "background-removal", "prompt-segmentation"],
  missingConfig(env) {
    if (!env.ALIBABA_ACCESS_KEY_ID || !env.ALIBABA_ACCESS_KEY_SECRET)
      return "needs ALIBABA_ACCESS_KEY_ID and ALIBABA_ACCESS_KEY_SECRET";
    return null;
  },
  async create({ env, renderReference, clock }) {
    const { createAlibabaProvider, createAssetPublisher } = await import("./index");
    return createAlibabaProvider({
      accessKeyId: env.ALIBABA_ACCESS_KEY_ID!,
      accessKeySecret: env.ALIBABA_ACCESS_KEY_SECRET!,
      endpoint: env.ALIBABA_ENDPOINT,
      openPlatformEndpoint: env.ALIBABA_OPENPLATFORM_ENDPOINT,
      // Without a public base URL every input is uploaded to Alibaba's storage first.
      publish: env.PUBLIC_BASE_URL ? createAssetPublisher({ publicBaseUrl: env.PUBLIC_BASE_URL }) : undefined,
      renderReference,
      clock,
      httpTimeoutMs: env.PROVIDER_HTTP_TIMEOUT_SECONDS * 1000,
      actionCostsMinor: env.ALIBABA_ACTION_COSTS_MINOR,
    });
  },
  configuredCosts(env) {
    const cost = env.ALIBABA_ACTION_COSTS_MINOR;
    return {
      "sky-replacement": cost.ChangeSky ?? 0,
      "background-removal": cost.SegmentCommonImage ?? 0,
      "prompt-segmentation": Math.max(cost.SegmentSky ?? 0, cost.SegmentCommonImage ?? 0),
    };
  },
  bootWarnings(env) {
    if (
      env.PUBLIC_BASE_URL &&
      /^https?:\/\/(localhost|127\.|\[::1\])/.test(env.PUBLIC_BASE_URL) &&
      !env.ALIBABA_ENDPOINT
    )
      return [
        "PUBLIC_BASE_URL points at this machine: Alibaba Cloud cannot fetch it, so every input is uploaded first",
      ];
    return [];
  },
};
