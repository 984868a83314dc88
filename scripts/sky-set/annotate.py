#!/usr/bin/env python3
"""Turns hand-drawn hints into a sky mask per photo, and draws overlays to check them by eye.

Hints live in scripts/sky-set/hints/<id>.json; coordinates are per mille of the photo's width
(x) and height (y), so they do not depend on the resolution the photo is viewed at:

    {
      "sky": [[[x, y], ...], ...],      polygons that are surely sky
      "fg": [[[x, y], ...], ...],       polygons that are surely not sky
      "maybeSky": [...],                polygons where GrabCut decides, leaning sky
      "forceSky": [...], "forceFg": [...],  polygons painted last, overriding everything
      "lines": [{"points": [[x, y], ...], "width": 3, "label": "fg"}],  thin objects (cables, masts)
      "rest": "fg" | "maybeFg" | "maybeSky",   what the unmarked area starts as (default maybeFg)
      "note": "free text"
    }

GrabCut (OpenCV) refines the boundary between the marked regions at up to 1024 px; the mask is
then upsampled with the photo as guide and written as a bilevel PNG (white = sky) of at most
2048 px to scripts/sky-set/masks/<id>.png. A photo without sky needs no hints and no mask.

    python3 scripts/sky-set/annotate.py <id> [<id> ...]     build masks and review images
    python3 scripts/sky-set/annotate.py --review <id> ...    review images only

Review images go to .cache/sky-set/review/<id>.png: the photo, the photo with the sky tinted and
its boundary drawn, and the mask; plus <id>-zoom.png with full-resolution crops along the boundary.
"""
import json
import os
import sys

import cv2
import numpy as np

ROOT = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(ROOT))
PHOTOS = os.path.join(REPO, ".cache", "sky-set", "photos")
REVIEW = os.path.join(REPO, ".cache", "sky-set", "review")
HINTS = os.path.join(ROOT, "hints")
MASKS = os.path.join(ROOT, "masks")
WORK_SIDE = 1024
MASK_SIDE = 2048


def photo_path(pid):
    for ext in (".jpg", ".png", ".webp"):
        p = os.path.join(PHOTOS, pid + ext)
        if os.path.exists(p):
            return p
    raise SystemExit(f"{pid}: photo not found in {PHOTOS} (run npm run sky-set:fetch)")


def load_photo(pid):
    img = cv2.imread(photo_path(pid), cv2.IMREAD_COLOR)
    if img is None:
        raise SystemExit(f"{pid}: cannot decode")
    return img


def scaled(img, side):
    h, w = img.shape[:2]
    s = min(1.0, side / max(w, h))
    if s >= 1.0:
        return img
    return cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)


def polys(hints, key, w, h):
    out = []
    for poly in hints.get(key, []):
        pts = np.array([[round(x / 1000 * (w - 1)), round(y / 1000 * (h - 1))] for x, y in poly], np.int32)
        out.append(pts)
    return out


def build(pid):
    with open(os.path.join(HINTS, pid + ".json")) as f:
        hints = json.load(f)
    full = load_photo(pid)
    work = scaled(full, WORK_SIDE)
    h, w = work.shape[:2]
    rest = {"fg": cv2.GC_BGD, "maybeFg": cv2.GC_PR_BGD, "maybeSky": cv2.GC_PR_FGD}[hints.get("rest", "maybeFg")]
    # GrabCut's "foreground" is the sky here.
    lab = np.full((h, w), rest, np.uint8)
    for p in polys(hints, "maybeSky", w, h):
        cv2.fillPoly(lab, [p], cv2.GC_PR_FGD)
    for p in polys(hints, "sky", w, h):
        cv2.fillPoly(lab, [p], cv2.GC_FGD)
    for p in polys(hints, "fg", w, h):
        cv2.fillPoly(lab, [p], cv2.GC_BGD)
    for line in hints.get("lines", []):
        pts = np.array([[round(x / 1000 * (w - 1)), round(y / 1000 * (h - 1))] for x, y in line["points"]], np.int32)
        value = cv2.GC_BGD if line.get("label", "fg") == "fg" else cv2.GC_FGD
        cv2.polylines(lab, [pts], False, int(value), int(line.get("width", 3)))
    has_sky = np.any((lab == cv2.GC_FGD) | (lab == cv2.GC_PR_FGD))
    has_fg = np.any((lab == cv2.GC_BGD) | (lab == cv2.GC_PR_BGD))
    if has_sky and has_fg:
        bgd = np.zeros((1, 65), np.float64)
        fgd = np.zeros((1, 65), np.float64)
        cv2.grabCut(work, lab, None, bgd, fgd, 6, cv2.GC_INIT_WITH_MASK)
    sky = ((lab == cv2.GC_FGD) | (lab == cv2.GC_PR_FGD)).astype(np.float32)
    for p in polys(hints, "forceSky", w, h):
        cv2.fillPoly(sky, [p], 1.0)
    for p in polys(hints, "forceFg", w, h):
        cv2.fillPoly(sky, [p], 0.0)
    # Upsample with the photo as guide so the edge follows the full-resolution skyline.
    out = scaled(full, MASK_SIDE)
    oh, ow = out.shape[:2]
    up = cv2.resize(sky, (ow, oh), interpolation=cv2.INTER_LINEAR)
    if (ow, oh) != (w, h) and hasattr(cv2, "ximgproc"):
        up = cv2.ximgproc.guidedFilter(out, up, 4, 1e-3)
    mask = np.where(up > 0.5, 255, 0).astype(np.uint8)
    os.makedirs(MASKS, exist_ok=True)
    cv2.imwrite(os.path.join(MASKS, pid + ".png"), mask, [cv2.IMWRITE_PNG_BILEVEL, 1])
    return mask


def review(pid):
    full = load_photo(pid)
    mpath = os.path.join(MASKS, pid + ".png")
    mask = cv2.imread(mpath, cv2.IMREAD_GRAYSCALE) if os.path.exists(mpath) else None
    view = scaled(full, 1024)
    vh, vw = view.shape[:2]
    m = np.zeros((vh, vw), np.uint8) if mask is None else cv2.resize(mask, (vw, vh), interpolation=cv2.INTER_NEAREST)
    tint = view.copy()
    tint[m > 127] = (0.45 * tint[m > 127] + 0.55 * np.array([40, 40, 255])).astype(np.uint8)
    edge = cv2.morphologyEx((m > 127).astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    tint[edge > 0] = (0, 255, 255)
    sheet = np.concatenate([view, tint], axis=1)
    os.makedirs(REVIEW, exist_ok=True)
    cv2.imwrite(os.path.join(REVIEW, pid + ".png"), sheet)
    if mask is None:
        return
    # Full-resolution crops where the boundary is: 6 tiles of 400 px spread along the edge.
    fh, fw = full.shape[:2]
    fm = cv2.resize(mask, (fw, fh), interpolation=cv2.INTER_NEAREST)
    fedge = cv2.morphologyEx((fm > 127).astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    ys, xs = np.nonzero(fedge)
    if len(xs) == 0:
        return
    order = np.argsort(xs)
    tiles = []
    T = 400
    for k in range(6):
        j = order[min(len(order) - 1, int((k + 0.5) / 6 * len(order)))]
        cx, cy = int(xs[j]), int(ys[j])
        x0 = max(0, min(fw - T, cx - T // 2))
        y0 = max(0, min(fh - T, cy - T // 2))
        crop = full[y0 : y0 + T, x0 : x0 + T].copy()
        ce = fedge[y0 : y0 + T, x0 : x0 + T]
        crop[ce > 0] = (0, 255, 255)
        crop = cv2.copyMakeBorder(crop, 0, T - crop.shape[0], 0, T - crop.shape[1], cv2.BORDER_CONSTANT)
        tiles.append(crop)
    grid = np.concatenate([np.concatenate(tiles[:3], axis=1), np.concatenate(tiles[3:], axis=1)], axis=0)
    cv2.imwrite(os.path.join(REVIEW, pid + "-zoom.png"), grid)


def main(argv):
    only_review = "--review" in argv
    ids = [a for a in argv if not a.startswith("--")]
    for pid in ids:
        if not only_review:
            build(pid)
        review(pid)
        print(pid, "ok")


if __name__ == "__main__":
    main(sys.argv[1:])
