export const YOUCAM_PROVIDER_ID = "youcam";
export const DEFAULT_YOUCAM_BASE_URL = "https://yce-api-01.makeupar.com";
/** The docs disagree: current bundles use `bg-replace`, an older reference page `bg-replace-v2`. */
export const DEFAULT_YOUCAM_BG_TASK_PATH = "bg-replace";
/** Units per successful task: background change 4, background removal (sod) 1. */
export const YOUCAM_UNITS = { bgReplace: 4, sod: 1 } as const;
