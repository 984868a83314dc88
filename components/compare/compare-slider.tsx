"use client";

import { useCallback, useRef, useState, type KeyboardEvent, type PointerEvent } from "react";
import { cn } from "@/lib/utils";

type Image = { src: string; width: number; height: number; alt: string; label?: string };

type Props = {
  before: Image;
  after: Image;
  /** Show a checkerboard behind transparent results. */
  transparent?: boolean;
  className?: string;
};

const clamp = (value: number) => Math.min(100, Math.max(0, value));

/**
 * Before/after comparison: drag (mouse or touch) or use the arrow keys on the handle; switch to
 * side by side; zoom to 100 % to check edges pixel for pixel.
 */
export function CompareSlider({ before, after, transparent = false, className }: Props) {
  const [position, setPosition] = useState(50);
  const [mode, setMode] = useState<"slider" | "side-by-side">("slider");
  const [zoomed, setZoomed] = useState(false);
  const stage = useRef<HTMLDivElement>(null);
  const dragging = useRef(false);

  const moveTo = useCallback((clientX: number) => {
    const box = stage.current?.getBoundingClientRect();
    if (!box || box.width === 0) return;
    setPosition(clamp(((clientX - box.left) / box.width) * 100));
  }, []);

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    if (event.button !== 0) return;
    dragging.current = true;
    event.currentTarget.setPointerCapture(event.pointerId);
    moveTo(event.clientX);
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    if (dragging.current) moveTo(event.clientX);
  };
  const onPointerUp = () => {
    dragging.current = false;
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const step = event.shiftKey ? 10 : 2;
    const next: Record<string, number> = {
      ArrowLeft: position - step,
      ArrowDown: position - step,
      ArrowRight: position + step,
      ArrowUp: position + step,
      PageDown: position - 10,
      PageUp: position + 10,
      Home: 0,
      End: 100,
    };
    if (event.key in next) {
      event.preventDefault();
      setPosition(clamp(next[event.key] ?? position));
    }
  };

  const frame = cn(
    "relative overflow-hidden rounded-xl",
    transparent ? "checkerboard" : "bg-slate-100 dark:bg-slate-900",
  );
  const imgClass = "block h-full w-full object-contain select-none";
  const aspect = { aspectRatio: `${after.width} / ${after.height}` };

  return (
    <div className={cn("space-y-3", className)}>
      <div className="flex flex-wrap items-center gap-2 text-sm" role="group" aria-label="Comparison view">
        <div className="inline-flex rounded-lg border border-slate-300 p-0.5 dark:border-slate-700">
          {(["slider", "side-by-side"] as const).map((value) => (
            <button
              key={value}
              type="button"
              aria-pressed={mode === value}
              onClick={() => setMode(value)}
              className={cn(
                "rounded-md px-3 py-1.5",
                mode === value
                  ? "bg-slate-900 text-white dark:bg-white dark:text-slate-900"
                  : "text-slate-700 dark:text-slate-300",
              )}
            >
              {value === "slider" ? "Slider" : "Side by side"}
            </button>
          ))}
        </div>
        <button
          type="button"
          aria-pressed={zoomed}
          onClick={() => setZoomed((value) => !value)}
          className="rounded-lg border border-slate-300 px-3 py-1.5 text-slate-700 dark:border-slate-700 dark:text-slate-300"
        >
          {zoomed ? "Fit to screen" : "Zoom to 100 %"}
        </button>
      </div>

      <div
        className={cn(zoomed && "max-h-[75vh] overflow-auto rounded-xl border border-slate-200 dark:border-slate-800")}
        data-testid="compare-viewport"
      >
        {mode === "slider" ? (
          <div
            ref={stage}
            className={cn(frame, "touch-pan-y cursor-ew-resize", !zoomed && "mx-auto max-h-[70vh]")}
            style={
              zoomed
                ? { ...aspect, width: after.width }
                : { ...aspect, maxWidth: `calc(70vh * ${after.width / after.height})` }
            }
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={onPointerUp}
            onPointerCancel={onPointerUp}
          >
            {/* eslint-disable-next-line @next/next/no-img-element -- signed, expiring links to the user's own files */}
            <img
              src={after.src}
              alt={after.alt}
              width={after.width}
              height={after.height}
              className={imgClass}
              draggable={false}
            />
            <div className="absolute inset-0" style={{ clipPath: `inset(0 ${100 - position}% 0 0)` }}>
              {/* eslint-disable-next-line @next/next/no-img-element -- signed, expiring links to the user's own files */}
              <img
                src={before.src}
                alt={before.alt}
                width={before.width}
                height={before.height}
                className={cn(imgClass, "bg-slate-100 dark:bg-slate-900")}
                draggable={false}
              />
            </div>
            <span className="pointer-events-none absolute left-2 top-2 rounded bg-slate-950/70 px-2 py-0.5 text-xs font-medium text-white">
              {before.label ?? "Before"}
            </span>
            <span className="pointer-events-none absolute right-2 top-2 rounded bg-slate-950/70 px-2 py-0.5 text-xs font-medium text-white">
              {after.label ?? "After"}
            </span>
            <div
              className="pointer-events-none absolute inset-y-0 w-0.5 -translate-x-1/2 bg-white shadow-[0_0_0_1px_rgba(0,0,0,0.3)]"
              style={{ left: `${position}%` }}
            />
            <div
              role="slider"
              tabIndex={0}
              aria-label="Before and after: move left to see more of the edit, right to see more of the original"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(position)}
              aria-valuetext={`${Math.round(position)} % original`}
              aria-orientation="horizontal"
              onKeyDown={onKeyDown}
              className="absolute top-1/2 flex h-10 w-10 -translate-x-1/2 -translate-y-1/2 items-center justify-center rounded-full border-2 border-white bg-slate-900/80 text-white shadow-lg focus-visible:outline-4"
              style={{ left: `${position}%` }}
            >
              <svg
                aria-hidden
                viewBox="0 0 24 24"
                className="h-5 w-5"
                fill="none"
                stroke="currentColor"
                strokeWidth="2"
              >
                <path d="m9 6-6 6 6 6M15 6l6 6-6 6" strokeLinecap="round" strokeLinejoin="round" />
              </svg>
            </div>
          </div>
        ) : (
          <div className={cn("grid gap-3", zoomed ? "grid-flow-col" : "sm:grid-cols-2")}>
            {[before, after].map((image, index) => (
              <figure key={index} className="space-y-1">
                <div
                  className={frame}
                  style={
                    zoomed
                      ? { width: image.width, aspectRatio: `${image.width} / ${image.height}` }
                      : { aspectRatio: `${image.width} / ${image.height}` }
                  }
                >
                  {/* eslint-disable-next-line @next/next/no-img-element -- signed, expiring links to the user's own files */}
                  <img src={image.src} alt={image.alt} width={image.width} height={image.height} className={imgClass} />
                </div>
                <figcaption className="text-center text-sm text-slate-600 dark:text-slate-400">
                  {image.label ?? (index === 0 ? "Before" : "After")}
                </figcaption>
              </figure>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}
