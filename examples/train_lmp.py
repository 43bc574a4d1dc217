#!/usr/bin/env python3
"""Trains a small segmentation network twice, once with mean cross-entropy
and once with lmpviz.torch.LMPCrossEntropy, and prints per-class IoU on
held-out frames for both.

    PYTHONPATH=build/python /usr/bin/python3 examples/train_lmp.py [--steps 300]

Data: the 512x256 Cityscapes frames in ../shared/data/cityscapes (or
--data DIR): the train/aachen frames are trained on with random 128x128
crops and flips, the val/frankfurt frames are held out.  Without that folder
(or without PIL) it trains on synthetic images of coloured shapes instead.
Both runs start from the same weights and see the same crops.  On CPU.

--log-dir D watches the LMP run: every --log-every steps it writes, from the
weights the loss already found (LMPCrossEntropy(keep_weights=True), no
second solve), D/step_NNNNN_overlay.png and D/step_NNNNN_panels.png of the
batch's first crop, a line of scalars to D/scalars.csv (lmpviz.torch.stats)
and the batch's class shares to D/classes.csv.  examples/plot_lmp_log.py D
draws them against the step.
"""
import csv
import argparse
import glob
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from lmpviz.torch import LMPCrossEntropy, stats

IGNORE = 255
# Cityscapes labelId -> trainId (19 classes); every other id is ignored.
LABEL_TO_TRAIN = {7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10,
                  24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18}
CITYSCAPES = ["road", "sidewalk", "building", "wall", "fence", "pole", "light", "sign",
              "vegetation", "terrain", "sky", "person", "rider", "car", "truck", "bus", "train",
              "motorcycle", "bicycle"]


def load_cityscapes(root):
    from PIL import Image

    lut = np.full(256, IGNORE, np.uint8)
    for k, v in LABEL_TO_TRAIN.items():
        lut[k] = v

    def frames(split):
        out = []
        for f in sorted(glob.glob(os.path.join(root, "leftImg8bit", split, "*",
                                               "*_leftImg8bit_small.png"))):
            lab = f.replace("_leftImg8bit_small.png", "_gtFine_labelIds_small.png")
            if not os.path.exists(lab):
                continue
            img = np.asarray(Image.open(f).convert("RGB"), np.float32) / 255.0
            y = lut[np.asarray(Image.open(lab))]
            out.append((torch.from_numpy(img).permute(2, 0, 1).contiguous(),
                        torch.from_numpy(y.astype(np.int64))))
        return out

    train, val = frames("train"), frames("val")
    if not train or not val:
        return None
    return train, val, CITYSCAPES


def synthetic(n_train=8, n_val=3, h=256, w=512, seed=0):
    """Images of rectangles and discs in 6 classes over a background class,
    colours noisy per image; the small classes (discs) are rare pixels."""
    g = np.random.default_rng(seed)
    names = ["background", "box-a", "box-b", "box-c", "disc-a", "disc-b", "disc-c"]
    base = g.random((len(names), 3))

    def one():
        y = np.zeros((h, w), np.int64)
        for _ in range(12):
            c = int(g.integers(1, 7))
            cy, cx = g.integers(0, h), g.integers(0, w)
            if c <= 3:
                hh, ww = g.integers(10, 60), g.integers(10, 120)
                y[max(0, cy - hh):cy + hh, max(0, cx - ww):cx + ww] = c
            else:
                r = g.integers(3, 10)
                yy, xx = np.ogrid[:h, :w]
                y[(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = c
        img = base[y] + g.normal(0, 0.15, (h, w, 3))
        y[g.random((h, w)) < 0.02] = IGNORE
        return (torch.from_numpy(img.astype(np.float32)).permute(2, 0, 1).contiguous(),
                torch.from_numpy(y))

    return [one() for _ in range(n_train)], [one() for _ in range(n_val)], names


class SmallNet(nn.Module):
    """A few strided convolutions and a bilinear upsampling: small enough to
    train on a CPU in a minute."""

    def __init__(self, classes, width=24):
        super().__init__()

        def block(i, o, s):
            return nn.Sequential(nn.Conv2d(i, o, 3, s, 1, bias=False), nn.BatchNorm2d(o),
                                 nn.ReLU(inplace=True))

        self.body = nn.Sequential(block(3, width, 2), block(width, width, 1),
                                  block(width, 2 * width, 2), block(2 * width, 2 * width, 1),
                                  nn.Conv2d(2 * width, 2 * width, 3, 1, 2, dilation=2),
                                  nn.ReLU(inplace=True))
        self.head = nn.Conv2d(2 * width, classes, 1)

    def forward(self, x):
        return F.interpolate(self.head(self.body(x)), size=x.shape[2:], mode="bilinear",
                             align_corners=False)


def crops(train, steps, batch, size, seed):
    """The same sequence of random crops and flips for both runs."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(steps):
        xs, ys = [], []
        for _ in range(batch):
            img, lab = train[int(torch.randint(len(train), (1,), generator=g))]
            H, W = lab.shape
            i = int(torch.randint(H - size + 1, (1,), generator=g))
            j = int(torch.randint(W - size + 1, (1,), generator=g))
            x, y = img[:, i:i + size, j:j + size], lab[i:i + size, j:j + size]
            if torch.rand((), generator=g) < 0.5:
                x, y = x.flip(-1), y.flip(-1)
            xs.append(x)
            ys.append(y)
        out.append((torch.stack(xs), torch.stack(ys)))
    return out


def iou(model, val, classes):
    inter = np.zeros(classes)
    union = np.zeros(classes)
    model.eval()
    with torch.no_grad():
        for img, lab in val:
            pred = model(img[None])[0].argmax(0)
            ok = lab != IGNORE
            for c in range(classes):
                p, t = (pred == c) & ok, (lab == c) & ok
                inter[c] += float((p & t).sum())
                union[c] += float((p | t).sum())
    model.train()
    present = union > 0
    return np.where(present, inter / np.maximum(union, 1), np.nan)


class StepLogger:
    """Writes the pictures, the scalars and the class shares of a step kept
    by LMPCrossEntropy(keep_weights=True) (plain functions of lmpviz.draw
    and lmpviz.torch.stats: the same calls serve TensorBoard or W&B)."""

    SCALARS = ("value", "mean_loss", "theta", "tau", "sum_w", "clamped_fraction",
               "effective_support", "top1_weight_share")

    def __init__(self, log_dir, every, names):
        import lmpviz.draw  # needs liblmpviz.so.0 next to liblmp

        self.draw = lmpviz.draw
        self.dir, self.every, self.names = log_dir, every, names
        os.makedirs(log_dir, exist_ok=True)
        self.scalars = open(os.path.join(log_dir, "scalars.csv"), "w", newline="")
        self.classes = open(os.path.join(log_dir, "classes.csv"), "w", newline="")
        self.sw = csv.writer(self.scalars)
        self.cw = csv.writer(self.classes)
        self.sw.writerow(("step", "loss") + self.SCALARS)
        self.cw.writerow(("step", "train_id", "class", "pixels", "pixel_share", "loss_share",
                          "weight_share", "mean_nw"))

    def __call__(self, step, x, y, logits, loss, kept):
        if step % self.every != 0:
            return
        s = stats(kept)
        self.sw.writerow([step, f"{loss:.6g}"] + [f"{s[k]:.6g}" for k in self.SCALARS])
        self.scalars.flush()
        d, stem = self.draw, os.path.join(self.dir, f"step_{step:05d}")
        w, v, r = kept.weights[0], kept.valid[0], kept.result(0)
        d.save_png(stem + "_overlay.png",
                   d.overlay(x[0], w, v, result=r, losses=kept.losses[0], p=kept.p, m=kept.m))
        d.save_png(stem + "_panels.png",
                   d.panels(x[0], y[0], logits=logits[0], ids="train", weights=w, result=r,
                            p=kept.p, m=kept.m, width=1500))
        for cid, row in self.batch_shares(kept).items():
            self.cw.writerow([step, cid, self.names[cid], row["pixels"]]
                             + [f"{row[k]:.6g}" for k in ("pixel_share", "loss_share",
                                                          "weight_share", "mean_nw")])
        self.classes.flush()

    def batch_shares(self, kept):
        """The batch's class shares with weights counted as n·w of their own
        image, as `lmpviz heatmap` adds frames: the crops stacked into one
        map, each image's weights scaled by its n over the batch's n."""
        w = kept.weights
        if kept.pooling == "image":  # n_i w over the batch's n: w n_i / n
            n = kept.valid.flatten(1).sum(1).double()
            w = (w.double() * (n / n.sum()).reshape(-1, 1, 1)).float()
        rows = self.draw.class_shares(kept.targets.flatten(0, 1), kept.losses.flatten(0, 1),
                                      w.flatten(0, 1), valid=kept.valid.flatten(0, 1),
                                      ids="train", ignore_index=kept.ignore_index)
        return {row.pop("train_id"): row for row in rows.values()}

    def close(self):
        self.scalars.close()
        self.classes.close()


def train(name, criterion, init, data, classes, lr, logger=None):
    model = SmallNet(classes)
    model.load_state_dict(init)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=len(data))
    t0 = time.perf_counter()
    for step, (x, y) in enumerate(data):
        out = model(x)
        loss = criterion(out, y)
        if logger is not None:
            logger(step, x, y, out, loss.item(), criterion.last)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % 100 == 0 or step == len(data) - 1:
            print(f"  {name:>13} step {step:4d}  loss {loss.item():.4f}", flush=True)
    return model, time.perf_counter() - t0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data",
                                                   "cityscapes"))
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--p", type=float, default=1.5)
    ap.add_argument("--m", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=5e-3)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--log-dir", help="write the LMP run's pictures and CSVs here")
    ap.add_argument("--log-every", type=int, default=25, help="steps between logs (default 25)")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)

    data = None
    if os.path.isdir(a.data):
        try:
            data = load_cityscapes(a.data)
        except ImportError:
            print("PIL is not installed (python3-pil): using synthetic shapes")
    if data is None:
        print(f"no Cityscapes frames in {a.data}: training on synthetic shapes")
        data = synthetic()
    tr, val, names = data
    classes = len(names)
    print(f"{len(tr)} training frames, {len(val)} held-out frames, {classes} classes, "
          f"{a.steps} steps of {a.batch} crops of {a.crop}x{a.crop}")

    torch.manual_seed(a.seed)
    init = SmallNet(classes).state_dict()
    batches = crops(tr, a.steps, a.batch, a.crop, a.seed)
    runs = {
        "cross-entropy": nn.CrossEntropyLoss(ignore_index=IGNORE),
        "LMP": LMPCrossEntropy(p=a.p, m=a.m, ignore_index=IGNORE, keep_weights=bool(a.log_dir)),
    }
    logger = StepLogger(a.log_dir, max(1, a.log_every), names) if a.log_dir else None
    ious = {}
    for name, crit in runs.items():
        torch.manual_seed(a.seed + 1)
        model, secs = train(name, crit, init, batches, classes, a.lr,
                            logger if name == "LMP" else None)
        ious[name] = iou(model, val, classes)
        print(f"  {name}: {secs:.1f} s")

    print(f"\nper-class IoU on the held-out frames (p = {a.p}, m = {a.m}; '-': class absent)")
    print(f"{'class':>12} {'pixels':>8} " + " ".join(f"{n:>13}" for n in runs))
    counts = np.zeros(classes, np.int64)
    for _, lab in val:
        counts += np.bincount(lab[lab != IGNORE].numpy(), minlength=classes)[:classes]
    for c in range(classes):
        cells = " ".join("{:>13}".format("-" if np.isnan(ious[n][c]) else f"{ious[n][c]:.3f}")
                         for n in runs)
        print(f"{names[c]:>12} {counts[c]:>8} {cells}")
    print(f"{'mean':>12} {'':>8} " + " ".join(f"{np.nanmean(ious[n]):>13.3f}" for n in runs))
    if logger is not None:
        logger.close()
        print(f"\nLMP run logged in {a.log_dir} (examples/plot_lmp_log.py {a.log_dir} draws it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
