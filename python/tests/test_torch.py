"""lmpviz.torch: lmp_loss, LMPLoss and LMPCrossEntropy on CPU (and on CUDA
where there is a GPU)."""
import os
import threading

import pytest

np = pytest.importorskip(
    "numpy", reason="NumPy is not installed (Debian: apt-get install python3-numpy)")
torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed (Debian: apt-get install python3-torch)")

import torch.nn.functional as F  # noqa: E402

import lmpviz  # noqa: E402
from lmpviz.torch import LMPCrossEntropy, LMPLoss, cuda_available, lmp_loss  # noqa: E402


def rand_loss(*shape, seed=0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return torch.empty(shape, dtype=torch.float64).exponential_(1.0, generator=g).to(dtype)


# -- gradient ---------------------------------------------------------------

@pytest.mark.parametrize("pooling", ["image", "batch"])
def test_gradient_equals_the_weights_of_solve(pooling):
    x = rand_loss(3, 20, 30, seed=1).requires_grad_()
    v = lmp_loss(x, 1.5, 0.1, pooling=pooling, reduction="sum")
    v.backward()
    xs = x.detach().numpy()
    if pooling == "image":
        for i in range(3):
            r = lmpviz.solve(xs[i], 1.5, 0.1)
            np.testing.assert_array_equal(x.grad[i].numpy(), r.weights)
    else:
        r = lmpviz.solve(xs, 1.5, 0.1)
        np.testing.assert_array_equal(x.grad.numpy(), r.weights)
        assert v.item() == pytest.approx(r.value, rel=1e-6)


def test_gradient_scales_with_reduction_and_upstream_gradient():
    x = rand_loss(4, 50, seed=2).requires_grad_()
    lmp_loss(x, 2.0, 0.2, reduction="none").backward(torch.tensor([1.0, -2.0, 0.0, 3.0]))
    w = lmpviz.solve_batch(x.detach().numpy(), 2.0, 0.2).weights
    np.testing.assert_allclose(x.grad.numpy(), w * np.array([1, -2, 0, 3.0])[:, None], rtol=1e-6)
    x.grad = None
    lmp_loss(x, 2.0, 0.2, reduction="mean").backward()
    np.testing.assert_allclose(x.grad.numpy(), w / 4, rtol=1e-6)


@pytest.mark.parametrize("p", [1.5, 2.0, 3.0])
def test_value_moves_by_the_finite_difference(p):
    x = rand_loss(2, 200, seed=3, dtype=torch.float64).requires_grad_()
    v = lmp_loss(x, p, 0.1, reduction="sum")
    v.backward()
    g = torch.Generator().manual_seed(4)
    d = torch.randn(x.shape, generator=g, dtype=torch.float64) * 1e-3
    v2 = lmp_loss(x.detach() + d, p, 0.1, reduction="sum")
    predicted = float((x.grad * d).sum())
    # L is convex and piecewise smooth: the first-order change matches to
    # second order in the step.
    assert float(v2 - v) == pytest.approx(predicted, rel=2e-2, abs=1e-7)


# -- dtypes, views, masks ---------------------------------------------------

@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32])
def test_dtypes(dtype):
    x = rand_loss(2, 40, 40, seed=5, dtype=dtype).requires_grad_()
    v = lmp_loss(x, reduction="none")
    assert v.dtype == dtype and v.shape == (2,)
    v.sum().backward()
    assert x.grad.dtype == dtype
    ref = lmpviz.solve_batch(x.detach().float().numpy())
    np.testing.assert_allclose(v.detach().float().numpy(), ref.values,
                               rtol=1e-2 if dtype != torch.float32 else 1e-6)
    np.testing.assert_allclose(x.grad.float().numpy(), ref.weights, rtol=1e-2, atol=1e-7)


def test_non_contiguous_input():
    base = rand_loss(3, 40, 60, seed=6)
    x = base.transpose(1, 2).requires_grad_()
    assert not x.is_contiguous()
    v = lmp_loss(x, reduction="sum")
    v.backward()
    c = x.detach().contiguous().requires_grad_()
    vc = lmp_loss(c, reduction="sum")
    vc.backward()
    assert v.item() == vc.item()
    assert torch.equal(x.grad, c.grad)


def test_valid_mask_equals_solving_the_valid_pixels():
    x = rand_loss(2, 100, seed=7).requires_grad_()
    valid = torch.rand(2, 100, generator=torch.Generator().manual_seed(8)) < 0.5
    v = lmp_loss(x, valid=valid, reduction="none")
    v.sum().backward()
    for i in range(2):
        r = lmpviz.solve(x[i].detach()[valid[i]].numpy())
        assert v[i].item() == pytest.approx(r.value, rel=1e-6)
        np.testing.assert_array_equal(x.grad[i][valid[i]].numpy(), r.weights)
        assert (x.grad[i][~valid[i]] == 0).all()


# -- LMPCrossEntropy --------------------------------------------------------

def seg_batch(n=2, c=5, h=12, w=16, seed=9, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, c, h, w, generator=g).to(dtype).requires_grad_()
    targets = torch.randint(0, c, (n, h, w), generator=g)
    targets[:, :3, :4] = 255
    return logits, targets


def test_cross_entropy_is_lmp_of_per_pixel_cross_entropy_with_ignore_index():
    logits, targets = seg_batch()
    weight = torch.tensor([1.0, 2.0, 0.5, 1.0, 3.0])
    crit = LMPCrossEntropy(p=1.7, m=0.2, ignore_index=255, weight=weight, reduction="none")
    v = crit(logits, targets)
    ce = F.cross_entropy(logits.detach(), targets, weight=weight, ignore_index=255,
                         reduction="none")
    valid = (targets != 255).numpy()
    for i in range(2):
        r = lmpviz.solve(ce[i].numpy(), 1.7, 0.2, valid=valid[i])
        assert r.n_valid == valid[i].sum() < ce[i].numel()
        assert v[i].item() == pytest.approx(r.value, rel=1e-6)
    v.sum().backward()
    # No gradient reaches the logits of ignored pixels.
    assert (logits.grad[:, :, :3, :4] == 0).all() and logits.grad.abs().sum() > 0


def test_cross_entropy_gradient_through_the_logits():
    logits, targets = seg_batch(seed=10)
    LMPCrossEntropy(reduction="sum")(logits, targets).backward()
    # d/dlogits of sum_i w_i ce_i with w fixed by the forward.
    x = logits.detach().requires_grad_()
    ce = F.cross_entropy(x, targets, ignore_index=255, reduction="none")
    w = torch.from_numpy(lmpviz.solve_batch(ce.detach().numpy(),
                                            valid=(targets != 255).numpy()).weights)
    (ce * w).sum().backward()
    torch.testing.assert_close(logits.grad, x.grad, rtol=1e-5, atol=1e-8)


def test_cross_entropy_pooling_modes_against_per_image_loops():
    logits, targets = seg_batch(n=3, seed=11)
    ce = F.cross_entropy(logits.detach(), targets, ignore_index=255, reduction="none")
    valid = targets != 255
    per = [lmp_loss(ce[i:i + 1], valid=valid[i:i + 1], reduction="sum").item() for i in range(3)]
    img = LMPCrossEntropy(pooling="image", reduction="none")(logits, targets)
    np.testing.assert_allclose(img.detach().numpy(), per, rtol=1e-6)
    mean = LMPCrossEntropy(reduction="mean")(logits, targets).item()
    total = LMPCrossEntropy(reduction="sum")(logits, targets).item()
    assert mean == pytest.approx(np.mean(per), rel=1e-6)
    assert total == pytest.approx(np.sum(per), rel=1e-6)
    whole = lmpviz.solve(ce.numpy(), valid=valid.numpy()).value
    b = LMPCrossEntropy(pooling="batch", reduction="none")(logits, targets)
    assert b.shape == (1,) and b.item() == pytest.approx(whole, rel=1e-6)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_cross_entropy_half_logits(dtype):
    logits, targets = seg_batch(seed=12)
    ref = LMPCrossEntropy()(logits.detach().to(dtype).float(), targets)
    x = logits.detach().to(dtype).requires_grad_()
    v = LMPCrossEntropy()(x, targets)
    v.backward()
    assert v.item() == pytest.approx(ref.item(), rel=1e-6) and x.grad.dtype == dtype


def test_modules_and_errors():
    x = rand_loss(2, 30, seed=13)
    assert LMPLoss(2.0, 0.1, reduction="sum")(x).item() == pytest.approx(
        lmp_loss(x, 2.0, 0.1, reduction="sum").item())
    x[1, 7] = -1.0
    with pytest.raises(lmpviz.InvalidLossError) as e:
        lmp_loss(x)
    assert e.value.index == (1, 7)
    for kw, msg in [({"pooling": "all"}, "pooling"), ({"reduction": "max"}, "reduction"),
                    ({"p": 0.0}, "p = 0.0")]:
        with pytest.raises(lmpviz.LMPError, match=msg):
            lmp_loss(x.abs(), **kw)
        with pytest.raises(lmpviz.LMPError, match=msg):
            LMPCrossEntropy(**kw)
    with pytest.raises(lmpviz.LMPError, match="float16"):
        lmp_loss(torch.ones(2, 3, dtype=torch.int64))
    with pytest.raises(lmpviz.LMPError, match="valid"):
        lmp_loss(x.abs(), valid=torch.ones(2, 5, dtype=torch.bool))
    with pytest.raises(lmpviz.LMPError, match="logits"):
        LMPCrossEntropy()(torch.zeros(2, 3, 4, 4), torch.zeros(2, 4, 5, dtype=torch.long))
    # All pixels ignored: the value is 0 and so is the gradient.
    logits, targets = seg_batch(seed=14)
    v = LMPCrossEntropy()(logits, torch.full_like(targets, 255))
    v.backward()
    assert v.item() == 0 and not logits.grad.any()


def test_concurrent_training_steps_from_threads():
    logits, targets = seg_batch(n=4, h=64, w=64, seed=15)
    crit = LMPCrossEntropy()
    ref = crit(logits.detach(), targets).item()
    out, errors = [], []

    def work():
        try:
            for _ in range(5):
                x = logits.detach().clone().requires_grad_()
                v = crit(x, targets)
                v.backward()
                out.append(v.item())
        except Exception as e:
            errors.append(repr(e))

    ts = [threading.Thread(target=work) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == [] and out == [ref] * 20


# -- CUDA -------------------------------------------------------------------

def need_cuda():
    """Skips without a GPU; with LMP_REQUIRE_CUDA=1 (scripts/gpu-check) a
    missing GPU or liblmp_cuda is a failure instead."""
    why = None
    if not torch.cuda.is_available():
        why = "torch.cuda.is_available() is false (no GPU or a CPU-only torch)"
    elif not cuda_available():
        why = "liblmp_cuda could not be loaded or sees no device (set LMP_CUDA_LIBRARY)"
    if why is not None:
        if os.environ.get("LMP_REQUIRE_CUDA") == "1":
            pytest.fail(f"LMP_REQUIRE_CUDA=1 but {why}")
        pytest.skip(f"CUDA tests skipped: {why}")


@pytest.mark.parametrize("pooling", ["image", "batch"])
def test_cuda_matches_cpu(pooling):
    need_cuda()
    logits, targets = seg_batch(n=3, c=19, h=128, w=256, seed=16)
    crit = LMPCrossEntropy(pooling=pooling, reduction="none")
    v = crit(logits, targets)
    v.sum().backward()
    xg = logits.detach().cuda().requires_grad_()
    vg = crit(xg, targets.cuda())
    vg.sum().backward()
    torch.testing.assert_close(vg.cpu().double(), v.double(), rtol=1e-6, atol=0)
    torch.testing.assert_close(xg.grad.cpu(), logits.grad, rtol=1e-5, atol=1e-9)
    # The weights themselves: value to 1e-6, weights to 1e-5 (of the cap tau).
    x = rand_loss(4, 300, 500, seed=23)
    x[:, :10] = 0  # zero losses, as at ignore labels
    xc = x.clone().requires_grad_()
    v = lmp_loss(xc, 1.7, 0.1, pooling=pooling, reduction="none")
    v.sum().backward()
    xg = x.cuda().requires_grad_()
    vg = lmp_loss(xg, 1.7, 0.1, pooling=pooling, reduction="none")
    vg.sum().backward()
    torch.testing.assert_close(vg.cpu().double(), v.double(), rtol=1e-6, atol=0)
    tau = float(xc.grad.max())
    torch.testing.assert_close(xg.grad.cpu(), xc.grad, rtol=1e-5, atol=1e-5 * tau)


def test_cuda_invalid_loss_gives_nan_without_synchronising():
    need_cuda()
    x = rand_loss(3, 1000, seed=17).cuda()
    x[1, 5] = -1.0
    v = lmp_loss(x, reduction="none").cpu()
    assert torch.isnan(v[1]) and torch.isfinite(v[[0, 2]]).all()


def test_cuda_graph_capture_and_replay():
    """The forward and backward of LMPCrossEntropy captured in a CUDA graph:
    each replay on new logits copied into the captured input gives what an
    eager step gives on them (to the last bits of the double atomics)."""
    need_cuda()
    inputs = [seg_batch(n=2, c=19, h=128, w=256, seed=sd)[0] for sd in (18, 19)]
    targets = seg_batch(n=2, c=19, h=128, w=256, seed=18)[1].cuda()
    crit = LMPCrossEntropy()

    def eager(logits):
        xe = logits.detach().cuda().requires_grad_()
        v = crit(xe, targets)
        v.backward()
        return v.detach(), xe.grad

    x = inputs[0].detach().cuda().requires_grad_()
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):  # warm-up outside the graph
        for _ in range(2):
            x.grad = None
            crit(x, targets).backward()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    x.grad = None
    with torch.cuda.graph(g):
        v = crit(x, targets)
        v.backward()
    for logits in (inputs[0], inputs[1], inputs[0]):
        with torch.no_grad():
            x.copy_(logits.cuda())
        g.replay()
        torch.cuda.synchronize()
        ev, eg = eager(logits)
        torch.testing.assert_close(v.detach(), ev, rtol=1e-6, atol=0)
        torch.testing.assert_close(x.grad, eg, rtol=1e-5, atol=1e-9)
    assert not torch.equal(eager(inputs[0])[0], eager(inputs[1])[0])


# -- the CUDA path's marshalling, on host memory ----------------------------

class FakeCuda:
    """Stands in for liblmp_cuda on host memory: lmp_cuda_solve_batch_async
    solves each segment with liblmp's lmp_solve, writing lmp_result structs
    and statuses where the device pointers say, as the CUDA library would."""

    def __init__(self):
        self.calls = []

    def lmp_cuda_workspace_size(self, batch, n_total, out):
        out._obj.value = 256 * batch + 4 * n_total
        return 0

    def lmp_cuda_solve_batch_async(self, batch, params, d_results, d_status, d_workspace,
                                   nbytes, stream):
        import ctypes
        from lmpviz import _lib
        b = batch._obj
        self.calls.append((b.batch, b.n, b.pooling, nbytes, stream, d_workspace != 0))
        segs = [(0, b.batch * b.n)] if b.pooling == 1 else \
            [(s * b.n, b.n) for s in range(b.batch)]
        for k, (off, n) in enumerate(segs):
            r = _lib.LmpResult.from_address(d_results + k * ctypes.sizeof(_lib.LmpResult))
            st = _lib.lib.lmp_solve(b.d_loss + 4 * off, b.d_valid + off if b.d_valid else None,
                                    n, params, b.d_weight + 4 * off, ctypes.byref(r), None)
            if st != 0:  # the weights of a failed segment are 0
                ctypes.memset(b.d_weight + 4 * off, 0, 4 * n)
            ctypes.c_int.from_address(d_status + 4 * k).value = st
        return 0


@pytest.mark.parametrize("pooling", ["image", "batch"])
def test_device_path_reads_the_results_the_library_writes(pooling):
    from lmpviz import _solve
    from lmpviz.torch import _solve_cpu, _solve_device
    x = rand_loss(3, 40, 50, seed=19)
    valid = torch.rand(3, 40, 50, generator=torch.Generator().manual_seed(20)) < 0.7
    prm = _solve._params(1.7, 0.1, None, "error")
    fake = FakeCuda()
    v, w = _solve_device(fake, x, valid, prm, pooling, 1234)
    vc, wc = _solve_cpu(x, valid, prm, pooling)
    assert torch.equal(v, vc) and torch.equal(w, wc)
    nres = 3 if pooling == "image" else 1
    assert v.shape == (nres,) and v.dtype == torch.float64
    # The whole batch as one problem goes as one segment of every loss.
    assert fake.calls == [(3, 2000, 0, 256 * 3 + 4 * 6000, 1234, True) if pooling == "image"
                          else (1, 6000, 0, 256 + 4 * 6000, 1234, True)]


def test_device_path_gives_nan_for_an_invalid_image():
    from lmpviz import _solve
    from lmpviz.torch import _solve_device
    x = rand_loss(3, 100, seed=21)
    x[1, 5] = -1.0
    v, w = _solve_device(FakeCuda(), x, None, _solve._params(1.5, 0.1, None, "error"),
                         "image", None)
    assert torch.isnan(v[1]) and torch.isfinite(v[[0, 2]]).all()
    assert not w[1].any() and w[0].any()


def test_device_path_without_a_device_raises_LMPError():
    from lmpviz import _lib, _solve
    from lmpviz.torch import _solve_device
    try:
        c = _lib.cuda_lib()
    except OSError as e:
        pytest.skip(f"liblmp_cuda is not built here: {str(e).splitlines()[0]}")
    if c.lmp_cuda_device_count() != 0:
        pytest.skip("a CUDA device is present: host pointers must not reach it")
    with pytest.raises(lmpviz.LMPError) as e:
        _solve_device(c, rand_loss(2, 64, seed=22), None,
                      _solve._params(1.5, 0.1, None, "error"), "image", None)
    assert e.value.status in (_lib.ERR_CUDA, _lib.ERR_UNSUPPORTED)
