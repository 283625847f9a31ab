"""Weight initializers: every scheme the lectures name, with TF 1.x semantics where TF defines one.

Every initializer is a plain function ``name(shape, dtype=None, rng=None, ...) -> numpy.ndarray``:

* ``shape`` is an int or a tuple of ints. Dense kernels are ``(in, out)`` (``y = x @ W + b``);
  convolution kernels are HWIO ``(KH, KW, Cin, Cout)``. :func:`fans` turns a shape into
  ``(fan_in, fan_out)`` exactly as TensorFlow does.
* ``dtype`` defaults to :func:`neuralab.default_float` (float32); float64 on request.
* ``rng`` is None (neuralab's global generator, see :func:`neuralab.seed`), an int seed, or a
  ``numpy.random.Generator``. Samples are drawn in float64 and then cast, so a seed gives the
  same numbers (up to rounding) in float32 and float64.

Which one to use (lectures, seeds 000/001/002): tanh or sigmoid -> Xavier/Glorot; ReLU -> He (MSRA).
"Small random numbers" ``0.01 * randn`` (:func:`normal` with ``std=0.01``) works only for shallow nets:
activations shrink by about 4.5x per 500-unit tanh layer (see ``neuralab lab run activation-stats``).

>>> import neuralab.init as init
>>> W = init.he_normal((784, 256), rng=0)          # randn(784, 256) / sqrt(784 / 2)
>>> W.dtype, W.shape
(dtype('float32'), (784, 256))
"""
from __future__ import annotations

import math

import numpy as np

from .._core.dtypes import as_dtype, default_float
from .._core.random import get_rng

__all__ = [
    "constant", "fans", "get", "he_normal", "he_uniform", "identity", "lecun_normal", "lecun_uniform",
    "normal", "ones", "orthogonal", "truncated_normal", "uniform", "variance_scaling", "xavier_normal",
    "xavier_simple", "xavier_uniform", "zeros",
]

#: Standard deviation of a standard normal truncated to [-2, 2]:
#: sqrt(1 - 4 phi(2) / (2 Phi(2) - 1)) with phi, Phi the normal pdf and cdf.
TRUNCATED_STD = 0.87962566103423978


# --------------------------------------------------------------------------------------- helpers
def _shape(shape) -> tuple:
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    shape = tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"init: shape must have non-negative entries, got {shape}")
    return shape


def _dtype(dtype, name: str, floating: bool = True) -> np.dtype:
    d = default_float() if dtype is None else as_dtype(dtype)
    if floating and d.kind != "f":
        raise TypeError(f"init.{name}: dtype must be floating, got {d}")
    return d


def _finish(values, dtype: np.dtype) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(values).astype(dtype, copy=False))


def fans(shape) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of ``shape``, following TensorFlow's rule.

    * ``()`` -> (1, 1); ``(n,)`` -> (n, n);
    * dense kernel ``(in, out)`` -> (in, out);
    * convolution kernel ``(*spatial, Cin, Cout)`` (HWIO, the layout of this NHWC framework) ->
      ``(prod(spatial) * Cin, prod(spatial) * Cout)``: each output unit sees KH*KW*Cin inputs.

    >>> fans((3, 3, 16, 32))
    (144, 288)
    """
    shape = _shape(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


def _truncated_standard(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Standard normal samples, each one beyond +-2 redrawn until it falls inside (TF semantics)."""
    z = rng.standard_normal(shape)
    bad = np.abs(z) > 2.0
    n_bad = int(bad.sum())
    while n_bad:
        z[bad] = rng.standard_normal(n_bad)
        bad = np.abs(z) > 2.0
        n_bad = int(bad.sum())
    return z


# ------------------------------------------------------------------------------- constant fills
def zeros(shape, dtype=None, rng=None) -> np.ndarray:
    """All zeros: ``W = 0``.

    Fine for biases; for weights it is the lectures' first mistake ("What happens if we initialize
    all weights to the zero value?"): every unit of a layer computes the same function and receives
    the same gradient, so the symmetry is never broken.

    >>> float(zeros((2, 3)).sum())
    0.0
    """
    return np.zeros(_shape(shape), dtype=_dtype(dtype, "zeros", floating=False))


def ones(shape, dtype=None, rng=None) -> np.ndarray:
    """All ones: ``W = 1`` (batch-norm scales; same symmetry problem as :func:`zeros` for weights).

    >>> ones(3).tolist()
    [1.0, 1.0, 1.0]
    """
    return np.ones(_shape(shape), dtype=_dtype(dtype, "ones", floating=False))


def constant(shape, value=0.0, dtype=None, rng=None) -> np.ndarray:
    """Every entry equal to ``value``: ``W = c`` (``tf.constant_initializer``).

    >>> constant((2,), 0.1).tolist()
    [0.10000000149011612, 0.10000000149011612]
    """
    return np.full(_shape(shape), value, dtype=_dtype(dtype, "constant", floating=False))


# ----------------------------------------------------------------------- plain random fills
def uniform(shape, low=-0.05, high=0.05, dtype=None, rng=None) -> np.ndarray:
    """``W ~ U(low, high)``; standard deviation ``(high - low) / sqrt(12)``.

    The lectures' ``tf.random_uniform([2, 2], -1.0, 1.0)`` is ``uniform((2, 2), -1.0, 1.0)``.
    Defaults (+-0.05) are Keras's ``RandomUniform``.

    >>> W = uniform((2, 2), -1.0, 1.0, rng=0)
    >>> bool((abs(W) <= 1).all())
    True
    """
    if not high >= low:
        raise ValueError(f"init.uniform: need low <= high, got low={low}, high={high}")
    d = _dtype(dtype, "uniform")
    return _finish(get_rng(rng).uniform(low, high, _shape(shape)), d)


def normal(shape, mean=0.0, std=1.0, dtype=None, rng=None) -> np.ndarray:
    """``W ~ N(mean, std^2)`` (``tf.random_normal``, ``np.random.randn * std + mean``).

    The lectures' "small random numbers" ``W = 0.01 * np.random.randn(D, H)`` is
    ``normal((D, H), std=0.01)``; ``np.random.randn(fan_in, fan_out) * 1.0`` is ``normal(shape)``.

    >>> round(float(normal((500, 500), std=0.01, rng=0).std()), 3)
    0.01
    """
    if std < 0:
        raise ValueError(f"init.normal: std must be >= 0, got {std}")
    d = _dtype(dtype, "normal")
    return _finish(mean + std * get_rng(rng).standard_normal(_shape(shape)), d)


def truncated_normal(shape, mean=0.0, std=1.0, dtype=None, rng=None) -> np.ndarray:
    """``W ~ N(mean, std^2)`` truncated to ``[mean - 2 std, mean + 2 std]`` (``tf.truncated_normal``).

    As in TensorFlow, a sample more than two standard deviations from the mean is dropped and
    redrawn. The result's standard deviation is therefore ``0.87962566 * std``, not ``std``.

    >>> W = truncated_normal((1000,), std=0.1, rng=0)
    >>> bool((abs(W) <= 0.2).all())
    True
    """
    if std < 0:
        raise ValueError(f"init.truncated_normal: std must be >= 0, got {std}")
    d = _dtype(dtype, "truncated_normal")
    return _finish(mean + std * _truncated_standard(get_rng(rng), _shape(shape)), d)


# ------------------------------------------------------------------------- fan-scaled schemes
def variance_scaling(shape, scale=1.0, mode="fan_in", distribution="truncated_normal", dtype=None,
                     rng=None) -> np.ndarray:
    """TensorFlow's ``VarianceScaling``: samples with variance ``scale / n``.

    ``n`` is ``fan_in`` (``mode="fan_in"``), ``fan_out`` or ``(fan_in + fan_out) / 2`` (``"fan_avg"``),
    floored at 1, with fans from :func:`fans`. Then, as in ``tf.keras.initializers.VarianceScaling``:

    * ``"truncated_normal"``: truncated normal (redraw beyond 2 sigma) with sigma
      ``sqrt(scale / n) / 0.87962566``, so the *truncated* std is exactly ``sqrt(scale / n)``;
      ``"normal"`` is TF 1.x's deprecated alias for it.
    * ``"untruncated_normal"``: ``N(0, scale / n)``.
    * ``"uniform"``: ``U(-sqrt(3 scale / n), +sqrt(3 scale / n))``.

    ``scale=2, mode="fan_in"`` is He et al. 2015 (MSRA); ``scale=1, "fan_avg", "uniform"`` is
    Glorot & Bengio 2010; ``scale=1, "fan_in"`` is LeCun et al. 1998.

    >>> W = variance_scaling((500, 500), 2.0, "fan_in", rng=0)
    >>> round(float(W.std() ** 2 * 500), 1)
    2.0
    """
    fan_in, fan_out = fans(shape)
    mode_l = str(mode).lower()
    if mode_l == "fan_in":
        n = fan_in
    elif mode_l == "fan_out":
        n = fan_out
    elif mode_l == "fan_avg":
        n = (fan_in + fan_out) / 2.0
    else:
        raise ValueError(f"init.variance_scaling: mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}")
    if scale <= 0:
        raise ValueError(f"init.variance_scaling: scale must be positive, got {scale}")
    var = scale / max(1.0, n)
    dist = str(distribution).lower()
    if dist in ("truncated_normal", "normal"):
        return truncated_normal(shape, 0.0, math.sqrt(var) / TRUNCATED_STD, dtype=dtype, rng=rng)
    if dist == "untruncated_normal":
        return normal(shape, 0.0, math.sqrt(var), dtype=dtype, rng=rng)
    if dist == "uniform":
        lim = math.sqrt(3.0 * var)
        return uniform(shape, -lim, lim, dtype=dtype, rng=rng)
    raise ValueError("init.variance_scaling: distribution must be 'truncated_normal', 'untruncated_normal' "
                     f"or 'uniform', got {distribution!r}")


def xavier_uniform(shape, dtype=None, rng=None) -> np.ndarray:
    """Glorot/Xavier uniform: ``W ~ U(-sqrt(6 / (fan_in + fan_out)), +sqrt(6 / (fan_in + fan_out)))``.

    The form of the paper (X. Glorot and Y. Bengio, "Understanding the difficulty of training deep
    feedforward neural networks", AISTATS 2010, eq. 16) and of ``tf.contrib.layers.xavier_initializer()``
    (``uniform=True``, the default). Variance ``2 / (fan_in + fan_out)``, keeping both the forward
    activations' and the backward gradients' variance roughly constant across layers.

    >>> W = xavier_uniform((3, 4), rng=0)
    >>> bool((abs(W) <= (6 / 7) ** 0.5).all())
    True
    """
    fan_in, fan_out = fans(shape)
    lim = math.sqrt(6.0 / max(1, fan_in + fan_out))
    return uniform(shape, -lim, lim, dtype=dtype, rng=rng)


def xavier_normal(shape, dtype=None, rng=None) -> np.ndarray:
    """Glorot/Xavier normal, as ``tf.contrib.layers.xavier_initializer(uniform=False)`` draws it.

    TF 1.x contrib defines it as ``variance_scaling_initializer(factor=1.0, mode='FAN_AVG',
    uniform=False)``, which samples a truncated normal (redraw beyond 2 sigma) with
    ``sigma = sqrt(1.3 * factor / n)``, ``n = (fan_in + fan_out) / 2``, i.e.

        ``W ~ TruncN(0, sigma^2),  sigma = sqrt(2.6 / (fan_in + fan_out))``

    The 1.3 roughly undoes the truncation (1 / 0.8796^2 = 1.29), so the sample std is
    ``0.87962566 * sigma ~= sqrt(2 / (fan_in + fan_out))``: Glorot & Bengio's (AISTATS 2010) variance.
    We follow contrib (the lectures' TF) rather than prettytensor's ``xavier_init(uniform=False)``
    quoted in seed 000 (sigma ``sqrt(3 / (n_in + n_out))``, which gives variance 2.32/(n_in + n_out));
    that one is ``truncated_normal(shape, std=sqrt(3 / (fan_in + fan_out)))``. Keras's
    ``glorot_normal`` is ``variance_scaling(shape, 1.0, "fan_avg")`` (exactly 2/(fan_in+fan_out)).

    >>> W = xavier_normal((300, 500), rng=0)
    >>> round(float(W.std() * (800 / 2) ** 0.5), 1)
    1.0
    """
    fan_in, fan_out = fans(shape)
    n = max(1.0, (fan_in + fan_out) / 2.0)
    return truncated_normal(shape, 0.0, math.sqrt(1.3 / n), dtype=dtype, rng=rng)


def xavier_simple(shape, dtype=None, rng=None) -> np.ndarray:
    """The lectures' "Xavier": ``W = np.random.randn(fan_in, fan_out) / np.sqrt(fan_in)``.

    Seeds 000/001/002 (after cs231n) write Xavier initialization this way; it keeps only the forward
    variance (``Var(W) = 1 / fan_in``; Glorot & Bengio 2010, eq. 10 with the linear-regime argument).
    It is the same distribution as :func:`lecun_normal` (LeCun et al. 1998, "Efficient BackProp").
    With tanh the activations still shrink slowly with depth (0.63 -> 0.23 over 10 layers of 500 units);
    with ReLU they halve every layer, hence :func:`he_normal`.

    >>> round(float(xavier_simple((500, 500), rng=0).std()), 3)
    0.045
    """
    fan_in, _ = fans(shape)
    return normal(shape, 0.0, 1.0 / math.sqrt(max(1, fan_in)), dtype=dtype, rng=rng)


def he_normal(shape, dtype=None, rng=None) -> np.ndarray:
    """He/MSRA normal: ``W = np.random.randn(fan_in, fan_out) / np.sqrt(fan_in / 2)``.

    K. He, X. Zhang, S. Ren and J. Sun, "Delving Deep into Rectifiers: Surpassing Human-Level
    Performance on ImageNet Classification", ICCV 2015, eq. 10: ``Var(W) = 2 / fan_in`` because a ReLU
    passes half of the variance. A plain (untruncated) Gaussian, as in the paper and the lectures;
    TF's truncated variant is ``variance_scaling(shape, 2.0, "fan_in", "truncated_normal")``.

    >>> round(float(he_normal((500, 500), rng=0).std() ** 2 * 500), 1)
    2.0
    """
    if len(_shape(shape)) < 2:  # a bias or a gain vector has no fan-in (PyTorch refuses it too)
        raise ValueError(f"he_normal: needs a weight of at least 2 dimensions (fan_in, fan_out), got shape "
                         f"{_shape(shape)}; initialize 1-D parameters with zeros/ones/constant")
    fan_in, _ = fans(shape)
    return normal(shape, 0.0, math.sqrt(2.0 / max(1, fan_in)), dtype=dtype, rng=rng)


def he_uniform(shape, dtype=None, rng=None) -> np.ndarray:
    """He/MSRA uniform: ``W ~ U(-sqrt(6 / fan_in), +sqrt(6 / fan_in))`` (variance ``2 / fan_in``).

    He et al., ICCV 2015 ("Delving Deep into Rectifiers"), with the Gaussian swapped for a uniform of
    the same variance (Keras ``he_uniform``).

    >>> bool((abs(he_uniform((6, 4), rng=0)) <= 1).all())
    True
    """
    fan_in, _ = fans(shape)
    lim = math.sqrt(6.0 / max(1, fan_in))
    return uniform(shape, -lim, lim, dtype=dtype, rng=rng)


def lecun_normal(shape, dtype=None, rng=None) -> np.ndarray:
    """LeCun normal: ``W ~ N(0, 1 / fan_in)``.

    Y. LeCun, L. Bottou, G. Orr and K.-R. Mueller, "Efficient BackProp", 1998, section 4.6: weights
    with standard deviation ``fan_in^(-1/2)`` give unit-variance pre-activations for unit-variance inputs.
    A plain Gaussian (like :func:`he_normal`); Keras's truncated ``lecun_normal`` is
    ``variance_scaling(shape, 1.0, "fan_in", "truncated_normal")``. The lectures' :func:`xavier_simple`
    is this same distribution.

    >>> round(float(lecun_normal((500, 500), rng=0).std() ** 2 * 500), 1)
    1.0
    """
    fan_in, _ = fans(shape)
    return normal(shape, 0.0, 1.0 / math.sqrt(max(1, fan_in)), dtype=dtype, rng=rng)


def lecun_uniform(shape, dtype=None, rng=None) -> np.ndarray:
    """LeCun uniform: ``W ~ U(-sqrt(3 / fan_in), +sqrt(3 / fan_in))`` (variance ``1 / fan_in``).

    LeCun et al. 1998, "Efficient BackProp"; Caffe's "xavier" filler and TF's
    ``uniform_unit_scaling_initializer`` use the same limits.

    >>> bool((abs(lecun_uniform((3, 4), rng=0)) <= 1).all())
    True
    """
    fan_in, _ = fans(shape)
    lim = math.sqrt(3.0 / max(1, fan_in))
    return uniform(shape, -lim, lim, dtype=dtype, rng=rng)


# ------------------------------------------------------------------------------ structured
def orthogonal(shape, gain=1.0, dtype=None, rng=None) -> np.ndarray:
    """A random orthogonal matrix (times ``gain``), Saxe, McClelland and Ganguli, ICLR 2014.

    The weight is viewed as a matrix ``(prod(shape[:-1]), shape[-1])`` (all axes but the last
    flattened, so an HWIO conv kernel maps each output channel to a unit vector). With
    ``A ~ N(0, 1)`` of the taller orientation, ``A = QR`` and ``Q <- Q diag(sign(diag(R)))`` (the sign
    fix makes Q Haar-distributed, Mezzadri 2007). The result has orthonormal columns when
    ``rows >= cols`` and orthonormal rows otherwise. LSUV (Mishkin & Matas 2015) starts from it.

    >>> Q = orthogonal((4, 4), rng=0)
    >>> bool(np.allclose(Q.T @ Q, np.eye(4), atol=1e-6))
    True
    """
    shape = _shape(shape)
    d = _dtype(dtype, "orthogonal")
    if len(shape) < 2:
        raise ValueError(f"init.orthogonal: shape needs at least 2 dimensions, got {shape}")
    rows, cols = int(np.prod(shape[:-1])), shape[-1]
    a = get_rng(rng).standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    signs = np.sign(np.diag(r))
    signs[signs == 0] = 1.0
    q = q * signs
    if rows < cols:
        q = q.T
    return _finish(gain * q.reshape(shape), d)


def identity(shape, gain=1.0, dtype=None, rng=None) -> np.ndarray:
    """``W = gain * I`` (``tf.initializers.identity``; for rectangular shapes, ones on the main diagonal).

    Used for identity-initialized recurrent ReLU nets (Le, Jaitly and Hinton 2015, "A Simple Way to
    Initialize Recurrent Networks of Rectified Linear Units"). Only 2-D shapes.

    >>> identity((2, 3), gain=2.0).tolist()
    [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    """
    shape = _shape(shape)
    if len(shape) != 2:
        raise ValueError(f"init.identity: shape must be 2-D, got {shape}")
    return _finish(gain * np.eye(shape[0], shape[1]), _dtype(dtype, "identity"))


# --------------------------------------------------------------------------------- by name
def _small_random(shape, dtype=None, rng=None) -> np.ndarray:
    """The lectures' "small random numbers": ``W = 0.01 * np.random.randn(D, H)``."""
    return normal(shape, 0.0, 0.01, dtype=dtype, rng=rng)


_BY_NAME = {
    "zeros": zeros, "zero": zeros, "ones": ones, "one": ones, "constant": constant,
    "uniform": uniform, "random_uniform": uniform,
    "normal": normal, "random_normal": normal, "gaussian": normal, "randn": normal,
    "small": _small_random, "small_random": _small_random,
    "truncated_normal": truncated_normal,
    "xavier": xavier_uniform, "glorot": xavier_uniform, "xavier_uniform": xavier_uniform,
    "glorot_uniform": xavier_uniform, "xavier_normal": xavier_normal, "glorot_normal": xavier_normal,
    "xavier_simple": xavier_simple,
    "he": he_normal, "msra": he_normal, "kaiming": he_normal, "he_normal": he_normal,
    "kaiming_normal": he_normal, "msra_normal": he_normal, "he_uniform": he_uniform,
    "kaiming_uniform": he_uniform, "msra_uniform": he_uniform,
    "lecun": lecun_normal, "lecun_normal": lecun_normal, "lecun_uniform": lecun_uniform,
    "orthogonal": orthogonal, "orthonormal": orthogonal, "identity": identity, "eye": identity,
    "variance_scaling": variance_scaling,
}


def get(name):
    """Look an initializer up by name (for configs and the CLI); callables pass through unchanged.

    Case and ``-`` versus ``_`` do not matter. ``"xavier"``/``"glorot"`` give :func:`xavier_uniform`
    (Glorot & Bengio 2010's form and ``tf.contrib.layers.xavier_initializer()``'s default; the lectures'
    ``randn / sqrt(fan_in)`` is ``"xavier_simple"``), ``"he"``/``"msra"``/``"kaiming"`` give
    :func:`he_normal` (He et al. 2015), ``"lecun"`` gives :func:`lecun_normal`, ``"small"`` gives
    ``0.01 * randn``, ``"random_uniform"``/``"random_normal"`` the TF 1.x names.

    >>> get("MSRA") is he_normal
    True
    """
    if callable(name):
        return name
    if not isinstance(name, str):
        raise TypeError(f"init.get: expected a name or a callable, got {type(name).__name__}")
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key.endswith("_initializer"):
        key = key[: -len("_initializer")]
    try:
        return _BY_NAME[key]
    except KeyError:
        known = ", ".join(sorted(_BY_NAME))
        raise ValueError(f"init.get: unknown initializer {name!r}; known names: {known}") from None
