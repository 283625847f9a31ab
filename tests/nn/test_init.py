"""neuralab.init: initializer statistics, fans, seeding, dtypes, and seed 002's activation statistics."""
import math

import numpy as np
import pytest

import neuralab as nl
import neuralab.init as init

N = 500
SHAPE = (N, N)
TRUNC = 0.87962566103423978

# (name, call, expected sample std) for a 500 x 500 kernel: fan_in = fan_out = 500
STD_CASES = [
    ("uniform_default", lambda r: init.uniform(SHAPE, rng=r), 0.1 / math.sqrt(12)),
    ("uniform_-1_1", lambda r: init.uniform(SHAPE, -1.0, 1.0, rng=r), 2.0 / math.sqrt(12)),
    ("normal", lambda r: init.normal(SHAPE, rng=r), 1.0),
    ("normal_small", lambda r: init.normal(SHAPE, std=0.01, rng=r), 0.01),
    ("small_by_name", lambda r: init.get("small")(SHAPE, rng=r), 0.01),
    ("truncated_normal", lambda r: init.truncated_normal(SHAPE, std=0.5, rng=r), TRUNC * 0.5),
    ("xavier_uniform", lambda r: init.xavier_uniform(SHAPE, rng=r), math.sqrt(2.0 / (2 * N))),
    ("xavier_normal", lambda r: init.xavier_normal(SHAPE, rng=r), TRUNC * math.sqrt(1.3 / N)),
    ("xavier_simple", lambda r: init.xavier_simple(SHAPE, rng=r), 1.0 / math.sqrt(N)),
    ("he_normal", lambda r: init.he_normal(SHAPE, rng=r), math.sqrt(2.0 / N)),
    ("he_uniform", lambda r: init.he_uniform(SHAPE, rng=r), math.sqrt(2.0 / N)),
    ("lecun_normal", lambda r: init.lecun_normal(SHAPE, rng=r), math.sqrt(1.0 / N)),
    ("lecun_uniform", lambda r: init.lecun_uniform(SHAPE, rng=r), math.sqrt(1.0 / N)),
    ("orthogonal", lambda r: init.orthogonal(SHAPE, rng=r), 1.0 / math.sqrt(N)),
    ("orthogonal_gain", lambda r: init.orthogonal(SHAPE, gain=2.0, rng=r), 2.0 / math.sqrt(N)),
    ("vs_he_truncated", lambda r: init.variance_scaling(SHAPE, 2.0, "fan_in", rng=r), math.sqrt(2.0 / N)),
    ("vs_untruncated", lambda r: init.variance_scaling(SHAPE, 1.0, "fan_avg", "untruncated_normal", rng=r),
     math.sqrt(1.0 / N)),
    ("vs_uniform", lambda r: init.variance_scaling(SHAPE, 3.0, "fan_out", "uniform", rng=r), math.sqrt(3.0 / N)),
]


@pytest.mark.parametrize("name,draw,expected", STD_CASES, ids=[c[0] for c in STD_CASES])
def test_sample_std_matches_formula(name, draw, expected):
    W = draw(np.random.default_rng(1))
    assert W.shape == SHAPE and W.dtype == np.float32
    assert abs(W.std() / expected - 1) < 0.03, (name, W.std(), expected)
    assert abs(W.mean()) < 0.03 * expected + 1e-12


def test_fan_dependence_on_rectangular_kernels():
    rng = np.random.default_rng(2)
    fi, fo = 200, 1000
    assert abs(init.he_normal((fi, fo), rng=rng).std() / math.sqrt(2 / fi) - 1) < 0.03
    assert abs(init.xavier_simple((fi, fo), rng=rng).std() / math.sqrt(1 / fi) - 1) < 0.03
    assert abs(init.xavier_uniform((fi, fo), rng=rng).std() / math.sqrt(2 / (fi + fo)) - 1) < 0.03
    assert abs(init.variance_scaling((fi, fo), 1.0, "fan_out", rng=rng).std() / math.sqrt(1 / fo) - 1) < 0.03
    # a conv kernel: fan_in = 3*3*64
    W = init.he_normal((3, 3, 64, 128), rng=rng)
    assert abs(W.std() / math.sqrt(2 / (9 * 64)) - 1) < 0.03


def test_bounds():
    rng = np.random.default_rng(3)
    assert np.abs(init.uniform((100, 100), -1.0, 1.0, rng=rng)).max() <= 1.0
    assert np.abs(init.truncated_normal((300, 300), mean=1.0, std=0.5, rng=rng) - 1.0).max() <= 1.0 + 1e-6
    lim = math.sqrt(6 / (300 + 100))
    W = init.xavier_uniform((300, 100), rng=rng)
    assert np.abs(W).max() <= lim and np.abs(W).max() > 0.98 * lim
    assert np.abs(init.he_uniform((300, 100), rng=rng)).max() <= math.sqrt(6 / 300)
    assert np.abs(init.lecun_uniform((300, 100), rng=rng)).max() <= math.sqrt(3 / 300)
    # contrib xavier normal: truncated at 2 sigma with sigma = sqrt(1.3 / ((fi + fo) / 2))
    assert np.abs(init.xavier_normal((300, 100), rng=rng)).max() <= 2 * math.sqrt(1.3 / 200) + 1e-6
    # TF variance scaling: sigma = sqrt(scale / n) / 0.8796, cut at 2 sigma
    assert np.abs(init.variance_scaling((300, 100), 2.0, rng=rng)).max() <= 2 * math.sqrt(2 / 300) / TRUNC + 1e-6


def test_truncated_normal_redraws_rather_than_clips():
    W = init.truncated_normal((200_000,), rng=0).astype(np.float64)
    assert np.abs(W).max() <= 2.0
    # clipping would pile ~4.6% of the mass at +-2; redrawing leaves almost none there
    assert np.mean(np.abs(W) > 1.99) < 0.002
    assert abs(W.std() - TRUNC) < 0.005


def test_fans():
    assert init.fans((784, 256)) == (784, 256)
    assert init.fans((5, 5, 3, 32)) == (5 * 5 * 3, 5 * 5 * 32)
    assert init.fans((3, 3, 16, 32)) == (144, 288)
    assert init.fans((7,)) == (7, 7)
    assert init.fans(()) == (1, 1)
    assert init.fans(10) == (10, 10)


def test_constant_fills():
    assert (init.zeros((2, 3)) == 0).all() and init.zeros((2, 3)).dtype == np.float32
    assert (init.ones(4) == 1).all()
    np.testing.assert_array_equal(init.constant((2, 2), 0.5), np.full((2, 2), 0.5, np.float32))
    assert init.zeros((2,), dtype="int64").dtype == np.int64


RANDOM = ["uniform", "normal", "truncated_normal", "xavier_uniform", "xavier_normal", "xavier_simple", "he_normal",
          "he_uniform", "lecun_normal", "lecun_uniform", "orthogonal", "variance_scaling"]


@pytest.mark.parametrize("name", RANDOM)
def test_seeds_reproduce(name):
    f = getattr(init, name)
    shape = (30, 20)
    a, b = f(shape, rng=7), f(shape, rng=7)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, f(shape, rng=8))
    np.testing.assert_array_equal(f(shape, rng=np.random.default_rng(5)), f(shape, rng=np.random.default_rng(5)))
    nl.seed(11)
    c = f(shape)
    d = f(shape)  # the global generator moves on
    nl.seed(11)
    np.testing.assert_array_equal(f(shape), c)
    assert not np.array_equal(c, d)


@pytest.mark.parametrize("name", RANDOM + ["zeros", "ones", "identity"])
def test_dtypes(name):
    f = getattr(init, name)
    assert f((6, 6)).dtype == np.float32
    a64 = f((6, 6), dtype="float64", rng=3)
    assert a64.dtype == np.float64
    np.testing.assert_allclose(f((6, 6), dtype=np.float32, rng=3), a64, rtol=1e-6, atol=1e-7)
    nl.set_default_dtype("float64")
    assert f((6, 6)).dtype == np.float64


def test_random_initializers_reject_integer_dtypes():
    with pytest.raises(TypeError, match="floating"):
        init.normal((2, 2), dtype="int32")


def test_orthogonal():
    Q = init.orthogonal((64, 64), rng=0).astype(np.float64)
    np.testing.assert_allclose(Q.T @ Q, np.eye(64), atol=1e-5)
    tall = init.orthogonal((100, 30), rng=0).astype(np.float64)
    np.testing.assert_allclose(tall.T @ tall, np.eye(30), atol=1e-5)
    wide = init.orthogonal((30, 100), rng=0).astype(np.float64)
    np.testing.assert_allclose(wide @ wide.T, np.eye(30), atol=1e-5)
    conv = init.orthogonal((3, 3, 16, 32), gain=2.0, rng=0).astype(np.float64).reshape(-1, 32)
    np.testing.assert_allclose(conv.T @ conv, 4.0 * np.eye(32), atol=1e-4)
    with pytest.raises(ValueError):
        init.orthogonal((5,))


def test_orthogonal_sign_fix_gives_unbiased_diagonal():
    # without the sign correction, QR of a Gaussian matrix has a diagonal biased toward one sign
    diag = np.concatenate([np.diag(init.orthogonal((8, 8), dtype="float64", rng=s)) for s in range(300)])
    assert abs(diag.mean()) < 0.05


def test_identity():
    np.testing.assert_array_equal(init.identity((3, 3), gain=0.5), 0.5 * np.eye(3, dtype=np.float32))
    assert init.identity((2, 4)).shape == (2, 4)
    with pytest.raises(ValueError):
        init.identity((2, 2, 2))


def test_variance_scaling_equivalences():
    # factor 2, FAN_IN, truncated normal == He (TF semantics: the truncated std is sqrt(2 / fan_in))
    W = init.variance_scaling((400, 300), 2.0, "fan_in", "truncated_normal", rng=4)
    assert abs(W.std() / math.sqrt(2 / 400) - 1) < 0.03
    # TF 1.x's "normal" is the truncated distribution
    np.testing.assert_array_equal(init.variance_scaling((10, 10), 2.0, distribution="normal", rng=1),
                                  init.variance_scaling((10, 10), 2.0, distribution="truncated_normal", rng=1))
    # scale 1, fan_avg, uniform == Glorot uniform
    np.testing.assert_array_equal(init.variance_scaling((40, 60), 1.0, "fan_avg", "uniform", rng=1),
                                  init.xavier_uniform((40, 60), rng=1))
    with pytest.raises(ValueError, match="mode"):
        init.variance_scaling((2, 2), mode="fan_sideways")
    with pytest.raises(ValueError, match="distribution"):
        init.variance_scaling((2, 2), distribution="cauchy")


def test_lecture_formulas_bit_for_bit():
    # seed 000: W = np.random.randn(fan_in, fan_out) / np.sqrt(fan_in) and / np.sqrt(fan_in / 2)
    fi, fo = 3, 4
    z = np.random.default_rng(123).standard_normal((fi, fo))
    np.testing.assert_allclose(init.xavier_simple((fi, fo), dtype="float64", rng=123), z / np.sqrt(fi))
    np.testing.assert_allclose(init.he_normal((fi, fo), dtype="float64", rng=123), z / np.sqrt(fi / 2))
    np.testing.assert_allclose(init.normal((fi, fo), std=0.01, dtype="float64", rng=123), 0.01 * z)
    # tf.random_uniform([2, 2], -1.0, 1.0)
    u = np.random.default_rng(9).uniform(-1.0, 1.0, (2, 2))
    np.testing.assert_allclose(init.uniform([2, 2], -1.0, 1.0, dtype="float64", rng=9), u)


def test_get():
    assert init.get("xavier") is init.xavier_uniform
    assert init.get("Glorot") is init.xavier_uniform
    assert init.get("xavier-normal") is init.xavier_normal
    assert init.get("he") is init.he_normal and init.get("MSRA") is init.he_normal
    assert init.get("lecun") is init.lecun_normal
    assert init.get("normal") is init.normal and init.get("random_normal") is init.normal
    assert init.get("uniform") is init.uniform and init.get("random_uniform") is init.uniform
    assert init.get("orthogonal") is init.orthogonal and init.get("zeros") is init.zeros
    assert init.get("xavier_initializer") is init.xavier_uniform
    assert init.get(init.he_uniform) is init.he_uniform
    with pytest.raises(ValueError, match="unknown initializer"):
        init.get("nonsense")
    with pytest.raises(TypeError):
        init.get(3)


def test_public_names_and_docstrings():
    for name in init.__all__:
        obj = getattr(init, name)
        assert obj.__doc__ and len(obj.__doc__) > 40, name


# ------------------------------------------------------------------- seed 002, activation statistics
def _activation_stds(initializer, activation, seed, n_layers=10, units=500, batch=1000):
    """10 layers of 500 units, input 1000 x 500 standard normal, H = f(X @ W), forward in neuralab ops."""
    gen = np.random.default_rng(seed)
    h = nl.tensor(gen.standard_normal((batch, units)).astype(np.float32))
    f = nl.tanh if activation == "tanh" else (lambda t: nl.maximum(t, 0.0))
    stds = []
    with nl.no_grad():
        for _ in range(n_layers):
            W = nl.tensor(initializer((h.shape[1], units), rng=gen))
            h = f(nl.matmul(h, W))
            stds.append(float(h.numpy().std()))
    return stds


def test_activation_statistics_small_random_collapses():
    # notes: 0.213, 0.0476, 0.0106, 0.0024, ... -> 0
    s = _activation_stds(lambda shape, rng: init.normal(shape, std=0.01, rng=rng), "tanh", seed=0)
    assert 0.19 < s[0] < 0.24
    assert s[3] < 0.01
    assert s[9] < 1e-6
    assert all(b < a for a, b in zip(s, s[1:]))


def test_activation_statistics_unit_gaussian_saturates():
    # notes: 0.98 at every layer (tanh saturated at -1 / +1)
    s = _activation_stds(lambda shape, rng: init.normal(shape, std=1.0, rng=rng), "tanh", seed=1)
    assert all(0.95 < v < 0.99 for v in s), s


def test_activation_statistics_xavier_tanh():
    # notes: 0.628, 0.486, 0.408, ..., 0.228
    s = _activation_stds(init.xavier_simple, "tanh", seed=2)
    assert 0.58 < s[0] < 0.68
    assert 0.18 < s[9] < 0.28
    assert all(b < a for a, b in zip(s, s[1:])), s


def test_activation_statistics_he_relu():
    # notes: about 0.83 at every layer
    s = _activation_stds(init.he_normal, "relu", seed=3)
    assert all(0.6 < v < 1.0 for v in s), s


def test_activation_statistics_xavier_relu_halves_variance():
    # notes: 0.58 -> 0.026: Xavier "doesn't work as good with ReLU"
    s = _activation_stds(init.xavier_simple, "relu", seed=4)
    assert 0.5 < s[0] < 0.65
    assert s[9] < 0.05
