#!/usr/bin/env python3
"""Draws what examples/train_lmp.py --log-dir D wrote: each class's share of
the LMP weight against the step (beside its share of the pixels, dashed),
and theta and the fraction of pixels at the cap tau against the step.  It
shows where LMP's attention goes as the network learns.

    /usr/bin/python3 examples/plot_lmp_log.py D [-o D/lmp_log.png] [--top 8]

Needs matplotlib (Debian package python3-matplotlib).
"""
import argparse
import csv
import os
import sys
from collections import defaultdict


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("log_dir")
    ap.add_argument("-o", "--output", help="PNG, SVG or PDF (default LOG_DIR/lmp_log.png)")
    ap.add_argument("--top", type=int, default=8,
                    help="classes drawn: the largest mean weight shares (default 8)")
    a = ap.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot_lmp_log.py needs matplotlib (python3-matplotlib)", file=sys.stderr)
        return 1
    scalars = read(os.path.join(a.log_dir, "scalars.csv"))
    classes = read(os.path.join(a.log_dir, "classes.csv"))
    if not scalars or not classes:
        print(f"{a.log_dir}: no logged steps", file=sys.stderr)
        return 1

    steps = [int(r["step"]) for r in scalars]
    share = defaultdict(dict)   # class -> step -> weight share
    pixels = defaultdict(dict)  # class -> step -> pixel share
    for r in classes:
        share[r["class"]][int(r["step"])] = float(r["weight_share"])
        pixels[r["class"]][int(r["step"])] = float(r["pixel_share"])
    order = sorted(share, key=lambda c: -sum(share[c].values()))[:a.top]

    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 7), sharex=True,
                                   gridspec_kw={"height_ratios": [3, 2]})
    for i, c in enumerate(order):
        col = f"C{i % 10}"
        ax1.plot(steps, [100 * share[c].get(s, 0.0) for s in steps], color=col, label=c)
        ax1.plot(steps, [100 * pixels[c].get(s, 0.0) for s in steps], color=col, ls="--",
                 lw=0.8, alpha=0.7)
    ax1.set_ylabel("share of the LMP weight (%)\n(dashed: share of the pixels)")
    ax1.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax1.grid(alpha=0.3)
    ax2.plot(steps, [float(r["theta"]) for r in scalars], color="C0", label="θ")
    ax2.set_ylabel("θ (nats)", color="C0")
    ax2.set_xlabel("step")
    ax2.grid(alpha=0.3)
    ax3 = ax2.twinx()
    ax3.plot(steps, [100 * float(r["clamped_fraction"]) for r in scalars], color="C3")
    ax3.set_ylabel("pixels at the cap τ (%)", color="C3")
    fig.suptitle("Where LMP's weight goes during training")
    fig.tight_layout()
    out = a.output or os.path.join(a.log_dir, "lmp_log.png")
    fig.savefig(out, dpi=110)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
