import ranges from "./isnet-int8-ranges.json";

/** Activation ranges for the int8 ISNet, measured by scripts/calibrate-isnet.ts (see the JSON's header). */
export const ISNET_INT8_RANGES = ranges as unknown as {
  about: string;
  side: number;
  percentile: number;
  images: string[];
  ranges: Record<string, [number, number]>;
};
