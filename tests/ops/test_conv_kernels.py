"""The backend kernels behind conv/pooling: both convolution code paths, scratch reuse, the Numba
kernels against the NumPy ones (bit for bit, signed zeros included), adam_flat, thread control.

The Numba tests are skipped when Numba is not installed; the NumPy kernels are checked
against the naive references of records_conv either way.
"""
import numpy as np
import pytest

from neuralab.backend import kernels as K, numpy_impl as NI, threads
from neuralab.ops import conv as C
from neuralab.testing import records_conv as R

numba_only = pytest.mark.skipif(not K.available(), reason="Numba is not installed")


@pytest.fixture
def mode():
    """Yields kernels.use; restores the mode afterwards."""
    old = K.use("auto")
    yield K.use
    K.use(old)


def _same_bits(a, b, what=""):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape, what
    np.testing.assert_array_equal(a, b, err_msg=what)
    np.testing.assert_array_equal(np.signbit(a), np.signbit(b), err_msg=what + " (signs of zeros)")


def _both(mode, fn):
    mode("numpy")
    want = fn()
    mode("numba")
    got = fn()
    return got, want


# -- convolution: the small-Cin (tap-major) and the im2col paths --------------------------

CASES = [((3, 9, 8, 2), (3, 3, 2, 3), (1, 1), "SAME"), ((2, 11, 9, 3), (4, 3, 3, 2), (2, 3), "SAME"),
         ((2, 8, 8, 1), (5, 5, 1, 4), (1, 1), "SAME"), ((2, 8, 7, 6), (3, 3, 6, 5), (2, 1), "VALID"),
         ((2, 7, 7, 9), (2, 2, 9, 3), (3, 3), "SAME"), ((1, 5, 5, 1), (1, 1, 1, 2), (1, 1), "VALID")]


@pytest.mark.parametrize("small_cin", [0, 64])
@pytest.mark.parametrize("block_bytes", [600, 1 << 22])
@pytest.mark.parametrize("xs, ws, s, p", CASES)
def test_both_convolution_paths_match_the_naive_reference(monkeypatch, small_cin, block_bytes, xs, ws, s, p):
    """SMALL_CIN = 0 forces im2col everywhere, 64 the tap-major columns; tiny blocks split the batch."""
    monkeypatch.setattr(NI, "SMALL_CIN", small_cin)
    monkeypatch.setattr(NI, "BLOCK_BYTES", block_bytes)
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    y = C.conv2d(x, w, s, p).numpy()
    np.testing.assert_allclose(y, R.ref_conv2d(x, w, s, p), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(y.shape)
    np.testing.assert_allclose(C.conv2d_grad_input(g, w, x, s, p).numpy(), R.ref_conv2d_grad_input(g, w, x, s, p),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(C.conv2d_grad_filter(x, g, w, s, p).numpy(), R.ref_conv2d_grad_filter(x, g, w, s, p),
                               rtol=1e-12, atol=1e-12)


def test_float32_convolution_on_a_grid_is_exact_in_both_paths(monkeypatch):
    rng = np.random.default_rng(1)
    x = (rng.integers(-4, 5, (2, 9, 9, 3)) * 0.25).astype(np.float32)
    w = (rng.integers(-4, 5, (3, 3, 3, 4)) * 0.25).astype(np.float32)
    for small in (0, 64):
        monkeypatch.setattr(NI, "SMALL_CIN", small)
        np.testing.assert_array_equal(C.conv2d(x, w, 1, "SAME").numpy(), R.ref_conv2d(x, w, 1, "SAME"))


def test_scratch_buffers_are_reused_between_calls():
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((4, 10, 10, 8)).astype(np.float32), rng.standard_normal((3, 3, 8, 8)).astype(np.float32)
    g = np.ones((4, 10, 10, 8), np.float32)

    def calls():
        C.conv2d(x, w, 1, "SAME")
        C.conv2d_grad_filter(x, g, w, 1, "SAME")
        C.conv2d_grad_input(g, w, x, 1, "SAME")

    NI.clear_scratch()
    calls()
    bufs = {k: v for k, v in NI._scratch.bufs.items() if k[0].startswith("conv.")}
    assert bufs  # the padded input and the column blocks
    for _ in range(2):
        calls()
    for k, v in bufs.items():
        assert NI._scratch.bufs[k] is v, k
    a = NI.scratch(np, "test.buf", (3, 4), np.float32)
    assert NI.scratch(np, "test.buf", (2, 5), np.float32).base is a.base  # a smaller request reuses it
    assert NI.scratch(np, "test.buf", (5, 5), np.float32).size == 25  # a larger one grows it
    NI.clear_scratch()
    assert not NI._scratch.bufs


def test_scratch_padding_is_rezeroed_for_each_call():
    """The padded copy lives in a reused buffer: a second input must not see the first one's cells."""
    w = np.ones((3, 3, 6, 1))
    big = np.full((1, 6, 6, 6), 7.0)
    C.conv2d(big, w, 1, "SAME")
    small = np.ones((1, 4, 4, 6))
    np.testing.assert_array_equal(C.conv2d(small, w, 1, "SAME").numpy(), R.ref_conv2d(small, w, 1, "SAME"))


# -- Numba against NumPy, bit for bit ----------------------------------------------------

POOLS = [((2, 8, 8, 5), (2, 2), (2, 2), "VALID"), ((2, 7, 9, 3), (2, 2), (2, 2), "SAME"),
         ((1, 7, 7, 4), (3, 3), (2, 2), "SAME"), ((2, 6, 7, 2), (3, 3), (1, 1), "SAME"),
         ((2, 5, 8, 3), (2, 3), (1, 2), "SAME"), ((1, 9, 9, 2), (2, 2), (3, 3), "VALID")]


def _pool_geometry(xs, k, s, p):
    out_hw, pads = C._geometry("test", xs, k, s, p, "")
    return out_hw, pads


def _specials(rng, shape, dtype, ties):
    if ties:
        a = rng.integers(-2, 3, size=shape).astype(dtype)
    else:
        a = rng.standard_normal(shape).astype(dtype)
    flat = a.reshape(-1)
    flat[::9] = -0.0
    flat[4::17] = np.inf
    flat[6::23] = -np.inf
    flat[8::31] = np.nan
    return a


@numba_only
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs, k, s, p", POOLS)
def test_numba_pool_kernels_are_bit_identical_to_numpy(mode, xs, k, s, p, dtype, ties):
    rng = np.random.default_rng(3)
    out_hw, pads = _pool_geometry(xs, k, s, p)
    y = _specials(rng, xs, dtype, ties)
    b = rng.standard_normal(xs[3]).astype(dtype)
    b[0] = -0.0
    (pg, ig), (pw, iw) = _both(mode, lambda: K.bias_relu_max_pool(np, y, b, k, s, pads, out_hw))
    _same_bits(pg, pw, "fused forward")
    _same_bits(ig, iw, "tap index")
    for finite in (True, False):
        gp = rng.standard_normal(pw.shape).astype(dtype)
        gp.reshape(-1)[::5] = -0.0
        if not finite:
            gp.reshape(-1)[1::7] = np.inf
        got, want = _both(mode, lambda: K.bias_relu_max_pool_grad(np, gp, pw, iw, xs, k, s, pads))
        _same_bits(got, want, f"fused backward finite={finite}")
        x = _specials(rng, xs, dtype, ties)
        with np.errstate(invalid="ignore"):
            m = NI.max_pool_forward(np, x, k, s, pads, out_hw)
        got, want = _both(mode, lambda: K.max_pool_grad(np, x, m, gp, k, s, pads))
        _same_bits(got, want, f"max_pool backward finite={finite}")


@numba_only
@pytest.mark.parametrize("s", [(1, 1), (2, 2)])
@pytest.mark.parametrize("xs, k, p", [((1, 5, 5, 2), (3, 3), "SAME")])
def test_windows_of_minus_infinity_at_a_padded_border(mode, xs, k, s, p):
    """Every value -inf: each window's tap index stays 0, a padded cell for the border windows."""
    y = np.full(xs, -np.inf, np.float32)
    b = np.zeros(xs[3], np.float32)
    out_hw, pads = _pool_geometry(xs, k, s, p)
    (pg, ig), (pw, iw) = _both(mode, lambda: K.bias_relu_max_pool(np, y, b, k, s, pads, out_hw))
    _same_bits(pg, pw)
    _same_bits(ig, iw)
    assert not pg.any()
    gp = np.ones(pg.shape, np.float32)
    got, want = _both(mode, lambda: K.bias_relu_max_pool_grad(np, gp, pw, iw, xs, k, s, pads))
    _same_bits(got, want)
    assert not got.any()


@numba_only
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numba_col2im_and_bias_act_are_bit_identical_to_numpy(mode, dtype):
    rng = np.random.default_rng(4)
    for xs, k, s, p in [((2, 7, 6, 3), (3, 2), (2, 2), "SAME"), ((2, 6, 6, 4), (3, 3), (1, 1), "SAME")]:
        out_hw, pads = _pool_geometry(xs, k, s, p)
        cols = rng.standard_normal((xs[0], *out_hw, *k, xs[3])).astype(dtype)
        got, want = _both(mode, lambda: K.col2im(np, cols, xs, s, pads))
        _same_bits(got, want, "col2im")
        np.testing.assert_allclose(got, NI.col2im(np, cols.astype(np.float64), xs, s, pads), rtol=1e-5, atol=1e-5)
    y = _specials(rng, (5, 7, 6), dtype, False)
    b = rng.standard_normal(6).astype(dtype)
    b[1] = -0.0
    for act in (None, "relu"):
        got, want = _both(mode, lambda: K.bias_act(y, b, act))
        _same_bits(got, want, f"bias_act {act}")
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(K.bias_act(y, b, "relu"), np.maximum(0, y + b))
    out = y.copy()
    assert K.bias_act(out, b, "relu", out=out) is out


@numba_only
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs, ws, s, p", [c for c in CASES if c[0][3] > 4] + [((3, 14, 14, 32), (3, 3, 32, 8), (1, 1),
                                                                               "SAME")])
def test_numba_conv_input_gradient_matches_numpy(mode, monkeypatch, xs, ws, s, p, dtype):
    """GEMM + col2im (Numba) against a GEMM and a strided add per tap (NumPy), small blocks included.

    Not bit for bit: the two GEMM shapes (all taps at once vs one tap) may round differently in BLAS.
    """
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)
    g = rng.standard_normal(C.conv2d(x, w, s, p).shape).astype(dtype)
    tol = {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-13, "atol": 1e-13}
    for block in (1 << 22, 3000):
        monkeypatch.setattr(NI, "BLOCK_BYTES", block)
        got, want = _both(mode, lambda: C.conv2d_grad_input(g, w, x, s, p).numpy())
        np.testing.assert_allclose(got, want, err_msg=f"block {block}", **tol)
    np.testing.assert_allclose(got, R.ref_conv2d_grad_input(g.astype(np.float64), w.astype(np.float64), x, s, p),
                               rtol=1e-4 if dtype == np.float32 else 1e-12, atol=1e-4 if dtype == np.float32 else 1e-12)


def _adam_reference(p, g, m, v, t, lr, b1, b2, eps):
    """The optimizer's own update: neuralab.optim.transforms.adam_delta, then p += delta."""
    from neuralab.optim.transforms import adam_delta

    out = np.empty_like(p)
    p += adam_delta(np, g, m, v, t, lr, b1, b2, eps, out)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_flat_matches_the_optimizers_adam_bit_for_bit(mode, dtype):
    rng = np.random.default_rng(5)
    n = 10007
    state = [rng.standard_normal(n).astype(dtype), np.zeros(n, dtype), np.zeros(n, dtype)]
    ref = [a.copy() for a in state]
    modes = ["numpy"] + (["numba"] if K.available() else [])
    runs = {md: [a.copy() for a in state] for md in modes}
    for t in range(1, 6):
        g = rng.standard_normal(n).astype(dtype)
        g[::13] = -0.0
        _adam_reference(ref[0], g, ref[1], ref[2], t, 1e-3, 0.9, 0.999, 1e-8)
        for md in modes:
            mode(md)
            p, m, v = runs[md]
            assert K.adam_flat(p, g, m, v, t, 1e-3) is p
    for md in modes:
        for a, r, name in zip(runs[md], ref, ("param", "m", "v")):
            _same_bits(a, r, f"{md} {name}")


def test_adam_flat_gradient_scale_and_errors(mode):
    rng = np.random.default_rng(6)
    p, g = rng.standard_normal(50), rng.standard_normal(50)
    a = [p.copy(), np.zeros(50), np.zeros(50)]
    b = [p.copy(), np.zeros(50), np.zeros(50)]
    K.adam_flat(a[0], g, a[1], a[2], 1, 0.1, grad_scale=0.5)
    K.adam_flat(b[0], g * 0.5, b[1], b[2], 1, 0.1)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    # the first step, closed form: m_hat = g, v_hat = g^2, so the step is -lr g / (|g| + eps)
    np.testing.assert_allclose(a[0] - p, -0.1 * (0.5 * g) / (np.abs(0.5 * g) + 1e-8), rtol=1e-9)
    with pytest.raises(ValueError, match="adam_flat.*grad.*shape"):
        K.adam_flat(p, g[:10], a[1], a[2], 1, 0.1)
    with pytest.raises(ValueError, match="adam_flat.*step counts from 1"):
        K.adam_flat(p, g, a[1], a[2], 0, 0.1)
    with pytest.raises(ValueError, match="adam_flat.*m.*1-D"):
        K.adam_flat(p, g, a[1].reshape(5, 10), a[2], 1, 0.1)


def test_kernel_mode_switch(mode):
    assert mode("numpy") == "auto"
    assert K.active() == "numpy"
    with pytest.raises(ValueError, match="kernels.use.*mode"):
        mode("fast")
    mode("auto")
    assert K.active() == ("numba" if K.available() else "numpy")


def test_cupy_like_and_integer_arrays_take_the_numpy_kernels(mode):
    """Numba runs only for NumPy float32/float64; other dtypes give the NumPy kernels' result."""
    x = np.arange(16, dtype=np.int64).reshape(1, 4, 4, 1)
    y = NI.max_pool_forward(np, x, (2, 2), (2, 2), ((0, 0), (0, 0)), (2, 2))
    g = np.ones((1, 2, 2, 1), np.int64)
    gx = K.max_pool_grad(np, x, y, g, (2, 2), (2, 2), ((0, 0), (0, 0)))
    assert gx.dtype == np.int64 and gx.sum() == 4 and gx[0, 1, 1, 0] == 1


# -- threads ----------------------------------------------------------------------------

def test_set_num_threads_limits_blas_and_restores_it():
    import neuralab as nl

    assert nl.set_num_threads is threads.set_num_threads and nl.get_num_threads is threads.get_num_threads
    pytest.importorskip("threadpoolctl")
    before = [d["num_threads"] for d in threads.blas_info()]
    assert before, "threadpoolctl sees no BLAS library behind NumPy"
    old = threads.set_num_threads(1)
    try:
        assert old is None
        assert threads.get_num_threads() == 1
        assert all(d["num_threads"] == 1 for d in threads.blas_info())
        if K.available():
            import numba

            assert numba.get_num_threads() == 1
        a = np.ones((200, 200), np.float32)
        np.testing.assert_array_equal(a @ a, np.full((200, 200), 200.0, np.float32))
    finally:
        threads.set_num_threads(None)
    assert [d["num_threads"] for d in threads.blas_info()] == before
    if K.available():
        assert numba.get_num_threads() == min(threads.get_num_threads(), numba.config.NUMBA_NUM_THREADS)
    with threads.num_threads(1):
        assert all(d["num_threads"] == 1 for d in threads.blas_info())
    assert [d["num_threads"] for d in threads.blas_info()] == before


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_set_num_threads_rejects_bad_counts(bad):
    with pytest.raises(ValueError, match="set_num_threads.*positive int"):
        threads.set_num_threads(bad)


# -- Numba stays optional -----------------------------------------------------------------

def _run(code):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


def test_import_neuralab_does_not_import_numba_or_threadpoolctl():
    assert _run("import sys, neuralab; from neuralab.ops import fused; from neuralab.backend import kernels, threads; "
                "print('numba' in sys.modules, 'threadpoolctl' in sys.modules)") == "False False"


def test_everything_works_without_numba():
    code = """
import sys
sys.modules['numba'] = None  # as if it were not installed
import numpy as np, neuralab as nl
from neuralab.backend import kernels
from neuralab.ops import conv as C
x = nl.tensor(np.arange(32.0).reshape(1, 4, 4, 2), requires_grad=True)
b = nl.tensor(np.array([-40.0, 0.0]), requires_grad=True)
y = C.max_pool2d(nl.maximum(0, x + b), 2)
gx, gb = nl.gradients(nl.sum(y), [x, b])
print(kernels.available(), kernels.active(), y._op.opname, float(gx.numpy().sum()), gb.numpy().tolist())
"""
    assert _run(code) == "False numpy bias_relu_max_pool2d 4.0 [0.0, 4.0]"


def test_retain_freed_memory_stops_the_page_faults_of_a_loop():
    """Three fresh 6 MB arrays per iteration, freed together (the heap's top is then trimmed and faulted in
    again): faults per iteration before and after, in a child process (the setting is permanent)."""
    code = """
import resource, numpy as np
from neuralab.backend import memory
def step():
    a = np.empty(1_500_000, np.float32); a.fill(1.0)
    b = np.empty(1_500_000, np.float32); b.fill(2.0)
    c = np.empty(1_500_000, np.float32); c.fill(3.0)
    del a, b, c
def faults_per_step():
    for _ in range(3):
        step()
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        step()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / 20
before = faults_per_step()
ok = memory.retain_freed_memory()
print(ok, memory.retain_freed_memory(), before, faults_per_step())
"""
    ok, again, before, after = _run(code).split()
    if ok == "False":
        pytest.skip("not glibc")
    assert again == "True"
    assert float(before) > 100  # the trimmed pages come back as hundreds of faults per step
    assert float(after) < 5
