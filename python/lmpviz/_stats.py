"""Scalars of an LMP solve for a training log, and the step that
LMPCrossEntropy(keep_weights=True) keeps (lmpviz.torch re-exports both)."""
import ctypes
import math

import numpy as np

from . import _lib

_RESULT_FIELDS = ("value", "mean", "theta", "tau", "gamma", "m_px", "n_valid", "n_clamped",
                  "n_support")

# The share of the heaviest pixels reported by stats() (the top 1%).
TOP_FRACTION = 0.01


def _numpy(x):
    if type(x).__module__.startswith("torch"):
        return x.detach().to("cpu").numpy()
    return np.asarray(x)


class LMPStep:
    """The last forward of an LMPCrossEntropy(keep_weights=True): its LMP
    weights, per-pixel losses, valid mask and targets (N, H, W), the LMP
    values (N,) (or (1,) with pooling="batch"), p, m and pooling, and the
    per-problem solver results (result(i)).  Tensors are detached and stay on
    their device; nothing is synchronised until they are read."""

    __slots__ = ("weights", "losses", "valid", "targets", "values", "p", "m", "pooling",
                 "ignore_index", "_rows", "_results")

    def __init__(self, weights, losses, valid, targets, values, p, m, pooling, ignore_index,
                 rows=None, results=None):
        self.weights, self.losses, self.valid, self.targets = weights, losses, valid, targets
        self.values, self.p, self.m, self.pooling = values, p, m, pooling
        self.ignore_index = ignore_index
        self._rows = rows          # CUDA: lmp_result rows as a float64 tensor on the device
        self._results = results    # CPU: one dict per problem

    def __len__(self):
        return len(self.results())

    def results(self):
        """One dict per problem (image, or the batch) with the fields of
        lmp_result: value, mean, theta, tau, gamma, m_px, n_valid, n_clamped,
        n_support."""
        if self._results is None:
            raw = np.ascontiguousarray(_numpy(self._rows)).tobytes()
            n = len(raw) // ctypes.sizeof(_lib.LmpResult)
            arr = (_lib.LmpResult * n).from_buffer_copy(raw)
            self._results = [_result_dict(r) for r in arr]
        return self._results

    def result(self, i=0):
        return self.results()[i]

    def __repr__(self):
        return (f"LMPStep(p={self.p}, m={self.m}, pooling={self.pooling!r}, "
                f"shape={tuple(self.weights.shape)})")


def _result_dict(r):
    return {k: (int(getattr(r, k)) if k.startswith("n_") else float(getattr(r, k)))
            for k in _RESULT_FIELDS}


def _as_dict(r):
    if isinstance(r, dict):
        return r
    return {k: getattr(r, k) for k in _RESULT_FIELDS}


def _problem_stats(w, r):
    """The scalars of one problem: its weights (any shape; 0 where not
    valid) and its result."""
    w = np.asarray(w, dtype=np.float64).ravel()
    n = int(r["n_valid"])
    total = float(w.sum())
    sq = float(np.dot(w, w))
    k = max(1, int(math.ceil(TOP_FRACTION * n))) if n > 0 else 0
    top = float(np.partition(w, w.size - k)[w.size - k:].sum()) if 0 < k <= w.size else 0.0
    return {
        "value": float(r["value"]),
        "mean_loss": float(r["mean"]),
        "theta": float(r["theta"]),
        "tau": float(r["tau"]),
        "sum_w": total,
        "clamped_fraction": r["n_clamped"] / n if n else 0.0,
        # (sum w)^2 / sum w^2, the number of pixels that carry the weight,
        # as a fraction of the valid ones: 1 for uniform weights, m for
        # weights spread evenly over the top m.
        "effective_support": total * total / sq / n if n and sq > 0 else 0.0,
        "top1_weight_share": top / total if total > 0 else 0.0,
        "n_valid": n,
    }


def stats(result, image=None):
    """Scalars of an LMP solve, for add_scalar or a W&B log: theta, tau,
    sum_w (sum of the weights), clamped_fraction (pixels at the cap tau),
    effective_support ((sum w)^2 / sum w^2 / n), top1_weight_share (the
    share of the total weight held by the heaviest 1% of the valid pixels),
    value (the LMP loss), mean_loss and n_valid.

    result: an LMPStep (lmpviz.torch.LMPCrossEntropy(keep_weights=True).last),
    a lmpviz.BatchResult or a lmpviz.Result.  For several images, image=i
    gives image i's scalars, image=None their mean over the images."""
    if isinstance(result, LMPStep):
        res = result.results()
        w = _numpy(result.weights)
        per = [w] if result.pooling == "batch" else [w[i] for i in range(w.shape[0])]
    elif hasattr(result, "results"):  # BatchResult
        res = [_as_dict(r) for r in result.results]
        per = [r.weights for r in result.results]
    else:
        res = [_as_dict(result)]
        per = [result.weights]
    rows = [_problem_stats(pw, r) for pw, r in zip(per, res)]
    if image is not None:
        return rows[image]
    out = {k: float(np.mean([r[k] for r in rows])) for k in rows[0] if k != "n_valid"}
    out["n_valid"] = int(sum(r["n_valid"] for r in rows))
    return out
