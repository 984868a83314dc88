import "server-only";
import { AppError } from "@/lib/errors";
import { listBackgroundPresets, listSkyPresets, renderPresetThumbnail, type PresetInfo } from "@/lib/image/presets";

export type PresetKind = "sky" | "background";
export type PublicPreset = PresetInfo & {
  kind: PresetKind;
  thumbnailUrl: string;
  thumbnailWidth: number;
  thumbnailHeight: number;
};

const THUMBNAIL_SIZE = { width: 320, height: 200 } as const;
/** Bump when the engine's preset rendering changes, so long-cached thumbnails are fetched again. */
const THUMBNAIL_VERSION = "2";

export function parsePresetKind(value: string | null): PresetKind {
  if (value === "sky" || value === "background") return value;
  throw new AppError("validation_failed", "kind must be sky or background.");
}

export function listPresets(kind: PresetKind): PublicPreset[] {
  const presets = kind === "sky" ? listSkyPresets() : listBackgroundPresets();
  return presets.map((preset) => ({
    ...preset,
    kind,
    thumbnailUrl: `/api/presets/${kind}/${preset.id}/thumbnail?v=${THUMBNAIL_VERSION}`,
    thumbnailWidth: THUMBNAIL_SIZE.width,
    thumbnailHeight: THUMBNAIL_SIZE.height,
  }));
}

const globalForThumbs = globalThis as unknown as { backdropPresetThumbs?: Map<string, Promise<Buffer>> };

/** A preset's thumbnail (WebP), rendered once per process and kept in memory (a few KB each). */
export function getPresetThumbnail(params: { kind: PresetKind; id: string }): Promise<Buffer> {
  const exists = listPresets(params.kind).some((preset) => preset.id === params.id);
  if (!exists) return Promise.reject(new AppError("not_found", `Unknown ${params.kind} preset "${params.id}".`));
  const cache = (globalForThumbs.backdropPresetThumbs ??= new Map());
  const key = `${params.kind}/${params.id}`;
  let pending = cache.get(key);
  if (!pending) {
    pending = renderPresetThumbnail(params.kind, params.id, THUMBNAIL_SIZE);
    pending.catch(() => cache.delete(key));
    cache.set(key, pending);
  }
  return pending;
}
