"""LMP as a PyTorch loss: lmp_loss, LMPLoss and LMPCrossEntropy.

    from lmpviz.torch import LMPCrossEntropy
    loss = LMPCrossEntropy(p=1.5, m=0.1)(logits, targets)   # then loss.backward()

The forward solves LMP exactly (liblmp on CPU tensors, threads over the
images; liblmp_cuda on CUDA tensors, one batched launch on torch's current
stream); the backward multiplies the incoming gradient by the weights the
forward found (they are the gradient of the LMP value), without a second
solve.  Nothing is compiled against torch: the libraries are reached through
ctypes.
"""
import ctypes
import sys

import numpy as np
try:
    import torch
    import torch.nn.functional as F
except ImportError as e:
    raise ImportError(f"lmpviz.torch needs PyTorch, which this Python ({sys.executable}) cannot "
                      "import (Debian package python3-torch)") from e

from . import _lib
from . import _solve
from ._stats import LMPStep, stats

__all__ = ["lmp_loss", "LMPLoss", "LMPCrossEntropy", "LMPStep", "stats", "cuda_available"]

_HALF = (torch.float16, torch.bfloat16)
_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
_REDUCTIONS = ("mean", "sum", "none")


def cuda_available():
    """True when torch sees a GPU and liblmp_cuda loads with a device."""
    if not torch.cuda.is_available():
        return False
    try:
        return _lib.cuda_lib().lmp_cuda_device_count() > 0
    except OSError:
        return False


def _solve_cpu(loss, valid, prm, pooling, keep=None):
    a = loss.detach().to(torch.float32).contiguous()
    w = torch.empty(a.shape, dtype=torch.float32)
    v = None
    if valid is not None:
        v = valid.detach().to(torch.bool).contiguous().numpy().view(np.uint8)
    r = _solve._solve_batch_into(a.numpy(), v, w.numpy(), prm, pooling, 0, tuple(a.shape))
    if keep is not None:
        keep["results"] = [{k: getattr(x, k) for k in ("value", "mean", "theta", "tau", "gamma",
                                                       "m_px", "n_valid", "n_clamped",
                                                       "n_support")} for x in r.results]
    return torch.from_numpy(r.values), w


def _solve_cuda(loss, valid, prm, pooling, keep=None):
    """One lmp_cuda_solve_batch_async on the current stream: no host
    synchronisation, device memory only from torch's caching allocator."""
    with torch.cuda.device(loss.device):
        stream = torch.cuda.current_stream(loss.device).cuda_stream
        return _solve_device(_lib.cuda_lib(), loss, valid, prm, pooling, stream, keep)


def _solve_device(c, loss, valid, prm, pooling, stream, keep=None):
    """The work of _solve_cuda with the library `c` and the stream given
    (tests run it on host memory with a stand-in for liblmp_cuda).  An image
    with an invalid loss (negative, NaN, Inf) gets the value NaN and zero
    weights: raising would need a synchronisation."""
    dev = loss.device
    a = loss.detach().to(torch.float32).contiguous()
    # The whole batch as one problem is one segment of every loss: the same
    # answer as B pooled segments, without a limit on B or a workspace per
    # image.
    B = a.shape[0] if pooling == "image" else 1
    n = a.numel() // B
    nres = B
    v = None
    if valid is not None:
        v = valid.detach().to(device=dev, dtype=torch.bool).contiguous().view(torch.uint8)
    nbytes = ctypes.c_size_t(0)
    st = c.lmp_cuda_workspace_size(B, a.numel(), ctypes.byref(nbytes))
    if st != _lib.OK:
        raise _solve.LMPError(f"lmp_cuda_workspace_size: {_lib.status_string(st)}", st)
    # B lmp_result structs read as rows of float64: value is column 0.
    rsize = ctypes.sizeof(_lib.LmpResult)
    assert rsize % 8 == 0 and _lib.LmpResult.value.offset == 0
    w = torch.empty(a.shape, dtype=torch.float32, device=dev)
    # The solver wants its workspace 256-byte aligned (cudaMalloc's are;
    # the caching allocator's usually are, but nothing promises it).
    ws = torch.empty(nbytes.value + 256, dtype=torch.uint8, device=dev)
    ws_ptr = ws.data_ptr() + (-ws.data_ptr()) % 256
    res = torch.empty((nres, rsize // 8), dtype=torch.float64, device=dev)
    sts = torch.empty(nres, dtype=torch.int32, device=dev)
    batch = _lib.LmpCudaBatch(a.data_ptr(), None if v is None else v.data_ptr(), w.data_ptr(),
                              B, n, None, _lib.POOLING["image"])
    st = c.lmp_cuda_solve_batch_async(ctypes.byref(batch), ctypes.byref(prm), res.data_ptr(),
                                      sts.data_ptr(), ws_ptr, nbytes.value, stream)
    if st != _lib.OK:
        raise _solve.LMPError(f"lmp_cuda_solve_batch_async: {_lib.status_string(st)}", st)
    if keep is not None:
        keep["rows"] = res  # read (and synchronised) only when a log asks
    values = res[:, _lib.LmpResult.value.offset // 8]
    values = torch.where(sts == _lib.ERR_INVALID_LOSS, torch.full_like(values, float("nan")),
                         values)
    return values, w


class _LMPFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, loss, valid, prm, pooling, keep=None):
        if loss.is_cuda:
            values, w = _solve_cuda(loss, valid, prm, pooling, keep)
        else:
            values, w = _solve_cpu(loss, valid, prm, pooling, keep)
        if keep is not None:
            keep["weights"] = w
        ctx.save_for_backward(w)
        ctx.pooling = pooling
        ctx.dtype = loss.dtype
        return values.to(loss.dtype)

    @staticmethod
    def backward(ctx, grad):
        (w,) = ctx.saved_tensors
        if ctx.pooling == "image":
            g = grad.reshape((-1,) + (1,) * (w.dim() - 1)) * w
        else:
            g = grad.reshape(()) * w
        return g.to(ctx.dtype), None, None, None, None


def _check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise _solve.LMPError(f'reduction must be "mean", "sum" or "none", not {reduction!r}')


def lmp_loss(loss, p=1.5, m=0.1, *, valid=None, pooling="image", reduction="mean", _keep=None):
    """The LMP loss of per-pixel losses `loss` (N, ...): image i is loss[i]
    (pooling="image", N values) or the whole batch is one problem
    (pooling="batch", one value).  `valid`: None or a bool tensor of the same
    shape (False: ignored pixel, weight 0).  reduction "mean" / "sum" over
    the values, or "none" for the (N,) (or (1,)) values.

    float16, bfloat16, float32 (and float64) losses, CPU or CUDA; solved in
    float32; the result and the gradient have the dtype of `loss`."""
    if not isinstance(loss, torch.Tensor):
        raise TypeError("loss must be a torch.Tensor")
    if loss.dtype not in _DTYPES:
        raise _solve.LMPError(f"loss must be float16, bfloat16 or float32, not {loss.dtype}")
    if loss.dim() < 1 or loss.shape[0] < 1:
        raise _solve.LMPError(f"loss must have a batch axis of length >= 1, shape "
                              f"{tuple(loss.shape)}")
    if pooling not in _lib.POOLING:
        raise _solve.LMPError(f'pooling must be "image" or "batch", not {pooling!r}')
    _check_reduction(reduction)
    if valid is not None:
        if not isinstance(valid, torch.Tensor) or valid.shape != loss.shape:
            raise _solve.LMPError("valid must be a tensor of the shape of loss")
        if valid.device != loss.device:
            raise _solve.LMPError(f"valid is on {valid.device}, loss on {loss.device}")
    prm = _solve._params(p, m, None, "error")
    values = _LMPFunction.apply(loss, valid, prm, pooling, _keep)
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    return values


class LMPLoss(torch.nn.Module):
    """lmp_loss as a module: LMPLoss(p, m, pooling=, reduction=)(loss, valid=None)."""

    def __init__(self, p=1.5, m=0.1, *, pooling="image", reduction="mean"):
        super().__init__()
        _solve._params(p, m, None, "error")
        if pooling not in _lib.POOLING:
            raise _solve.LMPError(f'pooling must be "image" or "batch", not {pooling!r}')
        _check_reduction(reduction)
        self.p, self.m, self.pooling, self.reduction = p, m, pooling, reduction

    def forward(self, loss, valid=None):
        return lmp_loss(loss, self.p, self.m, valid=valid, pooling=self.pooling,
                        reduction=self.reduction)

    def extra_repr(self):
        return f"p={self.p}, m={self.m}, pooling={self.pooling!r}, reduction={self.reduction!r}"


class LMPCrossEntropy(torch.nn.Module):
    """Per-pixel cross-entropy of logits (N, C, H, W) against targets
    (N, H, W), then LMP over the valid pixels (target != ignore_index) of
    each image (pooling="image") or of the whole batch (pooling="batch").
    `weight`: optional (C,) class weights, as in F.cross_entropy.  The
    per-pixel losses are computed in float32 whatever the logits' dtype.

    keep_weights=True keeps the last forward's weights, losses, valid mask,
    targets, values and solver results in `self.last` (an LMPStep, for
    lmpviz.torch.stats and lmpviz.draw), so that a logging hook needs no
    second solve.  They are detached and stay on the logits' device."""

    def __init__(self, p=1.5, m=0.1, ignore_index=255, pooling="image", reduction="mean",
                 weight=None, keep_weights=False):
        super().__init__()
        _solve._params(p, m, None, "error")
        if pooling not in _lib.POOLING:
            raise _solve.LMPError(f'pooling must be "image" or "batch", not {pooling!r}')
        _check_reduction(reduction)
        self.p, self.m, self.ignore_index = p, m, ignore_index
        self.pooling, self.reduction = pooling, reduction
        self.keep_weights = bool(keep_weights)
        self.last = None
        self.register_buffer("weight", None if weight is None else torch.as_tensor(weight))

    def forward(self, logits, targets):
        if logits.dim() < 2 or targets.dim() != logits.dim() - 1 \
                or logits.shape[0] != targets.shape[0] or logits.shape[2:] != targets.shape[1:]:
            raise _solve.LMPError(f"logits must be (N, C, H, W) and targets (N, H, W); got "
                                  f"{tuple(logits.shape)} and {tuple(targets.shape)}")
        x = logits if logits.dtype in (torch.float32, torch.float64) else logits.float()
        wt = None if self.weight is None else self.weight.to(device=x.device, dtype=x.dtype)
        ce = F.cross_entropy(x, targets, weight=wt, ignore_index=self.ignore_index,
                             reduction="none")
        valid = targets != self.ignore_index
        keep = {} if self.keep_weights else None
        out = lmp_loss(ce, self.p, self.m, valid=valid, pooling=self.pooling,
                       reduction=self.reduction, _keep=keep)
        if keep is not None:
            self.last = LMPStep(keep["weights"], ce.detach(), valid, targets.detach(),
                                out.detach() if self.reduction == "none" else None, self.p,
                                self.m, self.pooling, self.ignore_index, rows=keep.get("rows"),
                                results=keep.get("results"))
        return out

    def extra_repr(self):
        return (f"p={self.p}, m={self.m}, ignore_index={self.ignore_index}, "
                f"pooling={self.pooling!r}, reduction={self.reduction!r}"
                + (", keep_weights=True" if self.keep_weights else ""))
