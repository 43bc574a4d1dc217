"""lmpviz.draw and the logging half of lmpviz.torch: the pictures from
memory equal `lmpviz heatmap`'s PNGs pixel for pixel, the class shares its
--stats table; every input layout and dtype gives the same picture; bad
inputs name the argument; the ctypes structs match lmpviz/draw.h;
LMPCrossEntropy(keep_weights=True) and stats()."""
import ctypes
import csv
import json
import math
import os
import subprocess

import pytest

np = pytest.importorskip(
    "numpy", reason="NumPy is not installed (Debian: apt-get install python3-numpy)")

import lmpviz
from lmpviz import draw


def _shared(rel):
    d = os.environ.get("LMP_SHARED_DIR")
    if not d:
        return None
    p = os.path.join(d, "data", "cityscapes", rel)
    return p if os.path.exists(p) else None


def layout():
    exe = os.environ.get("LMPVIZ_LAYOUT_BIN")
    if not exe:
        pytest.skip("LMPVIZ_LAYOUT_BIN is not set (run through ctest, which builds it)")
    return json.loads(subprocess.run([exe], check=True, capture_output=True, text=True).stdout)


@pytest.mark.parametrize("name", sorted(draw.STRUCTS))
def test_struct_layout_matches_header(name):
    c = layout()[name]
    py = draw.STRUCTS[name]
    assert ctypes.sizeof(py) == c["sizeof"], name
    assert [f[0] for f in py._fields_] == list(c["offsets"]), f"{name}: fields differ"
    for field, off in c["offsets"].items():
        assert getattr(py, field).offset == off, f"{name}.{field}"


def test_enum_values():
    e = layout()["enums"]
    assert e["sizeof_enum"] == ctypes.sizeof(ctypes.c_int)
    assert e["LMPVIZ_LABELS_TRAINID"] == draw._IDS["train"]
    assert e["LMPVIZ_PRED_LOGITS"] == draw._PRED["logits"]
    assert e["LMPVIZ_PRED_LOSS"] == draw._PRED["loss"]
    assert e["LMPVIZ_HSCALE_LOG"] == draw._SCALES["log"]
    assert e["LMPVIZ_HSCALE_RANK"] == draw._SCALES["rank"]
    assert e["LMPVIZ_CMAP_TURBO"] == draw._CMAPS.index("turbo")
    assert e["LMPVIZ_CMAP_MAGMA"] == draw._CMAPS.index("magma")
    assert e["LMPVIZ_ERR_LEN"] == draw._ERR_LEN
    assert e["LMPVIZ_CS_CLASSES"] == len(draw.CITYSCAPES)


# ---------------------------------------------------------------------------
# A frame: the shared Cityscapes one when present, else a synthetic one.

LABEL_TO_TRAIN = {7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10,
                  24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18}


def _train_ids(ids):
    lut = np.full(256, 255, np.uint8)
    for k, v in LABEL_TO_TRAIN.items():
        lut[k] = v
    return lut[ids]


def _synthetic(h=48, w=96, seed=1):
    g = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w]
    img = np.stack([2 * xx, 5 * yy, (xx * yy) % 256], axis=2).astype(np.uint8)
    ids = np.array([7, 26, 24, 0, 21], np.uint8)[(xx // 17 + yy // 9) % 5]
    t = _train_ids(ids)
    logits = g.normal(0, 2, (19, h, w)).astype(np.float32)
    logits[np.minimum(t, 18), yy, xx] += 2.0
    e = np.exp(logits - logits.max(0))
    probs = (e / e.sum(0)).astype(np.float32)
    return img, ids, probs


@pytest.fixture
def frame(tmp_path):
    """(image HWC uint8, labelIds uint8, probs CHW float32, paths)"""
    Image = pytest.importorskip("PIL.Image", reason="PIL is not installed (python3-pil)")
    root = "leftImg8bit/train/aachen/aachen_000000_000019_"
    f, l, p = (_shared(root + s) for s in ("leftImg8bit_small.png",
                                            "gtFine_labelIds_small.png", "probs.npy"))
    if f and l and p:
        img = np.asarray(Image.open(f).convert("RGB"))
        ids = np.asarray(Image.open(l))
        probs = np.load(p).astype(np.float32)
        return img, ids, probs, (f, l, p)
    img, ids, probs = _synthetic()
    f, l, p = (str(tmp_path / n) for n in ("f.png", "l.png", "p.npy"))
    Image.fromarray(img).save(f)
    Image.fromarray(ids).save(l)
    np.save(p, probs)
    return img, ids, probs, (f, l, p)


def _cli(tmp_path, paths, *extra):
    """`lmpviz heatmap`'s PNG, losses and weights for the frame."""
    exe = os.environ.get("LMP_BIN")
    if not exe:
        pytest.skip("LMP_BIN is not set (the lmpviz program; run through ctest)")
    from PIL import Image
    out, lo, we = (str(tmp_path / n) for n in ("cli.png", "loss.npy", "w.npy"))
    cmd = [exe, "heatmap", "--image", paths[0], "--labels", paths[1], "--probs", paths[2],
           "-o", out, "--save-loss", lo, "--save-weights", we, "--quiet"] + list(extra)
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return np.asarray(Image.open(out).convert("RGB")), np.load(lo), np.load(we)


def _cuda():
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


@pytest.mark.parametrize("opts", [dict(), dict(scale="log", colormap="magma"),
                                  dict(scale="rank", alpha=0.8, dim=0.5, desaturate=0.2)])
def test_overlay_equals_the_cli(tmp_path, frame, opts):
    img, ids, probs, paths = frame
    args = []
    if "scale" in opts:
        args += ["--scale", opts["scale"]]
    if "colormap" in opts:
        args += ["--cmap", opts["colormap"]]
    for k in ("alpha", "dim", "desaturate"):
        if k in opts:
            args += [f"--{k}", str(opts[k])]
    ref, loss, weights = _cli(tmp_path, paths, "--p", "2", "--m", "0.05", *args)
    valid = _train_ids(ids) != 255
    r = lmpviz.solve(loss, p=2, m=0.05, valid=valid)
    assert np.array_equal(r.weights, weights)
    got = draw.overlay(img, r.weights, valid, result=r, losses=loss, p=2, m=0.05, **opts)
    assert got.shape == ref.shape
    assert np.array_equal(got, ref)


def test_panels_equal_the_cli(tmp_path, frame):
    img, ids, probs, paths = frame
    ref = _cli(tmp_path, paths, "--panels")[0]
    got = draw.panels(img, ids, probs=probs, p=1.5, m=0.1)
    assert got.shape == ref.shape
    assert np.array_equal(got, ref)
    # trainIds, HWC scores and a CHW float image: the same picture
    got = draw.panels(np.moveaxis(img, 2, 0) / 255.0, _train_ids(ids), ids="train",
                      probs=np.moveaxis(probs, 0, 2))
    assert np.array_equal(got, ref)


def _ce(probs, ids):
    """The cross-entropy of `heatmap` (0 at ignored pixels)."""
    t = _train_ids(ids)
    valid = t != 255
    py = np.take_along_axis(probs, np.minimum(t, 18)[None].astype(np.int64), 0)[0]
    return np.where(valid, -np.log(np.maximum(py.astype(np.float64), 1e-8)), 0).astype(np.float32)


def test_class_shares_match_the_stats_csv(tmp_path, frame):
    img, ids, probs, paths = frame
    stats_csv = str(tmp_path / "s.csv")
    _, loss, weights = _cli(tmp_path, paths, "--stats", stats_csv)
    valid = _train_ids(ids) != 255
    sh = draw.class_shares(ids, loss, weights)
    for k in ("pixel_share", "loss_share", "weight_share"):
        assert math.isclose(sum(v[k] for v in sh.values()), 1.0, abs_tol=1e-12)
    assert sum(v["pixels"] for v in sh.values()) == int(valid.sum())
    with open(stats_csv) as f:
        rows = list(csv.DictReader(f))
    assert [r_["class"] for r_ in rows] == list(sh)
    for row in rows:
        s = sh[row["class"]]
        assert int(row["pixels"]) == s["pixels"]
        for k in ("pixel_share", "loss_share", "weight_share", "mean_nw"):
            assert math.isclose(float(row[k]), s[k], rel_tol=1e-6, abs_tol=1e-9), (row, k)
    # trainIds
    sh2 = draw.class_shares(_train_ids(ids), loss, weights, ids="train")
    assert sh2 == sh


# ---------------------------------------------------------------------------
# Inputs

def test_layouts_dtypes_and_tensors_give_one_picture():
    torch = pytest.importorskip("torch")
    img, ids, probs = _synthetic()
    valid = _train_ids(ids) != 255
    w = lmpviz.solve(_ce(probs, ids), valid=valid).weights
    ref = draw.overlay(img, w, valid)
    assert ref.dtype == np.uint8 and ref.ndim == 3 and ref.shape[2] == 3
    variants = [
        np.moveaxis(img, 2, 0),                          # CHW uint8
        img / 255.0,                                     # HWC float64
        (np.moveaxis(img, 2, 0) / 255.0).astype(np.float32),
        torch.from_numpy(img.copy()),                    # a tensor, HWC
        torch.from_numpy(np.moveaxis(img, 2, 0).copy()).float().div(255)[None],  # NCHW, N = 1
    ]
    for v in variants:
        assert np.array_equal(draw.overlay(v, w, valid), ref)
    tw = torch.from_numpy(w).requires_grad_(True)
    assert np.array_equal(draw.overlay(img, tw, torch.from_numpy(valid)), ref)
    raw = draw.overlay(img, w, valid, colorbar=False)
    assert raw.shape == img.shape


@pytest.mark.skipif(not _cuda() and os.environ.get("LMP_REQUIRE_CUDA") != "1",
                    reason="no CUDA device")
def test_cuda_tensors_are_copied_to_the_host():
    import torch
    assert _cuda(), "LMP_REQUIRE_CUDA=1 but torch sees no CUDA device"
    img, ids, probs = _synthetic()
    valid = _train_ids(ids) != 255
    w = lmpviz.solve(_ce(probs, ids), valid=valid).weights
    ref = draw.panels(img, ids, probs=probs)
    dev = torch.device("cuda")
    got = draw.panels(torch.from_numpy(img).to(dev), torch.from_numpy(ids).to(dev),
                      probs=torch.from_numpy(probs).to(dev))
    assert np.array_equal(got, ref)
    assert np.array_equal(draw.overlay(torch.from_numpy(img).to(dev), torch.from_numpy(w).to(dev),
                                       torch.from_numpy(valid).to(dev)),
                          draw.overlay(img, w, valid))


def test_save_png_round_trip(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    img, ids, probs = _synthetic()
    rgb = draw.panels(img, ids, probs=probs, width=700)
    p = draw.save_png(tmp_path / "x.png", rgb)
    assert np.array_equal(np.asarray(Image.open(p).convert("RGB")), rgb)


# ---------------------------------------------------------------------------
# Bad input

def test_bad_inputs_name_the_argument():
    img, ids, probs = _synthetic()
    valid = _train_ids(ids) != 255
    w = lmpviz.solve(_ce(probs, ids), valid=valid).weights.copy()
    with pytest.raises(draw.DrawError, match="image: expected 48x96"):
        draw.overlay(img[:40], w, valid)
    with pytest.raises(draw.DrawError, match="valid: expected shape"):
        draw.overlay(img, w, valid[:, :50])
    with pytest.raises(draw.DrawError, match="image: expected 48x10 pixels"):
        draw.panels(img, ids[:, :10], loss=_ce(probs, ids)[:, :10])
    with pytest.raises(draw.DrawError, match="loss: expected shape"):
        draw.panels(img, ids, loss=_ce(probs, ids)[:, :10])
    with pytest.raises(draw.DrawError, match=r"losses: expected shape \(48, 10\)"):
        draw.class_shares(ids[:, :10], _ce(probs, ids), w)
    with pytest.raises(draw.DrawError, match=r"weights: expected shape \(48, 96\)"):
        draw.class_shares(ids, _ce(probs, ids), w[:, :10])
    with pytest.raises(draw.DrawError, match=r"probs: expected \(C, 48, 96\)"):
        draw.panels(img, ids, probs=probs[:, :20])
    with pytest.raises(draw.DrawError, match="exactly one"):
        draw.panels(img, ids, probs=probs, logits=probs)
    with pytest.raises(draw.DrawError, match="scale"):
        draw.overlay(img, w, valid, scale="sqrt")
    with pytest.raises(draw.DrawError, match="ids"):
        draw.class_shares(ids, w, w, ids="trainid")
    i = np.flatnonzero(valid)[7]
    w.flat[i] = np.nan
    y, x = divmod(int(i), w.shape[1])
    with pytest.raises(draw.DrawError,
                       match=rf"weight: expected finite values >= 0, got nan at pixel \({x}, {y}\)"):
        draw.overlay(img, w, valid)
    with pytest.raises(draw.DrawError, match="weight: expected finite"):
        draw.class_shares(ids, _ce(probs, ids), w)
    bad = ids.copy()
    bad[3, 5] = 200
    with pytest.raises(draw.DrawError, match=r"labels: .*\(5, 3\)"):
        draw.panels(img, bad, probs=probs)
    with pytest.raises(draw.DrawError, match="probs: expected floats"):
        draw.panels(img, ids, probs=(probs * 100).astype(np.int32))
    with pytest.raises(draw.DrawError, match="scores: "):
        draw.panels(img, ids, probs=probs * 3)  # not probabilities


# ---------------------------------------------------------------------------
# lmpviz.torch: keep_weights and stats

def test_keep_weights_and_stats():
    torch = pytest.importorskip("torch")
    import lmpviz.torch as lt
    g = torch.Generator().manual_seed(3)
    x = torch.randn(2, 19, 24, 40, generator=g, requires_grad=True)
    y = torch.randint(0, 19, (2, 24, 40), generator=g)
    y[:, :3] = 255
    crit = lt.LMPCrossEntropy(p=2, m=0.05, keep_weights=True)
    loss = crit(x, y)
    loss.backward()
    g1 = x.grad.clone()
    x.grad = None
    plain = lt.LMPCrossEntropy(p=2, m=0.05)
    plain(x, y).backward()
    assert torch.equal(g1, x.grad)          # keeping costs nothing in the gradient
    assert plain.last is None

    step = crit.last
    assert step.weights.shape == (2, 24, 40) and not step.weights.requires_grad
    ce = torch.nn.functional.cross_entropy(x.detach(), y, ignore_index=255, reduction="none")
    ref = lmpviz.solve_batch(ce.numpy(), p=2, m=0.05, valid=(y != 255).numpy())
    assert np.array_equal(step.weights.numpy(), ref.weights)
    assert len(step) == 2
    for i in range(2):
        assert step.result(i)["theta"] == ref.results[i].theta
        assert step.result(i)["n_clamped"] == ref.results[i].n_clamped
    s = lt.stats(step, 1)
    w1 = ref.weights[1].astype(np.float64)
    n = int((y[1] != 255).sum())
    assert s["theta"] == ref.results[1].theta and s["tau"] == ref.results[1].tau
    assert math.isclose(s["sum_w"], w1.sum(), rel_tol=1e-12)
    assert s["clamped_fraction"] == ref.results[1].n_clamped / n
    assert math.isclose(s["effective_support"], w1.sum() ** 2 / (w1 ** 2).sum() / n,
                        rel_tol=1e-12)
    k = math.ceil(0.01 * n)
    assert math.isclose(s["top1_weight_share"], np.sort(w1.ravel())[-k:].sum() / w1.sum(), rel_tol=1e-9)
    assert 0 < s["effective_support"] <= 1 and 0.01 <= s["top1_weight_share"] <= 1
    mean = lt.stats(step)
    assert math.isclose(mean["sum_w"], (lt.stats(step, 0)["sum_w"] + s["sum_w"]) / 2)
    assert lt.stats(ref, 1) == s            # a BatchResult gives the same scalars
    # Uniform weights: effective support 1, top-1% share 1%.
    u = lmpviz.solve(np.ones(1000, np.float32), p=2, m=1.0)
    su = lt.stats(u)
    assert math.isclose(su["effective_support"], 1.0) and math.isclose(
        su["top1_weight_share"], 0.01)
    # The kept step draws the picture of the same solve.
    a = draw.overlay(None, step.weights[0], step.valid[0], result=step.result(0),
                     losses=step.losses[0], p=2, m=0.05)
    b = draw.overlay(None, ref.weights[0], (y[0] != 255).numpy(), result=ref.results[0],
                     losses=ce[0].numpy(), p=2, m=0.05)
    assert np.array_equal(a, b)
    c = draw.panels(None, y[0], loss=step.losses[0], ids="train", p=2, m=0.05)
    d = draw.panels(None, y[0], loss=step.losses[0], ids="train", weights=step.weights[0],
                    result=step.result(0), p=2, m=0.05)
    assert np.array_equal(c, d)


def test_logger_recipes_in_the_docs_run():
    """docs/watching.md's TensorBoard and W&B recipes, with stand-ins for
    the loggers that check what they are given."""
    torch = pytest.importorskip("torch")
    doc = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "watching.md")
    if not os.path.exists(doc):
        pytest.skip("docs/watching.md is not beside the tests")
    with open(doc) as f:
        blocks = f.read().split("```python\n")[1:]
    code = "\n".join(b.split("```")[0] for b in blocks if "def log_tensorboard" in b)
    from lmpviz.torch import LMPCrossEntropy, stats
    env = {"draw": draw, "stats": stats}
    exec(compile(code, doc, "exec"), env)
    got = {}

    class Writer:
        def add_scalar(self, tag, v, step):
            assert isinstance(v, (int, float)) and step == 7
            got[tag] = v

        def add_image(self, tag, img, step, dataformats):
            assert dataformats == "HWC" and img.dtype == np.uint8 and img.shape[2] == 3
            got[tag] = img

    class WandB:
        class Image:
            def __init__(self, a):
                assert a.dtype == np.uint8 and a.ndim == 3
                self.a = a

        @staticmethod
        def log(d, step):
            got["wandb"] = d

    crit = LMPCrossEntropy(keep_weights=True)
    x = torch.rand(2, 3, 40, 64)
    logits = torch.randn(2, 19, 40, 64, requires_grad=True)
    y = torch.randint(0, 19, (2, 40, 64))
    crit(logits, y).backward()
    env["log_tensorboard"](Writer(), 7, crit, x, y, logits)
    env["log_wandb"](WandB, 7, crit, x, y, logits)
    assert got["lmp/theta"] == stats(crit.last)["theta"]
    assert got["lmp/overlay"].shape[1] == 1000
    assert math.isclose(sum(v for k, v in got.items() if k.startswith("lmp_weight_share/")), 1.0)
    assert isinstance(got["wandb"]["lmp/panels"], WandB.Image)
