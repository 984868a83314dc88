#!/usr/bin/env python3
"""Trains Backdrop's sky segmenter and exports it to ONNX (lib/image/models/sky-segmenter.onnx).

Data recipe (all from scripts/sky-set/manifest.json, photos fetched by `npm run sky-set:fetch`):
- every photo of the allowed splits (default: train and tune; never holdout) with its checked mask;
- photos without sky as negatives (all-zero mask);
- composites: a photo's sky region replaced by the sky of another photo (its sky pixels, stretched
  to cover), with the seam hidden by a feathered mask edge, matched brightness and noise, so the net
  sees many more sky/skyline pairings than the photos hold;
- per sample: random crop and scale, mirror, brightness/contrast/saturation/hue/gamma jitter, blur,
  sensor noise, JPEG-like block noise.

The net is a small U-Net of plain 3x3 convolutions (ONNX opset 13, runs in onnxruntime-node).
Outputs: `sky` (per-pixel sky probability at the input size) and `has_sky` (probability that the
photo shows any sky). Reproduces on a 2-core machine: `npm run train:sky` (about 1 hour).

    /usr/bin/python3 scripts/sky-model/train.py [--steps N] [--splits train,tune] [--out file.onnx]
"""
import argparse
import json
import math
import os
import random
import sys
import time

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SET = os.path.join(REPO, "scripts", "sky-set")
PHOTOS = os.path.join(REPO, ".cache", "sky-set", "photos")
LOAD_SIDE = 384  # photos are kept in memory at this short side
CROP = 256  # training crops
EXPORT_SIDE = 320  # the engine feeds a 320x320 squashed photo


def conv(i, o, s=1):
    return nn.Sequential(nn.Conv2d(i, o, 3, s, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True))


class SkyNet(nn.Module):
    def __init__(self, w=(16, 24, 40, 64, 96)):
        super().__init__()
        self.e0 = nn.Sequential(conv(3, w[0], 2), conv(w[0], w[0]))  # 1/2
        self.e1 = nn.Sequential(conv(w[0], w[1], 2), conv(w[1], w[1]))  # 1/4
        self.e2 = nn.Sequential(conv(w[1], w[2], 2), conv(w[2], w[2]))  # 1/8
        self.e3 = nn.Sequential(conv(w[2], w[3], 2), conv(w[3], w[3]))  # 1/16
        self.e4 = nn.Sequential(conv(w[3], w[4], 2), conv(w[4], w[4]), conv(w[4], w[4]))  # 1/32
        self.d3 = conv(w[4] + w[3], w[3])
        self.d2 = conv(w[3] + w[2], w[2])
        self.d1 = conv(w[2] + w[1], w[1])
        self.d0 = conv(w[1] + w[0], w[0])
        self.head = nn.Conv2d(w[0] + 3, 1, 3, 1, 1)
        self.cls = nn.Linear(2 * w[4], 1)

    def forward(self, x):
        f0 = self.e0(x)
        f1 = self.e1(f0)
        f2 = self.e2(f1)
        f3 = self.e3(f2)
        f4 = self.e4(f3)
        up = lambda a, b: F.interpolate(a, size=b.shape[2:], mode="bilinear", align_corners=False)
        d = self.d3(torch.cat([up(f4, f3), f3], 1))
        d = self.d2(torch.cat([up(d, f2), f2], 1))
        d = self.d1(torch.cat([up(d, f1), f1], 1))
        d = self.d0(torch.cat([up(d, f0), f0], 1))
        logit = self.head(torch.cat([up(d, x), x], 1))
        g = torch.cat([f4.mean((2, 3)), f4.amax((2, 3))], 1)
        return logit, self.cls(g)


def load_set(splits):
    with open(os.path.join(SET, "manifest.json")) as f:
        manifest = json.load(f)
    items = []
    for p in manifest["photos"]:
        if p["split"] not in splits:
            continue
        path = None
        for ext in (".jpg", ".png", ".webp"):
            if os.path.exists(os.path.join(PHOTOS, p["id"] + ext)):
                path = os.path.join(PHOTOS, p["id"] + ext)
        if path is None:
            print(f"missing photo {p['id']} (run npm run sky-set:fetch)", file=sys.stderr)
            continue
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        h, w = img.shape[:2]
        s = LOAD_SIDE / min(w, h)
        size = (max(CROP, round(w * s)), max(CROP, round(h * s)))
        img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
        if p["sky"]:
            m = cv2.imread(os.path.join(SET, "masks", p["id"] + ".png"), cv2.IMREAD_GRAYSCALE)
            if m is None:
                continue
            m = cv2.resize(m, size, interpolation=cv2.INTER_AREA).astype(np.float32) / 255
        else:
            m = np.zeros(size[::-1], np.float32)
        items.append({"id": p["id"], "img": img, "mask": m, "sky": bool(p["sky"])})
    return items


def donor_sky(donor):
    """The donor's sky box, inpainted where its own foreground reached up into it (cached)."""
    if "sky_box" in donor:
        return donor["sky_box"]
    dys, dxs = np.nonzero(donor["mask"] > 0.5)
    y0, y1, x0, x1 = dys.min(), dys.max() + 1, dxs.min(), dxs.max() + 1
    dimg = donor["img"][y0:y1, x0:x1]
    dm = (donor["mask"][y0:y1, x0:x1] > 0.5).astype(np.uint8)
    if dm.mean() < 0.97:
        small = cv2.resize(dimg, (max(8, dimg.shape[1] // 4), max(8, dimg.shape[0] // 4)))
        sm = cv2.resize(dm, (small.shape[1], small.shape[0]), interpolation=cv2.INTER_NEAREST)
        small = cv2.inpaint(small, (1 - sm) * 255, 5, cv2.INPAINT_TELEA)
        fill = cv2.resize(small, (dimg.shape[1], dimg.shape[0]))
        dimg = np.where(dm[..., None] > 0, dimg, fill)
    donor["sky_box"] = dimg
    return dimg


def composite(fg, donor):
    """fg's sky replaced by donor's sky pixels (stretched over fg's sky box), seam feathered."""
    img, m = fg["img"], fg["mask"]
    h, w = m.shape
    ys = np.nonzero(m.max(1) > 0.5)[0]
    if len(ys) < 4 or donor["mask"].mean() < 0.01:
        return img, m
    fy0, fy1 = ys.min(), ys.max() + 1
    sky = cv2.resize(donor_sky(donor), (w, max(1, fy1 - fy0)), interpolation=cv2.INTER_LINEAR)
    canvas = img.copy()
    canvas[fy0:fy1] = sky
    # Match brightness a little towards the photo's old sky so the pair stays plausible.
    sel = m > 0.5
    old = img[sel].reshape(-1, 3).astype(np.float32).mean(0)
    new = canvas[sel].reshape(-1, 3).astype(np.float32).mean(0)
    k = random.uniform(0.0, 0.6)
    gain = ((old + 8) / (new + 8)) ** k
    canvas = np.clip(canvas.astype(np.float32) * gain, 0, 255)
    feather = random.choice([0, 1, 1.5, 2.5])
    a = m if feather == 0 else cv2.GaussianBlur(m, (0, 0), feather)
    out = canvas * a[..., None] + img.astype(np.float32) * (1 - a[..., None])
    return np.clip(out, 0, 255).astype(np.uint8), m


def jitter(img):
    x = img.astype(np.float32) / 255
    if random.random() < 0.8:
        x = x * random.uniform(0.6, 1.35) + random.uniform(-0.08, 0.08)
        mean = x.mean()
        x = (x - mean) * random.uniform(0.7, 1.3) + mean
    if random.random() < 0.5:
        grey = x.mean(2, keepdims=True)
        x = grey + (x - grey) * random.uniform(0.4, 1.5)
    if random.random() < 0.4:
        x = x * np.array([random.uniform(0.85, 1.15) for _ in range(3)], np.float32)
    if random.random() < 0.3:
        x = np.clip(x, 0, 1) ** random.uniform(0.7, 1.4)
    x = np.clip(x, 0, 1)
    if random.random() < 0.25:
        x = cv2.GaussianBlur(x, (0, 0), random.uniform(0.5, 2.0))
    if random.random() < 0.3:
        x = x + np.random.normal(0, random.uniform(0.005, 0.03), x.shape).astype(np.float32)
    return np.clip(x, 0, 1)


def sample(items, skies):
    # Two thirds photos with sky, one third without, whatever the set's balance.
    with_sky, without = items["sky"], items["none"]
    pool = with_sky if with_sky and (not without or random.random() < 0.67) else without
    it = random.choice(pool)
    img, m = it["img"], it["mask"]
    if it["sky"] and random.random() < 0.1:
        # A crop of sky alone (clouds, sun, haze filling the frame) is all sky.
        img = donor_sky(random.choice(skies))
        m = np.ones(img.shape[:2], np.float32)
    elif it["sky"] and random.random() < 0.6:
        img, m = composite(it, random.choice(skies))
    h, w = m.shape
    if min(h, w) < 32:
        img, m = it["img"], it["mask"]
        h, w = m.shape
    if random.random() < 0.55:
        # The whole photo, squashed as the engine feeds it.
        x0, y0, cw, ch = 0, 0, w, h
    else:
        area = random.uniform(0.3, 1.0)
        ar = random.uniform(0.7, 1.4)
        cw = min(w, int(round(math.sqrt(area * w * h * ar))))
        ch = min(h, int(round(math.sqrt(area * w * h / ar))))
        x0 = random.randint(0, w - cw)
        y0 = random.randint(0, h - ch)
    img = cv2.resize(img[y0 : y0 + ch, x0 : x0 + cw], (CROP, CROP), interpolation=cv2.INTER_AREA)
    m = cv2.resize(m[y0 : y0 + ch, x0 : x0 + cw], (CROP, CROP), interpolation=cv2.INTER_AREA)
    if random.random() < 0.5:
        img, m = img[:, ::-1], m[:, ::-1]
    x = jitter(img)[..., ::-1]  # BGR -> RGB
    has = float(m.mean() > 0.002)
    return np.ascontiguousarray(x.transpose(2, 0, 1)), np.ascontiguousarray(m[None]), has


def normalise(x):
    return (x - 0.45) / 0.25


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--splits", default="train,tune")
    ap.add_argument("--out", default=os.path.join(REPO, "lib", "image", "models", "sky-segmenter.onnx"))
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    splits = set(args.splits.split(","))
    if "holdout" in splits:
        raise SystemExit("the holdout split is never trained on")
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    cv2.setNumThreads(1)
    photos = load_set(splits)
    items = {"sky": [it for it in photos if it["sky"]], "none": [it for it in photos if not it["sky"]]}
    skies = [it for it in items["sky"] if it["mask"].mean() > 0.15]
    print(f"{len(photos)} photos ({len(items['sky'])} with sky, {len(skies)} sky donors)", flush=True)
    net = SkyNet()
    print(f"{sum(p.numel() for p in net.parameters())} parameters", flush=True)
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=args.steps, pct_start=0.08)
    t0 = time.time()
    for step in range(1, args.steps + 1):
        batch = [sample(items, skies) for _ in range(args.batch)]
        x = normalise(torch.from_numpy(np.stack([b[0] for b in batch])))
        y = torch.from_numpy(np.stack([b[1] for b in batch]))
        has = torch.tensor([[b[2]] for b in batch])
        logit, cls = net(x)
        p = torch.sigmoid(logit)
        bce = F.binary_cross_entropy_with_logits(logit, y)
        inter = (p * y).sum((1, 2, 3))
        dice = 1 - (2 * inter + 1) / (p.sum((1, 2, 3)) + y.sum((1, 2, 3)) + 1)
        # Edges matter most: weight the pixels near the skyline.
        edge = (F.max_pool2d(y, 5, 1, 2) - (-F.max_pool2d(-y, 5, 1, 2))).clamp(0, 1)
        edge_bce = (F.binary_cross_entropy_with_logits(logit, y, reduction="none") * edge).sum() / (edge.sum() + 1)
        loss = bce + 0.5 * dice.mean() + 0.5 * edge_bce + 0.3 * F.binary_cross_entropy_with_logits(cls, has)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 50 == 0 or step == 1:
            el = time.time() - t0
            print(f"step {step}/{args.steps} loss {loss.item():.4f} ({el / step:.2f} s/step)", flush=True)
        if step % 500 == 0 or step == args.steps:
            export(net, args.out)
    print(f"done in {time.time() - t0:.0f} s", flush=True)


def export(net, out):
    net.eval()

    class Wrapped(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.n = n

        def forward(self, x):
            logit, cls = self.n(normalise(x))
            return torch.sigmoid(logit), torch.sigmoid(cls)

    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = out + ".tmp"
    torch.onnx.export(
        Wrapped(net),
        torch.zeros(1, 3, EXPORT_SIDE, EXPORT_SIDE),
        tmp,
        input_names=["image"],
        output_names=["sky", "has_sky"],
        opset_version=13,
    )
    os.replace(tmp, out)
    net.train()
    print(f"exported {out} ({os.path.getsize(out) // 1024} KB)", flush=True)


if __name__ == "__main__":
    main()
