"use client";

import { usePresetsQuery } from "@/lib/queries/presets";
import type { Preset } from "@/lib/queries/types";
import { cn } from "@/lib/utils";

const GROUP_LABELS: Record<string, string> = {
  day: "Daytime",
  "golden-hour": "Golden hour",
  sunset: "Sunset",
  dusk: "Dusk",
  night: "Night",
  studio: "Studio",
  solid: "Solid colours",
  gradient: "Gradients",
  material: "Materials",
  bokeh: "Bokeh",
};

/** Skies whose light suits the photo, read by the engine from the last sky preview. */
export type SkySuggestion = { timeOfDay: string; ids: string[] };

type Props = {
  kind: "sky" | "background";
  selectedId: string | null;
  onSelect: (preset: Preset) => void;
  suggestion?: SkySuggestion | null;
};

/** Preset thumbnails grouped (time of day for skies), as radio buttons: arrow keys move within a group. */
export function PresetGallery({ kind, selectedId, onSelect, suggestion }: Props) {
  const { data: presets, isPending, error, refetch } = usePresetsQuery(kind);
  if (isPending) {
    return (
      <div className="grid grid-cols-3 gap-2" aria-busy="true" aria-label="Loading presets">
        {Array.from({ length: 6 }, (_, index) => (
          <div key={index} className="aspect-[8/5] animate-pulse rounded-lg bg-slate-200 dark:bg-slate-800" />
        ))}
      </div>
    );
  }
  if (error || !presets) {
    return (
      <p role="alert" className="text-sm text-red-700 dark:text-red-300">
        The presets didn&apos;t load.{" "}
        <button type="button" className="underline" onClick={() => void refetch()}>
          Try again
        </button>
      </p>
    );
  }
  const groups = new Map<string, Preset[]>();
  // The group that suits the photo's light comes first.
  const firstGroup = suggestion ? presets.find((preset) => preset.id === suggestion.ids[0])?.group : undefined;
  if (firstGroup) groups.set(firstGroup, []);
  for (const preset of presets) groups.set(preset.group, [...(groups.get(preset.group) ?? []), preset]);
  const suits = new Set(suggestion?.ids ?? []);

  return (
    <div
      className="max-h-[26rem] space-y-4 overflow-y-auto pr-1"
      role="radiogroup"
      aria-label={kind === "sky" ? "Sky presets" : "Background presets"}
    >
      {suggestion && (
        <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="sky-suggestion">
          Your photo has {GROUP_LABELS[suggestion.timeOfDay]?.toLowerCase() ?? suggestion.timeOfDay} light: skies marked{" "}
          <span className="rounded bg-emerald-100 px-1 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100">
            suits
          </span>{" "}
          match it.
        </p>
      )}
      {[...groups.entries()].map(([group, items]) => (
        <fieldset key={group}>
          <legend className="mb-1.5 text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
            {GROUP_LABELS[group] ?? group}
          </legend>
          <div className="grid grid-cols-3 gap-2">
            {items.map((preset) => {
              const selected = preset.id === selectedId;
              return (
                <label
                  key={preset.id}
                  className={cn(
                    "group relative cursor-pointer overflow-hidden rounded-lg border-2 focus-within:outline-2 focus-within:outline-offset-2 focus-within:outline-brand-500",
                    selected
                      ? "border-brand-600"
                      : "border-transparent hover:border-slate-300 dark:hover:border-slate-600",
                  )}
                >
                  <input
                    type="radio"
                    name={`${kind}-preset`}
                    value={preset.id}
                    checked={selected}
                    onChange={() => onSelect(preset)}
                    className="sr-only"
                  />
                  {/* eslint-disable-next-line @next/next/no-img-element -- tiny WebP thumbnails with long cache headers */}
                  <img
                    src={preset.thumbnailUrl}
                    alt=""
                    width={preset.thumbnailWidth}
                    height={preset.thumbnailHeight}
                    loading="lazy"
                    decoding="async"
                    className="block aspect-[8/5] w-full bg-slate-200 object-cover dark:bg-slate-800"
                  />
                  <span className="line-clamp-2 bg-white px-1.5 py-1 text-xs leading-snug dark:bg-slate-900">
                    {preset.name}
                  </span>
                  {preset.credit && (
                    <span
                      title={preset.credit}
                      className="block truncate bg-white px-1.5 pb-1 text-[0.65rem] leading-tight text-slate-600 dark:bg-slate-900 dark:text-slate-400"
                    >
                      © {preset.credit}
                    </span>
                  )}
                  {suits.has(preset.id) && <span className="sr-only"> (suits your photo)</span>}
                  {suits.has(preset.id) && (
                    <span
                      aria-hidden
                      className="absolute left-1 top-1 rounded bg-emerald-100 px-1 text-[0.65rem] font-medium text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100"
                    >
                      suits
                    </span>
                  )}
                  {selected && (
                    <span
                      aria-hidden
                      className="absolute right-1 top-1 flex h-5 w-5 items-center justify-center rounded-full bg-brand-600 text-white"
                    >
                      <svg viewBox="0 0 20 20" className="h-3.5 w-3.5" fill="currentColor">
                        <path d="M7.6 13.2 4.4 10l-1.1 1.1 4.3 4.3 9-9-1.1-1.1z" />
                      </svg>
                    </span>
                  )}
                </label>
              );
            })}
          </div>
        </fieldset>
      ))}
    </div>
  );
}
