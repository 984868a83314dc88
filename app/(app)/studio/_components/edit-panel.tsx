"use client";

import { useId, useRef, type KeyboardEvent, type ReactNode } from "react";
import type { ServiceId } from "@/lib/catalog/services";
import { cn } from "@/lib/utils";
import {
  CANVAS_LABELS,
  type BackgroundOptions,
  type EditOptions,
  type MaskOptions,
  type RemovalOptions,
  type SkyOptions,
} from "./edit-model";
import { ImagePicker } from "./image-picker";
import { PresetGallery, type SkySuggestion } from "./preset-gallery";

const TABS: { id: ServiceId; label: string }[] = [
  { id: "sky-replacement", label: "Sky" },
  { id: "background-change", label: "Background" },
  { id: "background-removal", label: "Remove background" },
  { id: "prompt-segmentation", label: "Mask by prompt" },
];

type Props = {
  tab: ServiceId;
  onTabChange: (tab: ServiceId) => void;
  options: EditOptions;
  onOptionsChange: <S extends ServiceId>(serviceId: S, patch: Partial<EditOptions[S]>) => void;
  onOpenBrush: () => void;
  skySuggestion?: SkySuggestion | null;
};

const SKY_PROMPTS = [
  "golden hour with soft clouds",
  "dramatic storm clouds",
  "clear blue sky",
  "pink sunset",
  "starry night",
];
const BG_PROMPTS = ["white studio sweep", "white marble", "light oak wood", "warm bokeh lights", "concrete"];
const MASK_PROMPTS = ["sky", "subject", "person", "background"];

const field =
  "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900";
const small = "text-sm text-slate-600 dark:text-slate-400";

function Segmented<T extends string>({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: T;
  options: { value: T; label: string }[];
  onChange: (value: T) => void;
}) {
  const name = useId();
  return (
    <fieldset>
      <legend className="mb-1.5 text-sm font-medium">{label}</legend>
      <div className="flex flex-wrap gap-1.5">
        {options.map((option) => (
          <label
            key={option.value}
            className={cn(
              "cursor-pointer rounded-lg border px-3 py-1.5 text-sm focus-within:outline-2 focus-within:outline-offset-2 focus-within:outline-brand-500",
              value === option.value
                ? "border-brand-600 bg-brand-50 font-medium text-brand-800 dark:bg-brand-900 dark:text-white"
                : "border-slate-300 text-slate-700 hover:bg-slate-50 dark:border-slate-700 dark:text-slate-300 dark:hover:bg-slate-800",
            )}
          >
            <input
              type="radio"
              name={name}
              value={option.value}
              className="sr-only"
              checked={value === option.value}
              onChange={() => onChange(option.value)}
            />
            {option.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

function Slider({
  label,
  value,
  min,
  max,
  step,
  onChange,
  describe,
}: {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  onChange: (value: number) => void;
  describe: (value: number) => string;
}) {
  const id = useId();
  return (
    <div>
      <div className="flex items-baseline justify-between">
        <label htmlFor={id} className="text-sm font-medium">
          {label}
        </label>
        <span className={small}>{describe(value)}</span>
      </div>
      <input
        id={id}
        type="range"
        min={min}
        max={max}
        step={step}
        value={value}
        onChange={(event) => onChange(Number(event.target.value))}
        aria-valuetext={describe(value)}
        className="mt-1 w-full accent-brand-600"
      />
    </div>
  );
}

function PromptField({
  label,
  value,
  onChange,
  suggestions,
  placeholder,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  suggestions: string[];
  placeholder: string;
}) {
  const id = useId();
  return (
    <div className="space-y-2">
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      <input
        id={id}
        type="text"
        maxLength={300}
        value={value}
        placeholder={placeholder}
        onChange={(event) => onChange(event.target.value)}
        className={field}
      />
      <div className="flex flex-wrap gap-1.5" aria-label="Suggestions">
        {suggestions.map((suggestion) => (
          <button
            key={suggestion}
            type="button"
            onClick={() => onChange(suggestion)}
            className="rounded-full border border-slate-300 px-2.5 py-1 text-xs text-slate-700 hover:bg-slate-50 dark:border-slate-700 dark:text-slate-300 dark:hover:bg-slate-800"
          >
            {suggestion}
          </button>
        ))}
      </div>
    </div>
  );
}

function SkyPanel({
  options,
  set,
  onOpenBrush,
  suggestion,
}: {
  options: SkyOptions;
  set: (patch: Partial<SkyOptions>) => void;
  onOpenBrush: () => void;
  suggestion?: SkySuggestion | null;
}) {
  return (
    <div className="space-y-4">
      <Segmented
        label="New sky"
        value={options.source}
        onChange={(source) => set({ source })}
        options={[
          { value: "preset", label: "Gallery" },
          { value: "upload", label: "My own sky" },
          { value: "prompt", label: "Describe it" },
        ]}
      />
      {options.source === "preset" && (
        <PresetGallery
          kind="sky"
          selectedId={options.presetId}
          onSelect={(preset) => set({ presetId: preset.id, presetName: preset.name })}
          suggestion={suggestion}
        />
      )}
      {options.source === "upload" && (
        <ImagePicker label="Upload a sky photo" current={options.upload} onUploaded={(upload) => set({ upload })} />
      )}
      {options.source === "prompt" && (
        <PromptField
          label="Describe the sky"
          value={options.prompt}
          onChange={(prompt) => set({ prompt })}
          suggestions={SKY_PROMPTS}
          placeholder="e.g. golden hour with soft clouds"
        />
      )}
      <Slider
        label="Blend the light"
        value={options.harmonize}
        min={0}
        max={1}
        step={0.05}
        onChange={(harmonize) => set({ harmonize })}
        describe={(v) => (v === 0 ? "Off" : `${Math.round(v * 100)} %`)}
      />
      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          checked={options.reflection}
          onChange={(event) => set({ reflection: event.target.checked })}
          className="h-4 w-4 accent-brand-600"
        />
        Reflect the sky in water
      </label>
      <Slider
        label="Horizon position"
        value={options.horizonShift}
        min={-1}
        max={1}
        step={0.05}
        onChange={(horizonShift) => set({ horizonShift })}
        describe={(v) =>
          v === 0 ? "As detected" : v > 0 ? `Up ${Math.round(v * 100)}` : `Down ${Math.round(-v * 100)}`
        }
      />
      <div className="flex flex-wrap items-center justify-between gap-2 rounded-lg bg-slate-50 p-3 dark:bg-slate-800/60">
        <p className={small}>
          {options.hintsAssetId ? "Using your sky brush marks." : "Sky edge wrong? Mark it by hand."}
        </p>
        <button
          type="button"
          onClick={onOpenBrush}
          className="rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium dark:border-slate-600 dark:bg-slate-900"
        >
          {options.hintsAssetId ? "Edit sky marks" : "Fix the sky mask"}
        </button>
      </div>
      <FormatSelect value={options.format} onChange={(format) => set({ format })} formats={["jpeg", "png", "webp"]} />
    </div>
  );
}

function FormatSelect<T extends string>({
  value,
  onChange,
  formats,
}: {
  value: T;
  onChange: (value: T) => void;
  formats: T[];
}) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className="text-sm font-medium">
        File format
      </label>
      <select
        id={id}
        value={value}
        onChange={(event) => onChange(event.target.value as T)}
        className={cn(field, "mt-1")}
      >
        {formats.map((format) => (
          <option key={format} value={format}>
            {format === "jpeg" ? "JPEG (smallest)" : format === "png" ? "PNG (lossless)" : "WebP"}
          </option>
        ))}
      </select>
    </div>
  );
}

function BackgroundPanel({
  options,
  set,
}: {
  options: BackgroundOptions;
  set: (patch: Partial<BackgroundOptions>) => void;
}) {
  const colorId = useId();
  const canvasId = useId();
  return (
    <div className="space-y-4">
      <Segmented
        label="New background"
        value={options.source}
        onChange={(source) => set({ source })}
        options={[
          { value: "preset", label: "Gallery" },
          { value: "color", label: "Colour" },
          { value: "upload", label: "My own image" },
          { value: "prompt", label: "Describe it" },
        ]}
      />
      {options.source === "preset" && (
        <PresetGallery
          kind="background"
          selectedId={options.presetId}
          onSelect={(preset) => set({ presetId: preset.id, presetName: preset.name })}
        />
      )}
      {options.source === "color" && (
        <div className="flex items-center gap-3">
          <input
            id={colorId}
            type="color"
            value={options.color}
            onChange={(event) => set({ color: event.target.value })}
            className="h-10 w-14 cursor-pointer rounded border border-slate-300 bg-white dark:border-slate-700"
          />
          <label htmlFor={colorId} className="text-sm">
            Background colour <span className="font-mono text-slate-600 dark:text-slate-400">{options.color}</span>
          </label>
          <div className="ml-auto flex gap-1.5" aria-label="Quick colours">
            {["#ffffff", "#f1f5f9", "#111827", "#fde68a"].map((color) => (
              <button
                key={color}
                type="button"
                onClick={() => set({ color })}
                aria-label={`Use ${color}`}
                className="h-7 w-7 rounded-full border border-slate-300 dark:border-slate-600"
                style={{ backgroundColor: color }}
              />
            ))}
          </div>
        </div>
      )}
      {options.source === "upload" && (
        <ImagePicker label="Upload a background" current={options.upload} onUploaded={(upload) => set({ upload })} />
      )}
      {options.source === "prompt" && (
        <PromptField
          label="Describe the background"
          value={options.prompt}
          onChange={(prompt) => set({ prompt })}
          suggestions={BG_PROMPTS}
          placeholder="e.g. white marble"
        />
      )}
      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          checked={options.shadow}
          onChange={(event) => set({ shadow: event.target.checked })}
          className="h-4 w-4 accent-brand-600"
        />
        Contact shadow under the subject
      </label>
      {options.shadow && (
        <div className="space-y-3 border-l-2 border-slate-200 pl-3 dark:border-slate-800">
          <Slider
            label="Shadow strength"
            value={options.shadowStrength}
            min={0}
            max={1}
            step={0.05}
            onChange={(shadowStrength) => set({ shadowStrength })}
            describe={(v) => `${Math.round(v * 100)} %`}
          />
          <Slider
            label="Shadow softness"
            value={options.shadowSoftness}
            min={0}
            max={1}
            step={0.05}
            onChange={(shadowSoftness) => set({ shadowSoftness })}
            describe={(v) => (v < 0.25 ? "Crisp" : v > 0.75 ? "Very soft" : "Soft")}
          />
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={options.castShadow}
              onChange={(event) => set({ castShadow: event.target.checked })}
              className="h-4 w-4 accent-brand-600"
            />
            Cast shadow on the ground
          </label>
          {options.castShadow && (
            <Slider
              label="Shadow direction"
              value={options.shadowDirection}
              min={-60}
              max={60}
              step={5}
              onChange={(shadowDirection) => set({ shadowDirection })}
              describe={(v) => (v === 0 ? "Straight back" : v < 0 ? `${-v}° to the left` : `${v}° to the right`)}
            />
          )}
        </div>
      )}
      <div>
        <label htmlFor={canvasId} className="text-sm font-medium">
          Output size
        </label>
        <select
          id={canvasId}
          value={options.canvas}
          onChange={(event) => set({ canvas: event.target.value as BackgroundOptions["canvas"] })}
          className={cn(field, "mt-1")}
        >
          {Object.entries(CANVAS_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {options.canvas !== "original" && (
        <div className="space-y-3 border-l-2 border-slate-200 pl-3 dark:border-slate-800">
          <Slider
            label="Margin"
            value={options.margin}
            min={0}
            max={0.3}
            step={0.01}
            onChange={(margin) => set({ margin })}
            describe={(v) => `${Math.round(v * 100)} %`}
          />
          <Slider
            label="Subject size"
            value={options.subjectScale}
            min={0.3}
            max={1.5}
            step={0.05}
            onChange={(subjectScale) => set({ subjectScale })}
            describe={(v) => `${Math.round(v * 100)} %`}
          />
          <Slider
            label="Subject left–right"
            value={options.subjectX}
            min={-1}
            max={1}
            step={0.05}
            onChange={(subjectX) => set({ subjectX })}
            describe={(v) =>
              v === 0 ? "Centred" : v < 0 ? `Left ${Math.round(-v * 100)}` : `Right ${Math.round(v * 100)}`
            }
          />
          <Slider
            label="Subject up–down"
            value={options.subjectY}
            min={-1}
            max={1}
            step={0.05}
            onChange={(subjectY) => set({ subjectY })}
            describe={(v) =>
              v === 0 ? "Centred" : v < 0 ? `Up ${Math.round(-v * 100)}` : `Down ${Math.round(v * 100)}`
            }
          />
        </div>
      )}
      <FormatSelect value={options.format} onChange={(format) => set({ format })} formats={["png", "jpeg", "webp"]} />
    </div>
  );
}

function RemovalPanel({ options, set }: { options: RemovalOptions; set: (patch: Partial<RemovalOptions>) => void }) {
  return (
    <div className="space-y-4">
      <p className={small}>
        Cuts the subject out onto a transparent background, at full resolution, with cleaned-up edges.
      </p>
      <Segmented
        label="What you get"
        value={options.output}
        onChange={(output) => set({ output })}
        options={[
          { value: "cutout", label: "Transparent cut-out" },
          { value: "matte", label: "Alpha matte" },
        ]}
      />
      <Segmented
        label="File format"
        value={options.format}
        onChange={(format) => set({ format })}
        options={[
          { value: "png", label: "PNG" },
          { value: "webp", label: "WebP" },
        ]}
      />
    </div>
  );
}

function MaskPanel({ options, set }: { options: MaskOptions; set: (patch: Partial<MaskOptions>) => void }) {
  return (
    <div className="space-y-4">
      <PromptField
        label="What should be selected?"
        value={options.prompt}
        onChange={(prompt) => set({ prompt })}
        suggestions={MASK_PROMPTS}
        placeholder="e.g. sky"
      />
      <p className={small}>
        You get a black-and-white PNG mask (white = selected) at the photo&apos;s full size, ready for any editor.
      </p>
    </div>
  );
}

/** The four edits as tabs (WAI-ARIA tabs pattern: arrow keys move between tabs). */
export function EditPanel({ tab, onTabChange, options, onOptionsChange, onOpenBrush, skySuggestion }: Props) {
  const baseId = useId();
  const tabRefs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const index = TABS.findIndex((candidate) => candidate.id === tab);
    const next =
      event.key === "ArrowRight"
        ? index + 1
        : event.key === "ArrowLeft"
          ? index - 1
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? TABS.length - 1
              : null;
    if (next === null) return;
    event.preventDefault();
    const wrapped = (next + TABS.length) % TABS.length;
    const target = TABS[wrapped];
    if (!target) return;
    onTabChange(target.id);
    tabRefs.current[wrapped]?.focus();
  };

  let panel: ReactNode;
  if (tab === "sky-replacement")
    panel = (
      <SkyPanel
        options={options["sky-replacement"]}
        set={(patch) => onOptionsChange("sky-replacement", patch)}
        onOpenBrush={onOpenBrush}
        suggestion={skySuggestion}
      />
    );
  else if (tab === "background-change")
    panel = (
      <BackgroundPanel
        options={options["background-change"]}
        set={(patch) => onOptionsChange("background-change", patch)}
      />
    );
  else if (tab === "background-removal")
    panel = (
      <RemovalPanel
        options={options["background-removal"]}
        set={(patch) => onOptionsChange("background-removal", patch)}
      />
    );
  else
    panel = (
      <MaskPanel
        options={options["prompt-segmentation"]}
        set={(patch) => onOptionsChange("prompt-segmentation", patch)}
      />
    );

  return (
    <div>
      <div
        role="tablist"
        aria-label="Choose the edit"
        onKeyDown={onKeyDown}
        className="grid grid-cols-2 gap-1 rounded-xl bg-slate-100 p-1 sm:grid-cols-4 lg:grid-cols-2 dark:bg-slate-800"
      >
        {TABS.map((candidate, index) => {
          const selected = candidate.id === tab;
          return (
            <button
              key={candidate.id}
              ref={(element) => {
                tabRefs.current[index] = element;
              }}
              role="tab"
              type="button"
              id={`${baseId}-tab-${candidate.id}`}
              aria-selected={selected}
              aria-controls={`${baseId}-panel`}
              tabIndex={selected ? 0 : -1}
              onClick={() => onTabChange(candidate.id)}
              className={cn(
                "rounded-lg px-2 py-2 text-sm font-medium",
                selected
                  ? "bg-white text-slate-900 shadow-sm dark:bg-slate-950 dark:text-white"
                  : "text-slate-700 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white",
              )}
            >
              {candidate.label}
            </button>
          );
        })}
      </div>
      <div role="tabpanel" id={`${baseId}-panel`} aria-labelledby={`${baseId}-tab-${tab}`} className="mt-4">
        {panel}
      </div>
    </div>
  );
}
