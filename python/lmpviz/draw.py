"""The pictures of `lmpviz heatmap` from arrays in memory, for watching LMP
during training: the weights over the frame, the six panels, and the class
shares, from NumPy arrays or torch tensors (CPU or CUDA).

    import lmpviz.draw as d
    rgb = d.overlay(image, weights, valid)        # (H', W', 3) uint8, with a colour bar
    rgb = d.panels(image, labels, logits=logits, p=1.5, m=0.1, ids="train")
    shares = d.class_shares(labels, losses, weights, ids="train")
    d.save_png("step_100.png", rgb)

The arrays go to liblmpviz (lmpviz/draw.h), which builds the same heatmap
and draws it with the same code as `lmpviz heatmap`: the same options give
the same pixels as its PNG.  Images are (H, W, 3) or (3, H, W) (or (H, W)
grey), uint8 or float in [0, 1]; labels are Cityscapes labelIds (ids="label",
as the PNG files hold them) or trainIds (ids="train", 0..18, ignore_index
ignored); weights, losses, probabilities and logits are float ((C, H, W) or
(H, W, C) for the scores).  Tensors are detached and copied to the host once.
"""
import ctypes

import numpy as np

from . import _lib
from ._solve import LMPError

__all__ = ["overlay", "panels", "class_shares", "save_png", "DrawError", "CITYSCAPES"]

CITYSCAPES = ("road", "sidewalk", "building", "wall", "fence", "pole", "traffic light",
              "traffic sign", "vegetation", "terrain", "sky", "person", "rider", "car", "truck",
              "bus", "train", "motorcycle", "bicycle")

# lmpviz_status
_VIZ_STATUS = {0: "ok", 1: "invalid argument", 2: "I/O error", 3: "bad format", 4: "out of memory",
               5: "solver error", 6: "cairo error"}
_IDS = {"label": 0, "train": 1}                 # lmpviz_label_type
_PRED = {"probs": 0, "logits": 1, "loss": 2}    # lmpviz_pred_kind
_SCALES = {"nw": 0, "linear": 0, "log": 1, "rank": 2}  # lmpviz_hscale
_CMAPS = ("viridis", "magma", "inferno", "plasma", "cividis", "turbo")  # lmpviz_cmap
_ERR_LEN = 320


class DrawError(LMPError):
    """liblmpviz refused the arrays; the message names the argument."""


class FrameArrays(ctypes.Structure):
    _fields_ = [
        ("image", ctypes.c_void_p),
        ("width", ctypes.c_size_t),
        ("height", ctypes.c_size_t),
        ("labels", ctypes.c_void_p),
        ("label_type", ctypes.c_int),
        ("valid", ctypes.c_void_p),
        ("scores", ctypes.c_void_p),
        ("classes", ctypes.c_size_t),
        ("pred_kind", ctypes.c_int),
        ("weight", ctypes.c_void_p),
        ("params", _lib.LmpParams),
        ("result", ctypes.POINTER(_lib.LmpResult)),
    ]


class OverlayOpts(ctypes.Structure):
    _fields_ = [
        ("cmap", ctypes.c_int),
        ("scale", ctypes.c_int),
        ("alpha", ctypes.c_double),
        ("dim", ctypes.c_double),
        ("desaturate", ctypes.c_double),
        ("vmax", ctypes.c_double),
        ("vmin", ctypes.c_double),
    ]


class HeatmapFigOpts(ctypes.Structure):
    _fields_ = [
        ("overlay", OverlayOpts),
        ("panels", ctypes.c_int),
        ("width_px", ctypes.c_size_t),
        ("title", ctypes.c_char_p),
    ]


class Pixels(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("width", ctypes.c_size_t),
        ("height", ctypes.c_size_t),
        ("channels", ctypes.c_size_t),
        ("stride", ctypes.c_size_t),
    ]


class ClassRow(ctypes.Structure):
    _fields_ = [
        ("train_id", ctypes.c_uint),
        ("name", ctypes.c_char_p),
        ("pixels", ctypes.c_size_t),
        ("pixel_share", ctypes.c_double),
        ("loss_share", ctypes.c_double),
        ("weight_share", ctypes.c_double),
        ("mean_nw", ctypes.c_double),
        ("mean_loss", ctypes.c_double),
    ]


class Err(ctypes.Structure):
    _fields_ = [("msg", ctypes.c_char * _ERR_LEN)]


STRUCTS = {
    "lmpviz_frame_arrays": FrameArrays,
    "lmpviz_overlay_opts": OverlayOpts,
    "lmpviz_heatmap_fig_opts": HeatmapFigOpts,
    "lmpviz_pixels": Pixels,
    "lmpviz_class_row": ClassRow,
    "lmpviz_err": Err,
}

_P = ctypes.c_void_p
_PROTOTYPES = {
    "lmpviz_arrays_render": (ctypes.c_int, [ctypes.POINTER(FrameArrays),
                                            ctypes.POINTER(HeatmapFigOpts),
                                            ctypes.POINTER(Pixels), ctypes.POINTER(Err)]),
    "lmpviz_arrays_overlay": (ctypes.c_int, [ctypes.POINTER(FrameArrays),
                                             ctypes.POINTER(OverlayOpts),
                                             ctypes.POINTER(Pixels), ctypes.POINTER(Err)]),
    "lmpviz_arrays_class_shares": (ctypes.c_int, [ctypes.POINTER(FrameArrays), _P,
                                                  ctypes.POINTER(ctypes.c_size_t),
                                                  ctypes.POINTER(Err)]),
    "lmpviz_pixels_free": (None, [ctypes.POINTER(Pixels)]),
    "lmpviz_png_write": (ctypes.c_int, [ctypes.c_char_p, _P, ctypes.c_size_t, ctypes.c_size_t,
                                        ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                        ctypes.POINTER(Err)]),
}

_viz = None


def viz_lib():
    """liblmpviz.so.0, loaded on first use (LMPVIZ_LIBRARY names another)."""
    global _viz
    if _viz is None:
        lib, _ = _lib._load("LMPVIZ_LIBRARY", ["liblmpviz.so.0", "liblmpviz.so"], "lmpviz")
        _lib._bind(lib, _PROTOTYPES)
        _viz = lib
    return _viz


# ---------------------------------------------------------------------------
# Inputs: tensors to host NumPy arrays, layouts, dtypes.

def _host(x, name):
    """A NumPy array of x: a torch tensor is detached and copied to the host
    (once, whatever its device)."""
    if x is None:
        return None
    if type(x).__module__.startswith("torch"):
        x = x.detach()
        if x.device.type != "cpu":
            x = x.to("cpu")
        if x.dtype.is_floating_point and x.dtype != _torch_float64():
            x = x.float()
        return x.numpy()
    try:
        return np.asarray(x)
    except Exception as e:  # pragma: no cover - unusual array-likes
        raise DrawError(f"{name}: expected an array or a tensor, got {type(x).__name__}: {e}")


def _torch_float64():
    import torch
    return torch.float64


def _squeeze(a, name, ndim):
    """Drops leading axes of length 1 (a batch of one) down to ndim."""
    while a.ndim > ndim and a.shape[0] == 1:
        a = a[0]
    return a


def _to_u8(a):
    """Floats in [0, 1] to bytes, round(255 x), clipped; in float32, in the
    array's own layout (one pass each)."""
    if not np.isfinite(a).all():
        raise DrawError("image: expected finite values in [0, 1]")
    t = np.multiply(a, 255.0, dtype=np.float32)
    t += 0.5
    np.clip(t, 0.0, 255.0, out=t)
    return t.astype(np.uint8)


def _image(image, hw):
    """(H, W, 3) uint8, C-contiguous, from HWC, CHW or grey, uint8 or float
    in [0, 1]; None stays None (a grey frame)."""
    a = _host(image, "image")
    if a is None:
        return None
    a = _squeeze(a, "image", 3)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3:
        raise DrawError(f"image: expected (H, W, 3), (3, H, W) or (H, W), got shape {a.shape}")
    chw = a.shape[2] not in (1, 3, 4) and a.shape[0] in (1, 3, 4)
    c = a.shape[0] if chw else a.shape[2]
    if c not in (1, 3, 4):
        raise DrawError(f"image: expected 1, 3 or 4 channels first or last, got shape {a.shape}")
    size = a.shape[1:] if chw else a.shape[:2]
    if size != hw:
        raise DrawError(f"image: expected {hw[0]}x{hw[1]} pixels (H, W) to match the other "
                        f"arrays, got shape {a.shape}")
    a = (a[:3] if chw else a[:, :, :3]) if c != 1 else a
    if a.dtype.kind == "f":
        a = _to_u8(a)
    elif a.dtype != np.uint8:
        raise DrawError(f"image: expected uint8 or float in [0, 1], got {a.dtype}")
    if chw:
        a = np.moveaxis(a, 0, 2)
    if c == 1:
        a = np.repeat(a, 3, axis=2)
    return np.ascontiguousarray(a)


def _map(x, name, dtype, hw=None):
    """An (H, W) map (a leading axis of 1 is dropped)."""
    a = _host(x, name)
    if a is None:
        return None
    a = _squeeze(a, name, 2)
    if a.ndim != 2:
        raise DrawError(f"{name}: expected an (H, W) map, got shape {a.shape}")
    if hw is not None and a.shape != hw:
        raise DrawError(f"{name}: expected shape {hw} to match the other arrays, got {a.shape}")
    if dtype is np.float32 and a.dtype.kind not in "fiu":
        raise DrawError(f"{name}: expected a float array, got {a.dtype}")
    return np.ascontiguousarray(a, dtype=dtype)


def _labels(labels, ids, ignore_index, hw):
    if ids not in _IDS:
        raise DrawError(f'ids: expected "label" (Cityscapes labelIds) or "train" (trainIds), '
                        f"got {ids!r}")
    a = _host(labels, "labels")
    if a is None:
        return None
    a = _squeeze(a, "labels", 2)
    if a.ndim != 2 or (hw is not None and a.shape != hw):
        raise DrawError(f"labels: expected shape {hw or '(H, W)'}, got {a.shape}")
    if a.dtype.kind not in "iub":
        raise DrawError(f"labels: expected integer ids, got {a.dtype}")
    a = a.astype(np.int64, copy=False)
    if ids == "train" and ignore_index != 255:
        a = np.where(a == ignore_index, 255, a)
    if a.size and (a.min() < 0 or a.max() > 65535):
        bad = np.flatnonzero((a < 0) | (a > 65535))[0]
        y, x = divmod(int(bad), a.shape[1])
        raise DrawError(f"labels: expected ids in 0..65535, got {a.flat[bad]} at pixel ({x}, {y})")
    return np.ascontiguousarray(a, dtype=np.uint16)


def _scores(probs, logits, loss, hw):
    """(pred_kind, C-contiguous float32 array, classes) of the one given."""
    given = [(k, v) for k, v in (("probs", probs), ("logits", logits), ("loss", loss))
             if v is not None]
    if len(given) != 1:
        raise DrawError("probs, logits, loss: expected exactly one of them, got "
                        f"{len(given)}")
    kind, x = given[0]
    if kind == "loss":
        return _PRED[kind], _map(x, "loss", np.float32, hw), 0
    a = _host(x, kind)
    a = _squeeze(a, kind, 3)
    if a.ndim != 3:
        raise DrawError(f"{kind}: expected (C, H, W) or (H, W, C), got shape {a.shape}")
    if a.shape[1:] != hw and a.shape[:2] == hw:
        a = np.moveaxis(a, 2, 0)
    if a.shape[1:] != hw:
        raise DrawError(f"{kind}: expected (C, {hw[0]}, {hw[1]}) or ({hw[0]}, {hw[1]}, C) to "
                        f"match the labels, got shape {a.shape}")
    if a.dtype.kind != "f":
        raise DrawError(f"{kind}: expected floats, got {a.dtype}")
    return _PRED[kind], np.ascontiguousarray(a, dtype=np.float32), a.shape[0]


def _valid(valid, hw):
    v = _map(valid, "valid", None, hw)
    if v is None:
        return None
    return np.ascontiguousarray(v != 0).view(np.uint8)


def _weights(weights, hw):
    w = _map(weights, "weights", np.float32, hw)
    return w


def _result(result):
    """An lmp_result from a lmpviz Result, a dict, or one image of a kept
    torch step (see lmpviz.torch.stats); None stays None."""
    if result is None:
        return None
    get = (lambda k: result[k]) if isinstance(result, dict) else (lambda k: getattr(result, k))
    r = _lib.LmpResult()
    for k in ("value", "mean", "theta", "tau", "gamma", "m_px"):
        setattr(r, k, float(get(k)))
    for k in ("n_valid", "n_clamped", "n_support"):
        setattr(r, k, int(get(k)))
    return r


def _ptr(a):
    return None if a is None else a.ctypes.data


def _params(p, m):
    try:
        return _lib.LmpParams(float(p), float(m), 0.0, 0)
    except (TypeError, ValueError):
        raise DrawError(f"p, m: expected numbers, got {p!r} and {m!r}") from None


def _overlay_opts(scale, colormap, alpha, dim, desaturate, vmax, vmin):
    if scale not in _SCALES:
        raise DrawError(f'scale: expected "nw", "log" or "rank", got {scale!r}')
    if str(colormap).lower() not in _CMAPS:
        raise DrawError(f"colormap: expected one of {', '.join(_CMAPS)}, got {colormap!r}")
    for name, v in (("alpha", alpha), ("dim", dim), ("desaturate", desaturate)):
        if not (0.0 <= float(v) <= 1.0):
            raise DrawError(f"{name}: expected a value in [0, 1], got {v!r}")
    return OverlayOpts(_CMAPS.index(str(colormap).lower()), _SCALES[scale], float(alpha),
                       float(dim), float(desaturate), float(vmax or 0.0), float(vmin or 0.0))


def _check(st, err, what):
    if st != 0:
        msg = err.msg.decode("utf-8", "replace")
        raise DrawError(f"{what}: {msg or _VIZ_STATUS.get(st, st)}", st)


def _take(px):
    """The library's raster as an (H, W, 3) uint8 array we own."""
    lib = viz_lib()
    try:
        buf = (ctypes.c_ubyte * (px.stride * px.height)).from_address(px.data)
        a = np.frombuffer(buf, dtype=np.uint8).reshape(px.height, px.stride)
        return a[:, :px.width * px.channels].reshape(px.height, px.width, px.channels).copy()
    finally:
        lib.lmpviz_pixels_free(ctypes.byref(px))


def _frame(image, hw, labels, ids, ignore_index, valid, scores, weights, p, m, result):
    """FrameArrays over the arrays (kept alive in the returned tuple)."""
    img = _image(image, hw)
    lab = _labels(labels, ids, ignore_index, hw)
    v = _valid(valid, hw)
    kind, sc, classes = scores if scores is not None else (0, None, 0)
    w = _weights(weights, hw)
    r = _result(result)
    fa = FrameArrays(_ptr(img), hw[1], hw[0], _ptr(lab), _IDS[ids], _ptr(v), _ptr(sc), classes,
                     kind, _ptr(w), _params(p, m),
                     None if r is None else ctypes.pointer(r))
    return fa, (img, lab, v, sc, w, r)


def _hw_of(x, name):
    a = _host(x, name)
    if a is None:
        raise DrawError(f"{name}: expected an array, got None")
    a = _squeeze(a, name, 2)
    if a.ndim != 2:
        raise DrawError(f"{name}: expected an (H, W) map, got shape {a.shape}")
    return a, tuple(a.shape)


# ---------------------------------------------------------------------------
# Entry points.

def overlay(image, weights, valid=None, *, scale="nw", colormap="viridis", alpha=0.65, dim=0.6,
            desaturate=0.7, vmax=None, vmin=None, colorbar=True, labels=None, ids="label",
            ignore_index=255, losses=None, result=None, p=1.5, m=0.1, title=None, width=0):
    """LMP's weights over the frame, as `lmpviz heatmap` draws them: an
    (H', W', 3) uint8 figure with the title and colour bar (colorbar=True),
    or the (H, W, 3) overlay alone at the frame's size (colorbar=False).

    weights: (H, W) (or (1, H, W)); valid: where they count (default: labels
    not ignored, or every pixel); image: None draws them on grey.  scale:
    "nw" (n·w up to the cap n·tau), "log" or "rank".  result: the solve's
    result (a lmpviz.Result, or lmpviz.torch.stats(step, i)'s "result") gives
    tau and the title's numbers; without it tau is the largest weight.
    losses: per-pixel losses, for the title's LMP and mean loss."""
    w, hw = _hw_of(weights, "weights")
    sc = None if losses is None else (_PRED["loss"], _map(losses, "losses", np.float32, hw), 0)
    fa, keep = _frame(image, hw, labels, ids, ignore_index, valid, sc, w, p, m, result)
    ov = _overlay_opts(scale, colormap, alpha, dim, desaturate, vmax, vmin)
    px, err = Pixels(), Err()
    lib = viz_lib()
    if colorbar:
        fo = HeatmapFigOpts(ov, 0, int(width), None if title is None else title.encode())
        st = lib.lmpviz_arrays_render(ctypes.byref(fa), ctypes.byref(fo), ctypes.byref(px),
                                      ctypes.byref(err))
    else:
        st = lib.lmpviz_arrays_overlay(ctypes.byref(fa), ctypes.byref(ov), ctypes.byref(px),
                                       ctypes.byref(err))
    del keep
    _check(st, err, "overlay")
    return _take(px)


def panels(image, labels, *, probs=None, logits=None, loss=None, p=1.5, m=0.1, ids="label",
           ignore_index=255, weights=None, result=None, scale="nw", colormap="viridis",
           alpha=0.65, dim=0.6, desaturate=0.7, title=None, width=0):
    """Frame | ground truth | prediction over loss | LMP weights | class
    shares, as `lmpviz heatmap --panels` draws them; (H', W', 3) uint8.

    One of probs, logits ((C, H, W) or (H, W, C)) or loss ((H, W)): the
    losses are their cross-entropy against the labels (or the loss map), and
    LMP(p, m) is solved on them unless weights (and their result) are
    given."""
    lab, hw = _hw_of(labels, "labels")
    sc = _scores(probs, logits, loss, hw)
    fa, keep = _frame(image, hw, lab, ids, ignore_index, None, sc, weights, p, m, result)
    ov = _overlay_opts(scale, colormap, alpha, dim, desaturate, None, None)
    fo = HeatmapFigOpts(ov, 1, int(width), None if title is None else title.encode())
    px, err = Pixels(), Err()
    st = viz_lib().lmpviz_arrays_render(ctypes.byref(fa), ctypes.byref(fo), ctypes.byref(px),
                                        ctypes.byref(err))
    del keep
    _check(st, err, "panels")
    return _take(px)


def class_shares(labels, losses, weights, classes="cityscapes", *, valid=None, ids="label",
                 ignore_index=255):
    """Per class present, in trainId order: {name: {"pixels", "pixel_share",
    "loss_share", "weight_share", "mean_nw"}}, the rows of `lmpviz heatmap
    --stats` (weights counted as n·w, n the valid pixels).  Each share sums
    to 1 over the classes."""
    if classes != "cityscapes":
        raise DrawError(f'classes: only "cityscapes" is known, got {classes!r}')
    lab, hw = _hw_of(labels, "labels")
    sc = (_PRED["loss"], _map(losses, "losses", np.float32, hw), 0)
    fa, keep = _frame(None, hw, lab, ids, ignore_index, valid, sc, weights, 1.5, 0.1, None)
    rows = (ClassRow * len(CITYSCAPES))()
    n = ctypes.c_size_t(0)
    err = Err()
    st = viz_lib().lmpviz_arrays_class_shares(ctypes.byref(fa), rows, ctypes.byref(n),
                                              ctypes.byref(err))
    del keep
    _check(st, err, "class_shares")
    out = {}
    for r in rows[:n.value]:
        out[r.name.decode()] = {"train_id": r.train_id, "pixels": r.pixels,
                                "pixel_share": r.pixel_share, "loss_share": r.loss_share,
                                "weight_share": r.weight_share, "mean_nw": r.mean_nw}
    return out


def save_png(path, rgb, compression=2):
    """Writes an (H, W, 3) uint8 array (what overlay and panels return) as a
    PNG, with libpng through liblmpviz (no other dependency)."""
    a = np.ascontiguousarray(_host(rgb, "rgb"))
    if a.ndim != 3 or a.shape[2] != 3 or a.dtype != np.uint8:
        raise DrawError(f"rgb: expected an (H, W, 3) uint8 array, got {a.shape} {a.dtype}")
    err = Err()
    st = viz_lib().lmpviz_png_write(str(path).encode(), _ptr(a), a.shape[1], a.shape[0],
                                    a.shape[1] * 3, 3, 8, int(compression), ctypes.byref(err))
    _check(st, err, str(path))
    return str(path)
