"""The NumPy API: solve, solve_sorted, solve_batch."""
import ctypes
import sys
import threading

try:
    import numpy as np
except ImportError as e:
    raise ImportError(f"lmpviz needs NumPy, which this Python ({sys.executable}) cannot import "
                      "(Debian package python3-numpy)") from e

from . import _lib
from ._lib import lib


class LMPError(ValueError):
    """A call the solver refused: bad parameters, shapes or dtypes."""

    def __init__(self, message, status=_lib.ERR_INVALID_ARG):
        super().__init__(message)
        self.status = status


class InvalidLossError(LMPError):
    """A negative, NaN or infinite loss.  `index` is its position in the
    caller's array (a tuple for a multi-dimensional one, an int for 1-D),
    `value` the loss found there."""

    def __init__(self, message, index, value):
        super().__init__(message, _lib.ERR_INVALID_LOSS)
        self.index = index
        self.value = value


class Result:
    """What lmp_solve returns for one problem."""

    __slots__ = ("value", "weights", "theta", "tau", "gamma", "m_px", "n_valid",
                 "n_clamped", "n_support", "mean")

    def __init__(self, r, weights):
        self.value = r.value
        self.weights = weights
        self.theta = r.theta
        self.tau = r.tau
        self.gamma = r.gamma
        self.m_px = r.m_px
        self.n_valid = r.n_valid
        self.n_clamped = r.n_clamped
        self.n_support = r.n_support
        self.mean = r.mean

    def __repr__(self):
        return (f"Result(value={self.value!r}, theta={self.theta!r}, tau={self.tau!r}, "
                f"gamma={self.gamma!r}, m_px={self.m_px!r}, n_valid={self.n_valid}, "
                f"n_clamped={self.n_clamped}, n_support={self.n_support}, mean={self.mean!r})")


class BatchResult:
    """values: (B,) float64 (or (1,) for pooling="batch"); weights: float32 of
    the shape of the losses; results: one Result per value (each with its
    image's weights as a view)."""

    __slots__ = ("values", "weights", "results")

    def __init__(self, values, weights, results):
        self.values = values
        self.weights = weights
        self.results = results

    def __repr__(self):
        return f"BatchResult(values={self.values!r})"


_DTYPES = (np.float16, np.float32, np.float64)


def _params(p, m, m_pixels, nonfinite):
    if nonfinite not in _lib.NONFINITE:
        raise LMPError(f'nonfinite must be "error" or "ignore", not {nonfinite!r}')
    try:
        prm = _lib.LmpParams(float(p), float(m), 0.0 if m_pixels is None else float(m_pixels),
                             _lib.NONFINITE[nonfinite])
    except (TypeError, ValueError) as e:
        raise LMPError(f"p, m and m_pixels must be numbers: {e}") from None
    if m_pixels is not None and not prm.m_pixels >= 1:
        raise LMPError(f"m_pixels must be >= 1, not {m_pixels!r}")
    if lib.lmp_params_check(ctypes.byref(prm)) != _lib.OK:
        raise LMPError(f"invalid parameters: p = {p!r} (must be >= 1 or inf), "
                       f"m = {m!r} (must be in (0, 1])")
    return prm


def _losses(losses):
    """A C-contiguous float32 array of the same shape (a copy only when
    needed) and the caller's shape."""
    a = np.asarray(losses)
    if a.dtype not in _DTYPES:
        raise LMPError(f"losses must be float16, float32 or float64, not {a.dtype}")
    return np.ascontiguousarray(a, dtype=np.float32)


def _valid(valid, shape):
    if valid is None:
        return None
    v = np.asarray(valid)
    if v.shape != shape:
        raise LMPError(f"valid has shape {v.shape}, the losses {shape}")
    if v.dtype == np.bool_:
        return np.ascontiguousarray(v).view(np.uint8)
    if v.dtype.kind not in "biu":
        raise LMPError(f"valid must be bool or integer, not {v.dtype}")
    return np.ascontiguousarray(v != 0).view(np.uint8)


def _out(out, shape):
    if out is None:
        return np.empty(shape, dtype=np.float32)
    if not isinstance(out, np.ndarray) or out.dtype != np.float32 or out.shape != shape \
            or not out.flags.c_contiguous or not out.flags.writeable:
        raise LMPError(f"out must be a writeable C-contiguous float32 array of shape {shape}")
    return out


def _ptr(a):
    return None if a is None else a.ctypes.data


def _index(flat, shape):
    if len(shape) <= 1:
        return int(flat)
    return tuple(int(i) for i in np.unravel_index(flat, shape))


def _raise(status, r, shape, offset=0):
    """Raise for a status of lmp_solve; LMP_OK and LMP_ERR_EMPTY pass."""
    if status in (_lib.OK, _lib.ERR_EMPTY):
        return
    if status == _lib.ERR_INVALID_LOSS:
        idx = _index(offset + r.bad_index, shape)
        raise InvalidLossError(f"invalid loss {r.bad_value!r} at index {idx} (losses must be "
                               f"finite and >= 0; nonfinite=\"ignore\" skips NaN and Inf)",
                               idx, float(r.bad_value))
    if status == _lib.ERR_NOMEM:
        raise MemoryError(_lib.status_string(status))
    raise LMPError(_lib.status_string(status), status)


_tls = threading.local()


def _workspace(threads=1):
    """This thread's workspace with `threads` threads (created once)."""
    spaces = getattr(_tls, "spaces", None)
    if spaces is None:
        spaces = _tls.spaces = {}
    ws = spaces.get(threads)
    if ws is None:
        ws = spaces[threads] = _lib.Workspace(threads)
    return ws


def solve(losses, p=1.5, m=0.1, *, m_pixels=None, valid=None, nonfinite="error", out=None):
    """Solve LMP over every element of `losses` (any shape).  Returns a
    Result whose weights (float32, the shape of losses; `out` when given)
    are the gradient of the value with respect to the losses."""
    prm = _params(p, m, m_pixels, nonfinite)
    a = _losses(losses)
    v = _valid(valid, a.shape)
    w = _out(out, a.shape)
    r = _lib.LmpResult()
    st = lib.lmp_solve(_ptr(a), _ptr(v), a.size, ctypes.byref(prm), _ptr(w), ctypes.byref(r),
                       _workspace().ptr)
    _raise(st, r, a.shape)
    return Result(r, w)


def solve_sorted(losses, p=1.5, m=0.1, *, m_pixels=None, valid=None, nonfinite="error",
                 out=None):
    """The reference: the same answer as solve() by a full sort in double
    precision (O(n log n); for tests)."""
    prm = _params(p, m, m_pixels, nonfinite)
    a = _losses(losses)
    v = _valid(valid, a.shape)
    w = _out(out, a.shape)
    r = _lib.LmpResult()
    st = lib.lmp_solve_sorted(_ptr(a), _ptr(v), a.size, ctypes.byref(prm), _ptr(w),
                              ctypes.byref(r))
    _raise(st, r, a.shape)
    return Result(r, w)


def _batch_arrays(losses, valid, pooling, threads):
    if pooling not in _lib.POOLING:
        raise LMPError(f'pooling must be "image" or "batch", not {pooling!r}')
    a = _losses(losses)
    if a.ndim < 1 or a.shape[0] < 1:
        raise LMPError(f"losses must have a first (batch) axis of length >= 1, shape {a.shape}")
    if int(threads) < 0:
        raise LMPError(f"threads must be >= 0, not {threads!r}")
    return a, _valid(valid, a.shape)


def solve_batch(losses, p=1.5, m=0.1, *, valid=None, pooling="image", threads=0):
    """Solve the B images losses[0], ..., losses[B-1] (pooling="image"), or
    all of them as one problem (pooling="batch"), spread over `threads`
    threads (0: one per CPU).  Returns a BatchResult."""
    prm = _params(p, m, None, "error")
    a, v = _batch_arrays(losses, valid, pooling, threads)
    w = np.empty(a.shape, dtype=np.float32)
    return _solve_batch_into(a, v, w, prm, pooling, int(threads), losses_shape=a.shape)


def _solve_batch_into(a, v, w, prm, pooling, threads, losses_shape):
    B = a.shape[0]
    n = a.size // B
    nres = B if pooling == "image" else 1
    res = (_lib.LmpResult * nres)()
    sts = (ctypes.c_int * nres)()
    batch = _lib.LmpBatch(_ptr(a), _ptr(v), _ptr(w), B, n, None, _lib.POOLING[pooling])
    st = lib.lmp_solve_batch(ctypes.byref(batch), ctypes.byref(prm), res, sts,
                             _workspace(threads).ptr)
    if st == _lib.ERR_INVALID_ARG:
        raise LMPError(_lib.status_string(st), st)
    for i in range(nres):
        _raise(sts[i], res[i], losses_shape, offset=i * n)
    _raise(st, res[0], losses_shape)  # a failure without a per-image status
    values = np.array([r.value for r in res], dtype=np.float64)
    if pooling == "image":
        results = [Result(res[i], w[i]) for i in range(B)]
    else:
        results = [Result(res[0], w)]
    return BatchResult(values, w, results)

