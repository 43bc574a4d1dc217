#!/usr/bin/env python3
"""The sort-based LMP a NumPy user writes, and a whole-process comparison
with `lmpviz solve`.

    bench/numpy_lmp.py LMPVIZ [--n N] [--p P] [--m M] [--repeat R]

Writes N Exp(1) losses (seed 0) as float32 .npy into a temporary folder,
then times, each as the median of R runs:
  numpy   lmp_numpy() below on the loaded array (in-process, no I/O)
  lmpviz  `LMPVIZ solve --losses L.npy --p P --m M -o W.npy` as a whole
          process: start, read, solve, write
and checks that both give the same value and weights.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def lmp_numpy(loss, p, m):
    """LMP weights by a full sort (1 < p < inf): theta^q = tail sum / (m_px - k)."""
    x = loss.ravel().astype(np.float64)
    n = x.size
    q = p / (p - 1.0)
    m_px = min(max(m * n, 1.0), n)
    gamma = n ** (1.0 / p - 1.0)
    tau = gamma * m_px ** (-1.0 / p)
    d = np.sort(x)[::-1]
    k = np.arange(n)
    kk = k[k < m_px]
    dmax = d[0] if d[0] > 0 else 1.0
    dm = d[min(int(np.ceil(m_px)), n - 1)]
    if dm > 0 and q * np.log(dmax / dm) < 600:
        # powers of d / dmax: d^q itself overflows for q large (p near 1)
        tail = np.cumsum(((d / dmax) ** q)[::-1])[::-1]  # sum_{i >= k} (d_i/dmax)^q
        theta = dmax * (tail[kk] / (m_px - kk)) ** (1.0 / q)
    else:
        # (d/dmax)^q underflows too: the tail sums as logs
        with np.errstate(divide="ignore"):
            lt = np.logaddexp.accumulate((q * np.log(d))[::-1])[::-1]
        theta = np.exp((lt[kk] - np.log(m_px - kk)) / q)
    upper = np.concatenate(([np.inf], d[:-1]))[kk]
    ok = (theta >= d[kk]) & (theta <= upper)
    th = theta[np.argmax(ok)]
    w = tau * np.minimum(1.0, x / th) ** (q - 1.0)
    return float(np.dot(w, x)), w.reshape(loss.shape).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lmpviz")
    ap.add_argument("--n", type=int, default=2048 * 1024)
    ap.add_argument("--p", type=float, default=1.5)
    ap.add_argument("--m", type=float, default=0.1)
    ap.add_argument("--repeat", type=int, default=7)
    a = ap.parse_args()

    rng = np.random.default_rng(0)
    loss = rng.exponential(1.0, size=(a.n // 2048, 2048) if a.n % 2048 == 0 else a.n)
    loss = loss.astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        lpath = os.path.join(tmp, "loss.npy")
        wpath = os.path.join(tmp, "w.npy")
        np.save(lpath, loss)

        t_np = []
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            value_np, w_np = lmp_numpy(loss, a.p, a.m)
            t_np.append(time.perf_counter() - t0)

        cmd = [a.lmpviz, "solve", "--losses", lpath, "--p", str(a.p), "--m", str(a.m),
               "-o", wpath, "--json"]
        t_cli = []
        out = ""
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            t_cli.append(time.perf_counter() - t0)
        import json
        value_cli = json.loads(out)["value"]
        w_cli = np.load(wpath)

    rel_v = abs(value_cli - value_np) / value_np
    rel_w = float(np.max(np.abs(w_cli - w_np) / np.maximum(w_np, 1e-30)))
    mn = statistics.median(t_np) * 1e3
    mc = statistics.median(t_cli) * 1e3
    print(f"n = {a.n}, p = {a.p}, m = {a.m}, median of {a.repeat} runs")
    print(f"  numpy sort-based LMP (in-process)      {mn:9.2f} ms")
    print(f"  lmpviz solve, whole process with I/O   {mc:9.2f} ms")
    print(f"  numpy / lmpviz = {mn / mc:.1f}x")
    print(f"  agreement: value rel. diff {rel_v:.2e}, max weight rel. diff {rel_w:.2e}")
    return 0 if rel_v < 1e-6 and rel_w < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
