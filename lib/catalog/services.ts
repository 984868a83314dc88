/** The four paid services. Prices here are only the seed; the database catalog is the truth. */
export const SERVICE_IDS = [
  "sky-replacement",
  "background-change",
  "background-removal",
  "prompt-segmentation",
] as const;

export type ServiceId = (typeof SERVICE_IDS)[number];

export type ServiceDefinition = {
  id: ServiceId;
  name: string;
  /** Server402-style action name returned in `data.Action`. */
  action: string;
  /** MCP tool name. */
  tool: string;
  description: string;
  defaultPriceMinor: number;
  currency: string;
};

export const SERVICES: Record<ServiceId, ServiceDefinition> = {
  "sky-replacement": {
    id: "sky-replacement",
    name: "Sky replacement",
    action: "ChangeSky",
    tool: "sky_replacement",
    description:
      "Replace the sky of a photo with a preset, your own sky photo, or a described sky; the foreground is harmonised to the new light.",
    defaultPriceMinor: 20,
    currency: "USD",
  },
  "background-change": {
    id: "background-change",
    name: "Background change",
    action: "ChangeBackground",
    tool: "background_change",
    description:
      "Keep the subject and replace the background with a preset, a colour, your own image or a described scene; marketplace sizes and contact shadow.",
    defaultPriceMinor: 20,
    currency: "USD",
  },
  "background-removal": {
    id: "background-removal",
    name: "Background removal",
    action: "RemoveBackground",
    tool: "background_removal",
    description: "A transparent PNG or WebP cut-out of the subject, or its alpha matte.",
    defaultPriceMinor: 10,
    currency: "USD",
  },
  "prompt-segmentation": {
    id: "prompt-segmentation",
    name: "Segmentation by prompt",
    action: "SegmentByPrompt",
    tool: "prompt_segmentation",
    description: "A black-and-white PNG mask of what the prompt names (sky, subject, person, background).",
    defaultPriceMinor: 5,
    currency: "USD",
  },
};

export function isServiceId(value: string): value is ServiceId {
  return (SERVICE_IDS as readonly string[]).includes(value);
}
