"""lmpviz.solve, solve_sorted and solve_batch (the NumPy API)."""
import glob
import json
import math
import os
import subprocess
import threading

import pytest

np = pytest.importorskip(
    "numpy", reason="NumPy is not installed (Debian: apt-get install python3-numpy)")

import lmpviz  # noqa: E402
from lmpviz import InvalidLossError, LMPError  # noqa: E402


def loss_maps():
    shared = os.environ.get("LMP_SHARED_DIR")
    if not shared:
        pytest.skip("LMP_SHARED_DIR is not set (the shared Cityscapes data)")
    files = sorted(glob.glob(os.path.join(shared, "data", "cityscapes", "**", "*_loss.npy"),
                             recursive=True))
    if not files:
        pytest.skip(f"no *_loss.npy under {shared}/data/cityscapes")
    return files


def cli():
    exe = os.environ.get("LMP_BIN")
    if not exe:
        pytest.skip("LMP_BIN is not set (the lmpviz program; run through ctest)")
    return exe


# -- against the lmpviz program on real loss maps ---------------------------

@pytest.mark.parametrize("p,m,zeros", [(1.5, 0.1, False), (3.0, 0.05, True), (1.0, 0.2, False),
                                       (1.7, 0.01, True), (math.inf, 0.1, False)])
def test_solve_equals_cli_on_cityscapes_loss_maps(tmp_path, p, m, zeros):
    exe = cli()
    for f in loss_maps():
        x = np.load(f)
        wpath = str(tmp_path / "w.npy")
        cmd = [exe, "solve", "--losses", f, "--p", repr(p), "--m", repr(m), "-o", wpath, "--json"]
        if zeros:
            cmd.append("--ignore-zeros")
        j = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        r = lmpviz.solve(x, p, m, valid=(x > 0) if zeros else None)
        assert r.value == pytest.approx(j["value"], rel=1e-14), f
        assert r.theta == pytest.approx(j["theta"], rel=1e-14, abs=1e-300)
        assert r.tau == pytest.approx(j["tau"], rel=1e-14)
        assert r.m_px == pytest.approx(j["m_px"], rel=1e-14)
        assert (r.n_valid, r.n_clamped, r.n_support) == (j["n"], j["clamped"], j["support"])
        w = np.load(wpath)
        assert w.shape == x.shape == r.weights.shape and r.weights.dtype == np.float32
        np.testing.assert_array_equal(r.weights, w)


# -- against the sorting reference on random cases --------------------------

def random_case(rng):
    n = int(rng.choice([1, 2, 3, 5, 17, 64, 100, 257, 1000]))
    kind = rng.integers(5)
    if kind == 0:
        x = rng.exponential(1.0, n)
    elif kind == 1:  # ties
        x = rng.integers(0, 4, n).astype(np.float64)
    elif kind == 2:  # many zeros
        x = rng.exponential(1.0, n) * (rng.random(n) < 0.3)
    elif kind == 3:  # wide range
        x = np.exp(rng.normal(0, 8, n))
    else:
        x = rng.random(n) ** 4
    p = float(rng.choice([1.0, 1.2, 1.5, 1.7, 2.0, 3.0, 7.0, math.inf, 1.0 + rng.random() * 4]))
    m = float(rng.choice([1.0, 0.5, 0.1, 0.01, rng.random() * 0.999 + 0.001]))
    kw = {}
    if rng.random() < 0.2:
        kw["m_pixels"] = float(rng.integers(1, n + 3))
    if rng.random() < 0.3:
        kw["valid"] = rng.random(n) < 0.7
    return x.astype(np.float32), p, m, kw


def test_solve_equals_solve_sorted_on_random_cases():
    rng = np.random.default_rng(1234)
    for case in range(3000):
        x, p, m, kw = random_case(rng)
        r = lmpviz.solve(x, p, m, **kw)
        s = lmpviz.solve_sorted(x, p, m, **kw)
        where = f"case {case}: n={x.size} p={p} m={m} {sorted(kw)}"
        assert r.n_valid == s.n_valid and r.m_px == s.m_px, where
        assert r.value == pytest.approx(s.value, rel=1e-6, abs=1e-30), where
        assert r.tau == pytest.approx(s.tau, rel=1e-12), where
        scale = max(float(s.weights.max()), 1e-30)
        assert np.max(np.abs(r.weights - s.weights)) <= 1e-5 * scale, where
        assert r.value >= r.mean * (1 - 1e-6) - 1e-30, where


# -- dtypes, layouts, out, masks, non-finite values -------------------------

def test_every_dtype_gives_the_float32_answer():
    rng = np.random.default_rng(5)
    x64 = rng.exponential(1.0, (37, 41))
    for dt in (np.float16, np.float32, np.float64):
        x = x64.astype(dt)
        r = lmpviz.solve(x, 2.0, 0.1)
        ref = lmpviz.solve_sorted(x.astype(np.float32), 2.0, 0.1)
        assert r.weights.dtype == np.float32 and r.weights.shape == x.shape
        assert r.value == pytest.approx(ref.value, rel=1e-6)
    with pytest.raises(LMPError, match="float16, float32 or float64"):
        lmpviz.solve(np.ones(4, dtype=np.int32))


def test_non_contiguous_views_equal_their_copies():
    rng = np.random.default_rng(6)
    x = rng.exponential(1.0, (64, 80)).astype(np.float32)
    for view in (x[:, ::2], x.T, x[::-3, 5:70], np.broadcast_to(x[0], (4, 80))):
        assert not view.flags.c_contiguous
        r = lmpviz.solve(view, 1.5, 0.1)
        c = lmpviz.solve(np.ascontiguousarray(view), 1.5, 0.1)
        assert r.value == c.value and r.weights.shape == view.shape
        np.testing.assert_array_equal(r.weights, c.weights)


def test_out_receives_the_weights():
    x = np.random.default_rng(7).exponential(1.0, (10, 10)).astype(np.float32)
    out = np.full(x.shape, -1.0, dtype=np.float32)
    r = lmpviz.solve(x, out=out)
    assert r.weights is out and (out >= 0).all()
    for bad in (np.empty((10, 10), np.float64), np.empty((100,), np.float32),
                np.empty((10, 20), np.float32)[:, ::2]):
        with pytest.raises(LMPError, match="out must be"):
            lmpviz.solve(x, out=bad)


def test_mask_equals_solving_the_valid_pixels_alone():
    rng = np.random.default_rng(8)
    x = rng.exponential(1.0, (30, 30)).astype(np.float32)
    valid = rng.random(x.shape) < 0.6
    for v in (valid, valid.astype(np.uint8) * 7, valid.astype(np.int64)):
        r = lmpviz.solve(x, 1.5, 0.1, valid=v)
        alone = lmpviz.solve(x[valid], 1.5, 0.1)
        assert r.value == alone.value and r.n_valid == valid.sum()
        assert (r.weights[~valid] == 0).all()
        np.testing.assert_array_equal(r.weights[valid], alone.weights)
    with pytest.raises(LMPError, match="valid has shape"):
        lmpviz.solve(x, valid=valid[:, :5])
    with pytest.raises(LMPError, match="bool or integer"):
        lmpviz.solve(x, valid=valid.astype(np.float32))


def test_nonfinite_ignore_equals_masking_them():
    x = np.random.default_rng(9).exponential(1.0, 200).astype(np.float32)
    x[[3, 50, 199]] = [np.nan, np.inf, -np.inf]
    valid = np.isfinite(x)
    r = lmpviz.solve(x, 3.0, 0.2, nonfinite="ignore")
    s = lmpviz.solve(np.where(valid, x, 0), 3.0, 0.2, valid=valid)
    assert r.value == s.value and r.n_valid == 197
    np.testing.assert_array_equal(r.weights, s.weights)


def test_no_valid_pixel_is_value_zero_not_an_error():
    x = np.ones((4, 5), np.float32)
    r = lmpviz.solve(x, valid=np.zeros(x.shape, bool))
    assert r.value == 0 and r.n_valid == 0 and not r.weights.any()
    r = lmpviz.solve(np.empty((0,), np.float32))
    assert r.value == 0 and r.weights.shape == (0,)
    b = lmpviz.solve_batch(x.reshape(2, 10), valid=np.array([[0] * 10, [1] * 10], bool))
    assert b.values[0] == 0 and b.values[1] > 0 and not b.weights[0].any()
    b = lmpviz.solve_batch(np.empty((3, 0), np.float32))
    assert b.values.tolist() == [0, 0, 0] and b.weights.shape == (3, 0)


def test_result_fields():
    x = np.array([4.0, 3.0, 2.0, 1.0, 0.0], np.float32)
    r = lmpviz.solve(x, 2.0, m_pixels=2)
    assert r.m_px == 2 and r.n_valid == 5 and r.n_support == 4
    assert r.gamma == pytest.approx(5 ** (0.5 - 1))
    assert r.tau == pytest.approx(r.gamma / math.sqrt(2))
    assert r.mean == pytest.approx(2.0)
    assert r.value == pytest.approx(float(np.dot(r.weights, x)), rel=1e-6)
    norm2 = float(np.sum(r.weights.astype(np.float64) ** 2))
    assert norm2 == pytest.approx(r.gamma ** 2, rel=1e-5)
    assert "value=" in repr(r)


# -- errors -----------------------------------------------------------------

@pytest.mark.parametrize("kw,msg", [({"p": 0.5}, "p = 0.5"), ({"p": float("nan")}, "invalid"),
                                    ({"m": 0.0}, "m = 0.0"), ({"m": 1.5}, "m = 1.5"),
                                    ({"m_pixels": 0}, "m_pixels"), ({"nonfinite": "skip"}, "nonfinite"),
                                    ({"p": "x"}, "numbers")])
def test_bad_parameters_raise_LMPError(kw, msg):
    x = np.ones(10, np.float32)
    for f in (lmpviz.solve, lmpviz.solve_sorted):
        with pytest.raises(LMPError, match=msg):
            f(x, **kw)
    assert issubclass(LMPError, ValueError) and issubclass(InvalidLossError, LMPError)


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf])
def test_invalid_loss_index_in_the_callers_shape(bad):
    x = np.ones((3, 4, 5), np.float32)
    x[2, 1, 3] = bad
    for f in (lmpviz.solve, lmpviz.solve_sorted):
        with pytest.raises(InvalidLossError) as e:
            f(x)
        assert e.value.index == (2, 1, 3)
        assert e.value.value == bad or (np.isnan(bad) and np.isnan(e.value.value))
        assert isinstance(e.value, ValueError)
    # 1-D: a plain int; a non-contiguous view: the index into the view.
    with pytest.raises(InvalidLossError) as e:
        lmpviz.solve(x.reshape(-1))
    assert e.value.index == 2 * 20 + 1 * 5 + 3
    with pytest.raises(InvalidLossError) as e:
        lmpviz.solve(x.transpose(2, 0, 1))
    assert e.value.index == (3, 2, 1)
    # A masked-out bad loss is not looked at.
    r = lmpviz.solve(x, valid=~(np.arange(60).reshape(x.shape) == 2 * 20 + 5 + 3))
    assert r.n_valid == 59


def test_batch_errors():
    x = np.ones((4, 6, 7), np.float32)
    x[2, 5, 1] = -3.0
    for pooling in ("image", "batch"):
        with pytest.raises(InvalidLossError) as e:
            lmpviz.solve_batch(x, pooling=pooling)
        assert e.value.index == (2, 5, 1) and e.value.value == -3.0
    with pytest.raises(LMPError, match="pooling"):
        lmpviz.solve_batch(np.ones((2, 3), np.float32), pooling="images")
    with pytest.raises(LMPError, match="threads"):
        lmpviz.solve_batch(np.ones((2, 3), np.float32), threads=-1)
    with pytest.raises(LMPError, match="batch"):
        lmpviz.solve_batch(np.ones((0, 3), np.float32))
    with pytest.raises(LMPError, match="m = 2"):
        lmpviz.solve_batch(np.ones((2, 3), np.float32), m=2)


# -- solve_batch against loops ----------------------------------------------

def test_batch_image_pooling_equals_a_loop_of_solve():
    rng = np.random.default_rng(11)
    x = rng.exponential(1.0, (5, 33, 17)).astype(np.float16)
    valid = rng.random(x.shape) < 0.8
    valid[3] = False
    for threads in (0, 1, 3):
        b = lmpviz.solve_batch(x, 1.7, 0.05, valid=valid, threads=threads)
        assert b.values.shape == (5,) and b.weights.shape == x.shape
        assert b.weights.dtype == np.float32 and len(b.results) == 5
        for i in range(5):
            r = lmpviz.solve(x[i], 1.7, 0.05, valid=valid[i])
            assert b.values[i] == r.value == b.results[i].value
            assert b.results[i].n_valid == r.n_valid
            np.testing.assert_array_equal(b.weights[i], r.weights)
            np.testing.assert_array_equal(b.results[i].weights, r.weights)


def test_batch_pooling_equals_one_solve_over_everything():
    rng = np.random.default_rng(12)
    x = rng.exponential(1.0, (4, 50)).astype(np.float32)
    valid = rng.random(x.shape) < 0.5
    b = lmpviz.solve_batch(x, 2.0, 0.1, valid=valid, pooling="batch")
    r = lmpviz.solve(x, 2.0, 0.1, valid=valid)
    assert b.values.shape == (1,) and b.values[0] == r.value and len(b.results) == 1
    np.testing.assert_array_equal(b.weights, r.weights)
    assert b.results[0].n_valid == valid.sum()


# -- threads ----------------------------------------------------------------

def test_concurrent_calls_from_threads_give_the_serial_answers():
    rng = np.random.default_rng(13)
    arrays = [rng.exponential(1.0, (16, 4000)).astype(np.float32) * (i + 1) for i in range(6)]
    serial = [(lmpviz.solve(a).weights, lmpviz.solve_batch(a).weights) for a in arrays]
    errors = []

    def work(i):
        try:
            for _ in range(5):
                w = lmpviz.solve(arrays[i]).weights
                wb = lmpviz.solve_batch(arrays[i], threads=2).weights
                if not (np.array_equal(w, serial[i][0]) and np.array_equal(wb, serial[i][1])):
                    errors.append(i)
        except Exception as e:  # reported below
            errors.append(repr(e))

    ts = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == []
