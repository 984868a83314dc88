/**
 * Embedded offline image engine. Heavy work runs in worker threads (pool.ts); the operation
 * functions below run on the calling thread and are meant for workers, scripts and tests.
 */
export { configureEngine, getEngineConfig, type EngineConfig } from "./config";
export {
  changeBackground,
  removeBackground,
  replaceSky,
  segmentByPrompt,
  PREVIEW_MAX_SIDE,
  type EngineHooks,
} from "./engine";
export { EnginePool, closeEnginePool, getEnginePool, resolveWorkerPath, type RunOptions } from "./pool";
export {
  BACKGROUND_PRESETS,
  SKY_PRESETS,
  listBackgroundPresets,
  listSkyPresets,
  renderBackgroundPreset,
  renderPresetThumbnail,
  renderSkyPreset,
  type PresetInfo,
} from "./presets";
export {
  BACKGROUND_VOCABULARY,
  SEGMENTATION_VOCABULARY,
  SKY_VOCABULARY,
  backgroundFromPrompt,
  skyFromPrompt,
} from "./prompts";
export { ensureSubjectModel } from "./subject-model";
export { SKY_CONFIDENCE_THRESHOLD } from "./sky-mask";
export type { EngineOp, EngineTasks } from "./worker/tasks";
