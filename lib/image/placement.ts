import { CANVAS_PRESETS, type CanvasPreset } from "./options";

/** Where the subject goes on a marketplace canvas; the photo's own canvas keeps it where it is. */
export type Framing = {
  /** Free border around the subject, as a fraction of the canvas side (0–0.3). */
  margin: number;
  /** Size relative to "fits inside the margins" (0.3–1.5). */
  scale: number;
  /** Position in the free space: −1 (left/top) … 0 (centred) … 1 (right/bottom). */
  offsetX: number;
  offsetY: number;
};

const DEFAULT_FRAMING: Framing = { margin: 0.08, scale: 1, offsetX: 0, offsetY: 0 };

export type Placement = {
  canvasW: number;
  canvasH: number;
  crop: { left: number; top: number; width: number; height: number };
  x: number;
  y: number;
  w: number;
  h: number;
};

/**
 * The canvas size and the subject's crop and place on it. `scale` shrinks the whole canvas (free
 * previews of marketplace canvases); a subject cut by the photo's bottom edge (a person at the
 * waist) stays on the canvas's bottom edge unless moved.
 */
export function placeSubject(args: {
  canvas: CanvasPreset;
  width: number;
  height: number;
  bbox: { x: number; y: number; width: number; height: number };
  scale: number;
  framing?: Framing;
}): Placement {
  const { width: W, height: H, bbox } = args;
  const framing = args.framing ?? DEFAULT_FRAMING;
  const size = CANVAS_PRESETS[args.canvas].size;
  if (!size) {
    const cw = Math.round(W * args.scale);
    const ch = Math.round(H * args.scale);
    return { canvasW: cw, canvasH: ch, crop: { left: 0, top: 0, width: W, height: H }, x: 0, y: 0, w: cw, h: ch };
  }
  const canvasW = Math.max(16, Math.round(size.width * args.scale));
  const canvasH = Math.max(16, Math.round(size.height * args.scale));
  const pad = Math.round(0.02 * Math.max(bbox.width, bbox.height));
  const left = Math.max(0, bbox.x - pad);
  const top = Math.max(0, bbox.y - pad);
  const right = Math.min(W, bbox.x + bbox.width + pad);
  const bottom = Math.min(H, bbox.y + bbox.height + pad);
  const cropW = right - left;
  const cropH = bottom - top;
  const cutAtBottom = bbox.y + bbox.height >= H - Math.max(2, 0.01 * H);
  const margin = Math.max(0, Math.min(0.3, framing.margin));
  const availW = canvasW * (1 - 2 * margin);
  const availH = canvasH * (cutAtBottom ? 1 - margin : 1 - 2 * margin);
  const s = Math.min(availW / cropW, availH / cropH) * Math.max(0.3, Math.min(1.5, framing.scale));
  const w = Math.max(1, Math.round(cropW * s));
  const h = Math.max(1, Math.round(cropH * s));
  const ox = Math.max(-1, Math.min(1, framing.offsetX));
  const oy = Math.max(-1, Math.min(1, framing.offsetY));
  // Free space on each side (negative when the subject is larger than the canvas).
  const freeX = (canvasW - w) / 2;
  const freeY = (canvasH - h) / 2;
  // How far the subject may move from the centre: up to the margin, or (larger than the canvas) pan across it.
  const range = (free: number, side: number) => (free >= 0 ? Math.max(0, free - margin * side) : -free);
  const x = Math.round(freeX + ox * range(freeX, canvasW));
  const y = cutAtBottom && oy === 0 ? canvasH - h : Math.round(freeY + oy * range(freeY, canvasH));
  return { canvasW, canvasH, crop: { left, top, width: cropW, height: cropH }, x, y, w, h };
}
