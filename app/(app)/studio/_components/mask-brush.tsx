"use client";

import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent, type PointerEvent } from "react";
import { buttonStyles } from "@/components/ui/button";
import { cn } from "@/lib/utils";

type Mode = "sky" | "not-sky";
type Stroke = { mode: Mode; size: number; points: { x: number; y: number }[] };

type Props = {
  photo: { src: string; width: number; height: number };
  busy: boolean;
  onApply: (hints: Blob) => void;
  onCancel: () => void;
};

/** Long side of the hints PNG; the engine rescales it to the photo. */
const HINTS_LONG_SIDE = 1024;
const DISPLAY_COLOURS: Record<Mode, string> = { sky: "rgba(56,189,248,0.55)", "not-sky": "rgba(244,63,94,0.55)" };
const HINT_COLOURS: Record<Mode, string> = { sky: "#ffffff", "not-sky": "#000000" };

function drawStrokes(params: {
  ctx: CanvasRenderingContext2D;
  strokes: Stroke[];
  width: number;
  height: number;
  colours: Record<Mode, string>;
}) {
  const { ctx, strokes, width, height, colours } = params;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  for (const stroke of strokes) {
    ctx.strokeStyle = colours[stroke.mode];
    ctx.fillStyle = colours[stroke.mode];
    ctx.lineWidth = stroke.size * width;
    const [first, ...rest] = stroke.points;
    if (!first) continue;
    if (rest.length === 0) {
      ctx.beginPath();
      ctx.arc(first.x * width, first.y * height, (stroke.size * width) / 2, 0, Math.PI * 2);
      ctx.fill();
      continue;
    }
    ctx.beginPath();
    ctx.moveTo(first.x * width, first.y * height);
    for (const point of rest) ctx.lineTo(point.x * width, point.y * height);
    ctx.stroke();
  }
}

/** Rasterises the strokes into the engine's hints format: white = sky, black = not sky, grey 128 = no opinion. */
function rasteriseHints(params: { strokes: Stroke[]; aspect: number }): Promise<Blob> {
  const width = params.aspect >= 1 ? HINTS_LONG_SIDE : Math.round(HINTS_LONG_SIDE * params.aspect);
  const height = params.aspect >= 1 ? Math.round(HINTS_LONG_SIDE / params.aspect) : HINTS_LONG_SIDE;
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  if (!ctx) return Promise.reject(new Error("Canvas is not available."));
  ctx.fillStyle = "rgb(128,128,128)";
  ctx.fillRect(0, 0, width, height);
  drawStrokes({ ctx, strokes: params.strokes, width, height, colours: HINT_COLOURS });
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("Could not encode the marks."))), "image/png"),
  );
}

const MIN_SIZE = 0.01;
const MAX_SIZE = 0.2;
const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
const MODE_LABELS: Record<Mode, string> = { sky: "Sky", "not-sky": "Not sky" };
const marks = (count: number) => `${count} ${count === 1 ? "mark" : "marks"}`;

/**
 * Paint "sky" / "not sky" over the photo to correct the sky detection: with a pointer, or with the
 * keyboard on the focused canvas (arrows move a visible brush, Space paints, S/N, [ ], Ctrl+Z).
 */
export function MaskBrush({ photo, busy, onApply, onCancel }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [strokes, setStrokes] = useState<Stroke[]>([]);
  const [mode, setMode] = useState<Mode>("sky");
  const [size, setSize] = useState(0.05);
  const [cursor, setCursor] = useState({ x: 0.5, y: 0.5 });
  const [isPenDown, setPenDown] = useState(false);
  const [announcement, setAnnouncement] = useState("");
  const drawing = useRef<Stroke | null>(null);
  const sizeId = useId();
  const keysId = useId();
  const aspect = photo.width / photo.height;

  const redraw = useCallback(() => {
    const element = canvas.current;
    const ctx = element?.getContext("2d");
    if (!element || !ctx) return;
    ctx.clearRect(0, 0, element.width, element.height);
    drawStrokes({
      ctx,
      strokes: drawing.current ? [...strokes, drawing.current] : strokes,
      width: element.width,
      height: element.height,
      colours: DISPLAY_COLOURS,
    });
  }, [strokes]);

  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const resize = () => {
      const box = element.getBoundingClientRect();
      const ratio = Math.min(window.devicePixelRatio || 1, 2);
      element.width = Math.max(1, Math.round(box.width * ratio));
      element.height = Math.max(1, Math.round(box.height * ratio));
      redraw();
    };
    resize();
    const observer = new ResizeObserver(resize);
    observer.observe(element);
    return () => observer.disconnect();
  }, [redraw]);

  const commit = () => {
    const stroke = drawing.current;
    drawing.current = null;
    setPenDown(false);
    if (stroke) setStrokes((previous) => [...previous, stroke]);
    return stroke;
  };

  const point = (event: PointerEvent<HTMLCanvasElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    return {
      x: clamp((event.clientX - box.left) / box.width, 0, 1),
      y: clamp((event.clientY - box.top) / box.height, 0, 1),
    };
  };

  const onPointerDown = (event: PointerEvent<HTMLCanvasElement>) => {
    if (event.button !== 0 || busy) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    const at = point(event);
    setCursor(at);
    drawing.current = { mode, size, points: [at] };
    redraw();
  };
  const onPointerMove = (event: PointerEvent<HTMLCanvasElement>) => {
    if (!drawing.current) return;
    const at = point(event);
    setCursor(at);
    drawing.current.points.push(at);
    redraw();
  };

  /** Keyboard painting: the pen stays down between Space presses, so no key has to be held. */
  const onKeyDown = (event: KeyboardEvent<HTMLCanvasElement>) => {
    if (busy) return;
    const restart = (next: { mode: Mode; size: number }) => {
      if (!drawing.current) return;
      commit();
      drawing.current = { ...next, points: [cursor] };
      setPenDown(true);
    };
    const arrows: Record<string, [number, number]> = {
      ArrowLeft: [-1, 0],
      ArrowRight: [1, 0],
      ArrowUp: [0, -1],
      ArrowDown: [0, 1],
    };
    const direction = arrows[event.key];
    if (direction) {
      event.preventDefault();
      const step = event.shiftKey ? 0.1 : 0.02;
      const next = {
        x: clamp(cursor.x + direction[0] * step, 0, 1),
        y: clamp(cursor.y + direction[1] * step * aspect, 0, 1),
      };
      setCursor(next);
      if (drawing.current) {
        drawing.current.points.push(next);
        redraw();
      }
      return;
    }
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
      event.preventDefault();
      if (drawing.current) {
        drawing.current = null;
        setPenDown(false);
        redraw();
        setAnnouncement(`Stroke discarded. ${marks(strokes.length)}.`);
        return;
      }
      setStrokes((previous) => previous.slice(0, -1));
      setAnnouncement(`Undone. ${marks(Math.max(0, strokes.length - 1))}.`);
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === " " || event.key === "Enter") {
      event.preventDefault();
      if (drawing.current) {
        commit();
        setAnnouncement(`Pen up. ${marks(strokes.length + 1)}.`);
      } else {
        drawing.current = { mode, size, points: [cursor] };
        setPenDown(true);
        redraw();
        setAnnouncement(`Painting ${MODE_LABELS[mode].toLowerCase()}: move with the arrow keys, Space to stop.`);
      }
      return;
    }
    if (event.key === "Escape" && drawing.current) {
      event.preventDefault();
      commit();
      setAnnouncement(`Pen up. ${marks(strokes.length + 1)}.`);
      return;
    }
    const key = event.key.toLowerCase();
    if (key === "s" || key === "n") {
      event.preventDefault();
      const next: Mode = key === "s" ? "sky" : "not-sky";
      setMode(next);
      restart({ mode: next, size });
      setAnnouncement(`Brush: ${MODE_LABELS[next]}.`);
      return;
    }
    if (event.key === "[" || event.key === "]") {
      event.preventDefault();
      const next = Math.round(clamp(size + (event.key === "]" ? 0.01 : -0.01), MIN_SIZE, MAX_SIZE) * 100) / 100;
      setSize(next);
      restart({ mode, size: next });
      setAnnouncement(`Brush size ${Math.round(next * 100)} % of the width.`);
    }
  };

  const apply = async () => onApply(await rasteriseHints({ strokes, aspect }));
  const kbd = "rounded border border-slate-300 bg-white px-1 font-mono text-xs dark:border-slate-600 dark:bg-slate-800";

  return (
    <div className="space-y-3" data-testid="mask-brush">
      <div className="flex flex-wrap items-center gap-2">
        <div
          role="radiogroup"
          aria-label="Brush"
          className="inline-flex rounded-lg border border-slate-300 p-0.5 dark:border-slate-700"
        >
          {(["sky", "not-sky"] as const).map((value) => (
            <button
              key={value}
              type="button"
              role="radio"
              aria-checked={mode === value}
              onClick={() => setMode(value)}
              className={cn(
                "flex items-center gap-1.5 rounded-md px-3 py-1.5 text-sm",
                mode === value
                  ? "bg-slate-900 text-white dark:bg-white dark:text-slate-900"
                  : "text-slate-700 dark:text-slate-300",
              )}
            >
              <span
                aria-hidden
                className={cn("h-3 w-3 rounded-full", value === "sky" ? "bg-sky-400" : "bg-rose-500")}
              />
              {MODE_LABELS[value]}
            </button>
          ))}
        </div>
        <div className="flex items-center gap-2">
          <label htmlFor={sizeId} className="ml-1 text-sm">
            Size
          </label>
          <input
            id={sizeId}
            type="range"
            min={MIN_SIZE}
            max={MAX_SIZE}
            step={0.01}
            value={size}
            onChange={(event) => setSize(Number(event.target.value))}
            className="w-28 accent-brand-600"
            aria-valuetext={`${Math.round(size * 100)} % of the width`}
          />
        </div>
        <div className="flex items-center gap-1">
          <button
            type="button"
            onClick={() => setStrokes((previous) => previous.slice(0, -1))}
            disabled={strokes.length === 0}
            className={buttonStyles({ variant: "ghost", size: "sm" })}
          >
            Undo
          </button>
          <button
            type="button"
            onClick={() => setStrokes([])}
            disabled={strokes.length === 0}
            className={buttonStyles({ variant: "ghost", size: "sm" })}
          >
            Clear
          </button>
        </div>
      </div>
      <p className="text-sm text-slate-600 dark:text-slate-400">
        Paint over the sky in blue and over anything that is not sky in red. You only need a few rough strokes.
      </p>
      <div
        className="relative mx-auto overflow-hidden rounded-xl bg-slate-100 dark:bg-slate-900"
        style={{ aspectRatio: `${photo.width} / ${photo.height}`, maxWidth: `calc(65vh * ${aspect})` }}
      >
        {/* eslint-disable-next-line @next/next/no-img-element -- the user's own photo (local blob URL) */}
        <img
          src={photo.src}
          alt=""
          width={photo.width}
          height={photo.height}
          className="absolute inset-0 h-full w-full select-none object-contain"
          draggable={false}
        />
        <canvas
          ref={canvas}
          tabIndex={0}
          role="application"
          aria-roledescription="paint canvas"
          aria-label="Sky brush: paint on your photo"
          aria-describedby={keysId}
          className="peer absolute inset-0 h-full w-full cursor-crosshair touch-none focus-visible:outline-offset-[-3px]"
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={() => void commit()}
          onPointerCancel={() => void commit()}
          onKeyDown={onKeyDown}
          onBlur={() => void commit()}
        />
        <div
          aria-hidden
          data-testid="brush-cursor"
          className={cn(
            "pointer-events-none absolute hidden aspect-square -translate-x-1/2 -translate-y-1/2 rounded-full border-2 shadow-[0_0_0_1px_rgba(0,0,0,0.6)] peer-focus-visible:block",
            mode === "sky" ? "border-sky-300" : "border-rose-400",
            isPenDown && (mode === "sky" ? "bg-sky-400/40" : "bg-rose-500/40"),
          )}
          style={{ left: `${cursor.x * 100}%`, top: `${cursor.y * 100}%`, width: `${size * 100}%` }}
        />
      </div>
      <p className="text-sm text-slate-700 dark:text-slate-300" data-testid="brush-status">
        {MODE_LABELS[mode]} brush · {Math.round(size * 100)} % · {isPenDown ? "painting" : "pen up"} ·{" "}
        {marks(strokes.length)}
      </p>
      <p id={keysId} className="text-sm text-slate-600 dark:text-slate-400">
        Keyboard: Tab to the photo, move the brush with the arrow keys (<kbd className={kbd}>Shift</kbd> for bigger
        steps), <kbd className={kbd}>Space</kbd> or <kbd className={kbd}>Enter</kbd> starts and stops painting,{" "}
        <kbd className={kbd}>S</kbd> sky, <kbd className={kbd}>N</kbd> not sky, <kbd className={kbd}>[</kbd>{" "}
        <kbd className={kbd}>]</kbd> size, <kbd className={kbd}>Ctrl</kbd>+<kbd className={kbd}>Z</kbd> undo.
      </p>
      <p role="status" aria-live="polite" className="sr-only">
        {announcement}
      </p>
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          onClick={() => void apply()}
          disabled={strokes.length === 0 || busy}
          className={buttonStyles()}
        >
          {busy ? "Applying…" : "Apply marks and preview"}
        </button>
        <button type="button" onClick={onCancel} className={buttonStyles({ variant: "secondary" })}>
          Cancel
        </button>
      </div>
    </div>
  );
}
