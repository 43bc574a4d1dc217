#!/usr/bin/env python3
"""In-process timings of the lmpviz Python package, ratios in one run.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_bench.py [--repeat R]
        [--ps 1,1.5,1.7,2,3] [--h 1024 --w 2048] [--train 8,19,512,1024 | --train none]
        [--device cpu|cuda]

1. Solve: on one H x W array of Exp(1) losses (seed 0), for each p, the
   median of R runs of
     lmpviz   lmpviz.solve (value and weights, one thread)
     numpy    the sort-based LMP of bench/numpy_lmp.py (and its p = 1 case)
     torch    the torch.sort LMP of bench/torch_lmp.py on a CPU tensor
   and numpy/lmpviz, torch/lmpviz; every answer is checked against lmpviz's.
2. Training step: forward and backward of LMPCrossEntropy against
   F.cross_entropy(..., reduction="mean") on random logits N,C,H,W (a leaf
   tensor: the loss alone, no network), and the share LMP adds; on the
   device of --device (cpu, or cuda), and on CUDA also the torch.sort LMP
   of bench/torch_lmp.py forward and backward on the same per-pixel losses.
Prints a table and one JSON line with every number.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmpviz  # noqa: E402
from numpy_lmp import lmp_numpy  # noqa: E402


def lmp_numpy_p1(loss, m):
    """p = 1 by a sort: tau = 1/m_px above the ceil(m_px)-th largest loss,
    the rest of the unit mass split among the losses equal to it."""
    x = loss.ravel().astype(np.float64)
    n = x.size
    m_px = min(max(m * n, 1.0), n)
    tau = 1.0 / m_px
    d = np.sort(x)[::-1]
    t = d[math.ceil(m_px) - 1]
    above = x > t
    eq = x == t
    w = np.where(above, tau, 0.0)
    w = np.where(eq, (1.0 - above.sum() * tau) / eq.sum(), w)
    return float(np.dot(w, x)), w.reshape(loss.shape).astype(np.float32)


def lmp_torch_any(loss, p, m):
    import torch
    from torch_lmp import lmp_torch
    if p > 1:
        v, w = lmp_torch(loss.reshape(1, -1), p, m)
        return float(v[0]), w.reshape(loss.shape)
    x = loss.reshape(-1)
    n = x.numel()
    m_px = min(max(m * n, 1.0), float(n))
    tau = 1.0 / m_px
    d, _ = torch.sort(x, descending=True)
    t = d[math.ceil(m_px) - 1]
    above = x > t
    eq = x == t
    zero = torch.zeros((), dtype=torch.float64)
    w = torch.where(above, zero + tau, zero)
    w = torch.where(eq, (1.0 - above.sum() * tau) / eq.sum(), w)
    return float((w * x.double()).sum()), w.float().reshape(loss.shape)


def median_time(f, repeat):
    ts = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), out


def bench_solve(a, report):
    rng = np.random.default_rng(0)
    loss = rng.exponential(1.0, (a.h, a.w)).astype(np.float32)
    try:
        import torch
        tloss = torch.from_numpy(loss)
    except ImportError:
        torch = None
    print(f"solve: {a.h}x{a.w} Exp(1) losses, m = {a.m}, median of {a.repeat} runs (ms)")
    print(f"{'p':>5} {'lmpviz':>9} {'numpy':>9} {'torch':>9} {'numpy/lmpviz':>13} "
          f"{'torch/lmpviz':>13}")
    for p in a.ps:
        t_l, r = median_time(lambda: lmpviz.solve(loss, p, a.m), a.repeat)
        if p == 1:
            t_n, (v_n, w_n) = median_time(lambda: lmp_numpy_p1(loss, a.m), a.repeat)
        else:
            t_n, (v_n, w_n) = median_time(lambda: lmp_numpy(loss, p, a.m), a.repeat)
        assert abs(v_n - r.value) <= 1e-6 * r.value, (p, v_n, r.value)
        row = {"p": p, "lmpviz_ms": t_l * 1e3, "numpy_ms": t_n * 1e3,
               "numpy_over_lmpviz": t_n / t_l}
        if torch is not None:
            t_t, (v_t, w_t) = median_time(lambda: lmp_torch_any(tloss, p, a.m), a.repeat)
            assert abs(v_t - r.value) <= 1e-5 * r.value, (p, v_t, r.value)
            row.update(torch_ms=t_t * 1e3, torch_over_lmpviz=t_t / t_l)
        report["solve"].append(row)
        tt = f"{row['torch_ms']:9.1f}" if torch is not None else f"{'-':>9}"
        tr = f"{row['torch_over_lmpviz']:12.1f}x" if torch is not None else f"{'-':>13}"
        print(f"{p:5g} {row['lmpviz_ms']:9.2f} {row['numpy_ms']:9.1f} {tt} "
              f"{row['numpy_over_lmpviz']:12.1f}x {tr}")


def bench_train(a, report):
    import torch
    import torch.nn.functional as F
    from lmpviz.torch import LMPCrossEntropy, lmp_loss

    dev = torch.device(a.device)
    cuda = dev.type == "cuda"
    if cuda and not torch.cuda.is_available():
        print("\nSKIP: no CUDA device (or a CPU-only torch): the training step on cuda did not run")
        return 77

    def timed(f):
        if cuda:
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        f()
        if cuda:
            torch.cuda.synchronize()
        return time.perf_counter() - t0

    N, C, H, W = a.train
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(N, C, H, W, generator=g).to(dev).requires_grad_()
    targets = torch.randint(0, C, (N, H, W), generator=g)
    targets[:, : H // 8] = 255
    targets = targets.to(dev)
    lmp = LMPCrossEntropy(p=1.5, m=0.1, ignore_index=255)

    def step(crit):
        logits.grad = None
        crit(logits, targets).backward()

    ce = lambda x, y: F.cross_entropy(x, y, ignore_index=255, reduction="mean")  # noqa: E731
    step(ce)
    step(lmp)  # warm-up: the workspaces and their threads
    ts_ce, ts_lmp = [], []
    for _ in range(a.train_repeat):  # interleaved, so that drift hits both
        ts_ce.append(timed(lambda: step(ce)))
        ts_lmp.append(timed(lambda: step(lmp)))
    t_ce, t_lmp = statistics.median(ts_ce), statistics.median(ts_lmp)
    # The LMP part alone: lmp_loss forward and backward on the per-pixel
    # losses (the rest of LMPCrossEntropy is F.cross_entropy(reduction="none")).
    per_pixel = F.cross_entropy(logits.detach(), targets, ignore_index=255, reduction="none")
    per_pixel.requires_grad_()
    valid = targets != 255

    def solve_step():
        per_pixel.grad = None
        lmp_loss(per_pixel, 1.5, 0.1, valid=valid).backward()

    solve_step()
    t_solve = statistics.median(timed(solve_step) for _ in range(a.train_repeat))
    threads = torch.get_num_threads()
    report["train"] = {"shape": [N, C, H, W], "device": str(dev), "threads": threads,
                       "cross_entropy_ms": t_ce * 1e3, "lmp_ms": t_lmp * 1e3,
                       "lmp_adds": t_lmp / t_ce - 1, "lmp_loss_alone_ms": t_solve * 1e3}
    where = torch.cuda.get_device_name(dev) if cuda else f"CPU, {threads} torch threads"
    print(f"\ntraining step, forward + backward on logits {N}x{C}x{H}x{W} ({where}), "
          f"median of {a.train_repeat}:")
    print(f"  F.cross_entropy mean  {t_ce * 1e3:9.2f} ms")
    print(f"  LMPCrossEntropy       {t_lmp * 1e3:9.2f} ms  ({100 * (t_lmp / t_ce - 1):+.0f}%)")
    print(f"  of which lmp_loss     {t_solve * 1e3:9.2f} ms  (solve and weights, forward and "
          f"backward)")
    if cuda:
        from torch_lmp import lmp_torch

        # What a PyTorch user would write: sort-based weights (no ignored
        # pixels: every pixel counts), then sum w * loss and its backward.
        flat = per_pixel.detach().reshape(N, -1).clone().requires_grad_()

        def torch_step():
            flat.grad = None
            _, w = lmp_torch(flat.detach(), 1.5, 0.1)
            (w * flat).sum().backward()

        def ours_step():
            flat.grad = None
            lmp_loss(flat, 1.5, 0.1, reduction="sum").backward()

        torch_step()
        ours_step()
        t_torch = statistics.median(timed(torch_step) for _ in range(a.train_repeat))
        t_ours = statistics.median(timed(ours_step) for _ in range(a.train_repeat))
        report["train"].update(torch_sort_ms=t_torch * 1e3, lmp_same_ms=t_ours * 1e3,
                               torch_sort_over_lmp=t_torch / t_ours)
        print(f"  torch.sort LMP        {t_torch * 1e3:9.2f} ms  vs lmp_loss {t_ours * 1e3:.2f} ms "
              f"on the same {N}x{H * W} losses: {t_torch / t_ours:.1f}x")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--h", type=int, default=1024)
    ap.add_argument("--w", type=int, default=2048)
    ap.add_argument("--m", type=float, default=0.1)
    ap.add_argument("--ps", default="1,1.5,1.7,2,3")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--train", default="8,19,512,1024",
                    help="N,C,H,W of the training-step logits, or none")
    ap.add_argument("--train-repeat", type=int, default=5)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"],
                    help="where the training step runs (the solve table is always on the CPU)")
    a = ap.parse_args()
    a.ps = [float(x) for x in a.ps.split(",")]
    report = {"lmpviz": lmpviz.__version__, "library": lmpviz.library_path, "solve": []}
    bench_solve(a, report)
    if a.train != "none":
        a.train = [int(x) for x in a.train.split(",")]
        try:
            if bench_train(a, report) == 77:
                return 77
        except ImportError:
            print("SKIP: no torch: the training step did not run (python3-torch)")
            return 77
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
