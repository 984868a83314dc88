"use client";

import { useCallback, useEffect, useId, useRef, useState, type PointerEvent } from "react";
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

function drawStrokes(params: { ctx: CanvasRenderingContext2D; strokes: Stroke[]; width: number; height: number; colours: Record<Mode, string> }) {
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
export function rasteriseHints(params: { strokes: Stroke[]; aspect: number }): Promise<Blob> {
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
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("Could not encode the marks."))), "image/png"));
}

/** Paint "sky" / "not sky" over the photo to correct the sky detection. */
export function MaskBrush({ photo, busy, onApply, onCancel }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [strokes, setStrokes] = useState<Stroke[]>([]);
  const [mode, setMode] = useState<Mode>("sky");
  const [size, setSize] = useState(0.05);
  const drawing = useRef<Stroke | null>(null);
  const sizeId = useId();
  const aspect = photo.width / photo.height;

  const redraw = useCallback(() => {
    const element = canvas.current;
    const ctx = element?.getContext("2d");
    if (!element || !ctx) return;
    ctx.clearRect(0, 0, element.width, element.height);
    drawStrokes({ ctx, strokes: drawing.current ? [...strokes, drawing.current] : strokes, width: element.width, height: element.height, colours: DISPLAY_COLOURS });
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

  const point = (event: PointerEvent<HTMLCanvasElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    return { x: Math.min(1, Math.max(0, (event.clientX - box.left) / box.width)), y: Math.min(1, Math.max(0, (event.clientY - box.top) / box.height)) };
  };

  const onPointerDown = (event: PointerEvent<HTMLCanvasElement>) => {
    if (event.button !== 0 || busy) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    drawing.current = { mode, size, points: [point(event)] };
    redraw();
  };
  const onPointerMove = (event: PointerEvent<HTMLCanvasElement>) => {
    if (!drawing.current) return;
    drawing.current.points.push(point(event));
    redraw();
  };
  const onPointerUp = () => {
    const stroke = drawing.current;
    drawing.current = null;
    if (stroke) setStrokes((previous) => [...previous, stroke]);
  };

  const apply = async () => onApply(await rasteriseHints({ strokes, aspect }));

  return (
    <div className="space-y-3" data-testid="mask-brush">
      <div className="flex flex-wrap items-center gap-2">
        <div role="radiogroup" aria-label="Brush" className="inline-flex rounded-lg border border-slate-300 p-0.5 dark:border-slate-700">
          {(["sky", "not-sky"] as const).map((value) => (
            <button
              key={value}
              type="button"
              role="radio"
              aria-checked={mode === value}
              onClick={() => setMode(value)}
              className={cn("flex items-center gap-1.5 rounded-md px-3 py-1.5 text-sm", mode === value ? "bg-slate-900 text-white dark:bg-white dark:text-slate-900" : "text-slate-700 dark:text-slate-300")}
            >
              <span aria-hidden className={cn("h-3 w-3 rounded-full", value === "sky" ? "bg-sky-400" : "bg-rose-500")} />
              {value === "sky" ? "Sky" : "Not sky"}
            </button>
          ))}
        </div>
        <label htmlFor={sizeId} className="ml-1 text-sm">
          Size
        </label>
        <input id={sizeId} type="range" min={0.01} max={0.2} step={0.01} value={size} onChange={(event) => setSize(Number(event.target.value))} className="w-28 accent-brand-600" aria-valuetext={`${Math.round(size * 100)} % of the width`} />
        <button type="button" onClick={() => setStrokes((previous) => previous.slice(0, -1))} disabled={strokes.length === 0} className={buttonStyles({ variant: "ghost", size: "sm" })}>
          Undo
        </button>
        <button type="button" onClick={() => setStrokes([])} disabled={strokes.length === 0} className={buttonStyles({ variant: "ghost", size: "sm" })}>
          Clear
        </button>
      </div>
      <p className="text-sm text-slate-600 dark:text-slate-400">Paint over the sky in blue and over anything that is not sky in red. You only need a few rough strokes.</p>
      <div className="relative mx-auto overflow-hidden rounded-xl bg-slate-100 dark:bg-slate-900" style={{ aspectRatio: `${photo.width} / ${photo.height}`, maxWidth: `calc(65vh * ${aspect})` }}>
        {/* eslint-disable-next-line @next/next/no-img-element -- the user's own photo (local blob URL) */}
        <img src={photo.src} alt="Your photo, to paint on" width={photo.width} height={photo.height} className="absolute inset-0 h-full w-full select-none object-contain" draggable={false} />
        <canvas
          ref={canvas}
          aria-label="Sky brush canvas: paint with the mouse, a pen or a finger"
          role="img"
          className="absolute inset-0 h-full w-full cursor-crosshair touch-none"
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerCancel={onPointerUp}
        />
      </div>
      <div className="flex flex-wrap gap-2">
        <button type="button" onClick={() => void apply()} disabled={strokes.length === 0 || busy} className={buttonStyles()}>
          {busy ? "Applying…" : "Apply marks and preview"}
        </button>
        <button type="button" onClick={onCancel} className={buttonStyles({ variant: "secondary" })}>
          Cancel
        </button>
      </div>
    </div>
  );
}
