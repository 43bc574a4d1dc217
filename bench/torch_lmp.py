#!/usr/bin/env python3
"""The LMP weights as a PyTorch user would write them: torch.sort per image,
a cumulative sum, the clamped count from the sorted sums, one weight pass.

Times it with CUDA events after warm-up on B images of N Exp(1) losses (the
same shape as `lmp_gpu_bench`), and prints one JSON line.  Optionally
compares with the CUDA solver's value printed by lmp_gpu_bench (--ref-ms).

    python3 bench/torch_lmp.py --batch 8 --n 2097152 --p 1.5 --m 0.1
"""
import argparse
import json
import math
import sys


def lmp_torch(loss, p, m):
    """loss: (B, N) float32 >= 0 on the GPU; 1 < p < inf.  Returns (value, w)."""
    import torch

    B, N = loss.shape
    q = p / (p - 1.0)
    m_px = min(max(m * N, 1.0), float(N))
    gamma = N ** (1.0 / p - 1.0)
    tau = gamma * m_px ** (-1.0 / p)
    d, _ = torch.sort(loss, dim=1, descending=True)
    dmax = d[:, :1].double()
    k = torch.arange(N, device=loss.device, dtype=torch.float64)
    free = (m_px - k).clamp(min=1e-300)
    dm = d[:, min(math.ceil(m_px), N - 1)].double()
    if float((q * torch.log(dmax[:, 0] / dm)).max()) < 600:
        t = (d.double() / dmax) ** q
        tail = torch.flip(torch.cumsum(torch.flip(t, [1]), 1), [1])  # sum_{i >= k}
        theta = dmax * (tail / free) ** (1.0 / q)
    else:
        # (d/dmax)^q underflows (q large, p near 1): the tail sums as logs
        lt = torch.flip(torch.logcumsumexp(torch.flip(q * torch.log(d.double()), [1]), 1), [1])
        theta = torch.exp((lt - torch.log(free)) / q)
    prev = torch.cat([torch.full_like(d[:, :1], float("inf")), d[:, :-1]], 1).double()
    ok = (k < m_px) & (theta >= d.double() * (1 - 1e-12)) & (theta <= prev * (1 + 1e-12))
    kstar = torch.argmax(ok.to(torch.int8), dim=1, keepdim=True)
    th = torch.gather(theta, 1, kstar)
    w = (tau * torch.clamp(loss.double() / th, max=1.0) ** (q - 1.0)).float()
    value = (w.double() * loss.double()).sum(1)
    return value, w


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--n", type=int, default=2097152)
    ap.add_argument("--p", type=float, default=1.5)
    ap.add_argument("--m", type=float, default=0.1)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--ref-ms", type=float, default=None,
                    help="time of lmp_gpu_bench (a) on this machine, for the ratio")
    a = ap.parse_args()
    try:
        import torch
    except ImportError:
        print("SKIP: PyTorch is not installed")
        return 77
    if not torch.cuda.is_available():
        print("SKIP: no CUDA device for PyTorch")
        return 77
    torch.manual_seed(7)
    loss = torch.empty(a.batch, a.n, device="cuda").exponential_(1.0)
    for _ in range(3):
        lmp_torch(loss, a.p, a.m)
    torch.cuda.synchronize()
    times = []
    e0 = torch.cuda.Event(enable_timing=True)
    e1 = torch.cuda.Event(enable_timing=True)
    for _ in range(a.repeat):
        e0.record()
        value, w = lmp_torch(loss, a.p, a.m)
        value_host = value.cpu()  # the per-image values reach the host, like (a)
        e1.record()
        e1.synchronize()
        times.append(e0.elapsed_time(e1))
    times.sort()
    med = times[len(times) // 2] if len(times) % 2 else 0.5 * (times[len(times) // 2 - 1] + times[len(times) // 2])
    # Sanity: the LMP loss is never below the mean loss.
    mean = loss.double().mean(1).cpu()
    sane = bool((value_host >= mean * (1 - 1e-6)).all())
    out = {
        "device": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "batch": a.batch, "n": a.n, "p": a.p, "m": a.m, "repeat": a.repeat,
        "torch_ms": med, "value0": float(value_host[0]), "value_ge_mean": sane,
    }
    if a.ref_ms:
        out["torch_over_a"] = med / a.ref_ms
    print(json.dumps(out))
    return 0 if sane else 1


if __name__ == "__main__":
    sys.exit(main())
