"""Activation functions (lecture 10-1 "ReLU: Better non-linearity" and its table of activations).

Every function here is a composite of primitives (maximum, where, exp, log,
logsumexp, ...): it has no backward of its own, so gradients, double backward,
graph mode (placeholders) and ``neuralab.compile`` come for free.

Conventions at the kinks (where the lecture's formulas have no derivative):
relu'(0) = 0 and leaky_relu'(0) = prelu'(0) = alpha (the x <= 0 branch, as
TF's and PyTorch's kernels), elu'(0) = alpha (the lecture's "x <= 0" branch).
"""
from __future__ import annotations

from .._core.errors import ShapeError
from .._core.op import fmt_shape, normalize_axis
from .._core.tensor import Tensor
from ..ops import elementwise as E, reduce as R, shape as S

# Klambauer et al. 2017, "Self-Normalizing Neural Networks", eq. (14): the fixed point
# of mean 0 / variance 1 activations.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


_t = Tensor.from_data  # arrays and numbers become Tensors; tf.Tensor-like objects give theirs


def sigmoid(x):
    """Logistic sigmoid sigma(x) = 1 / (1 + e^-x): squashes to (0, 1), "a linear output -> probability".

    Stable for any |x| (the primitive never evaluates e^{+|x|}). Gradient
    sigma(x) (1 - sigma(x)), which "kills" the gradient when |x| is large.

    >>> sigmoid(nl.tensor([-10.0, 0.0, 10.0])).numpy().round(5)
    array([5.0000e-05, 5.0000e-01, 9.9995e-01], dtype=float32)
    """
    x = _t(x)
    return E.sigmoid(x)


def tanh(x):
    """Hyperbolic tangent tanh(x) = (e^x - e^-x) / (e^x + e^-x): squashes to [-1, 1], zero-centered.

    >>> tanh(nl.tensor([0.0, 1.0])).numpy().round(4)
    array([0.    , 0.7616], dtype=float32)
    """
    x = _t(x)
    return E.tanh(x)


def relu(x):
    """Rectified Linear Unit f(x) = max(0, x) (lecture 10-1, Krizhevsky et al. 2012).

    Computed as ``maximum(0, x)``; with the primitive's tie rule the gradient
    at x = 0 goes to the constant, so relu'(0) = 0 (as TF and PyTorch).

    >>> relu(nl.tensor([-10.0, -0.5, 0.0, 1.0, 100.0]))
    Tensor([  0.,   0.,   0.,   1., 100.], dtype=float32)
    """
    x = _t(x)
    return E.maximum(0, x)


def leaky_relu(x, alpha=0.01):
    """Leaky ReLU f(x) = x if x > 0 else alpha x, i.e. max(alpha x, x) for alpha <= 1.

    The Exercise-1 lecture uses alpha = 0.01 ("0.01x otherwise"), the
    activation table max(0.1x, x). Computed as ``where(x > 0, x, alpha * x)``,
    valid for any alpha; the derivative at 0 is alpha.

    >>> leaky_relu(nl.tensor([-10.0, 0.0, 5.0])).numpy().round(4)
    array([-0.1,  0. ,  5. ], dtype=float32)
    """
    x = _t(x)
    return E.where(E.greater(x, 0), x, E.multiply(alpha, x))


def prelu(x, alpha):
    """Parametric ReLU f(x) = max(alpha x, x) with a *learned* slope ``alpha`` (He et al. 2015).

    ``alpha`` is a Tensor (scalar, or per-channel broadcasting against x, e.g.
    shape (C,) for x of shape (N, C)); gradients flow to it:
    df/dalpha = x where x <= 0, else 0. Computed as ``where(x > 0, x, alpha * x)``.

    >>> a = nl.tensor(0.25, requires_grad=True); prelu(nl.tensor([-4.0, 2.0]), a)
    Tensor([-1.,  2.], dtype=float32, requires_grad=True)
    """
    x = _t(x)
    return E.where(E.greater(x, 0), x, E.multiply(alpha, x))


def elu(x, alpha=1.0):
    """Exponential Linear Unit: f(x) = x if x > 0, alpha (exp(x) - 1) if x <= 0 (Clevert et al. 2015).

    The exponential is taken of min(x, 0), so the branch not selected never
    overflows (and never turns the gradient into 0 * inf = NaN).

    >>> elu(nl.tensor([-1.0, 2.0])).numpy().round(4)
    array([-0.6321,  2.    ], dtype=float32)
    """
    x = _t(x)
    neg = E.multiply(alpha, E.subtract(E.exp(E.minimum(x, 0)), 1))
    return E.where(E.greater(x, 0), x, neg)


def selu(x):
    """Scaled ELU: selu(x) = lambda * (x if x > 0 else alpha (exp(x) - 1)) (Klambauer et al. 2017).

    lambda = 1.0507009873554805 and alpha = 1.6732632423543772, the constants
    that make mean-0 / variance-1 activations a fixed point (self-normalizing
    networks; the "SeLU" of the lecture notes' closing remarks).

    >>> selu(nl.tensor([1.0])).numpy().round(4)
    array([1.0507], dtype=float32)
    """
    x = _t(x)
    return E.multiply(SELU_SCALE, elu(x, SELU_ALPHA))


def _log1p(u):
    """log(1 + u) to full relative precision for small u >= 0, from log and arithmetic only.

    With w = 1 + u rounded, log(w) is off by the rounding error d = (w - 1) - u
    (computed exactly); log(1 + u) = log(w) - d / w + O(d^2). For u below the
    float spacing, w = 1 and the result is u itself. The autodiff derivative of
    this expression, 1/w + d/w^2, is likewise 1/(1 + u) to full precision.
    """
    w = E.add(1, u)
    return E.subtract(E.log(w), E.divide(E.subtract(E.subtract(w, 1), u), w))


def softplus(x):
    """Softplus f(x) = log(1 + e^x), the smooth ReLU; f'(x) = sigmoid(x).

    Stable form: max(x, 0) + log1p(exp(-|x|)), where -|x| is computed as
    min(-x, x). The exponent is never positive, so nothing overflows at
    |x| = 1000; log1p keeps full relative precision in the left tail
    (softplus(-50) = 1.93e-22, not 0); and with the primitives' tie rules both
    max(x, 0) and min(-x, x) take their x >= 0 side at x = 0, so f'(0) = 1/2.

    >>> [round(v, 4) for v in softplus(nl.tensor([-1000.0, 0.0, 1000.0])).numpy().tolist()]
    [0.0, 0.6931, 1000.0]
    """
    x = _t(x)
    neg_abs = E.minimum(E.negative(x), x)
    return E.add(E.maximum(x, 0), _log1p(E.exp(neg_abs)))


def log_softmax(x, axis=-1):
    """Log of the softmax: log softmax(x)_i = x_i - log(sum_j e^{x_j}) = x - logsumexp(x).

    Stable for any logits (logsumexp shifts by the maximum); the basis of
    :func:`neuralab.functional.softmax_cross_entropy`.

    >>> log_softmax(nl.tensor([1000.0, 0.0])).numpy().tolist()
    [0.0, -1000.0]
    """
    x = _t(x)
    return E.subtract(x, R.logsumexp(x, axis=axis, keepdims=True))


def softmax(x, axis=-1):
    """Softmax S(y)_i = e^{y_i} / sum_j e^{y_j} along ``axis``: scores (logits) -> probabilities.

    Computed as exp(x - logsumexp(x)), so large logits never overflow.

    >>> softmax(nl.tensor([2.0, 1.0, 0.1])).numpy().round(3)
    array([0.659, 0.242, 0.099], dtype=float32)
    """
    x = _t(x)
    return E.exp(log_softmax(x, axis=axis))


def maxout(x, num_pieces, axis=-1):
    """Maxout unit max(w_1^T x + b_1, ..., w_k^T x + b_k) (Goodfellow et al. 2013).

    ``x`` holds the k = ``num_pieces`` linear pieces side by side: the size
    C of ``axis`` is split into C / k groups of k *consecutive* features and
    each group is reduced by max, giving C / k outputs. (A Dense layer with
    C = units * k outputs followed by maxout is the lecture's maxout layer.)
    Ties share the gradient equally (the max primitive's rule).

    >>> maxout(nl.tensor([[1.0, 5.0, -2.0, -3.0]]), 2)
    Tensor([[ 5., -2.]], dtype=float32)
    """
    x = _t(x)
    k = int(num_pieces)
    if k < 1:
        raise ValueError(f"maxout: num_pieces must be a positive integer, got {num_pieces!r}")
    shape = tuple(x.shape)
    (ax,) = normalize_axis("maxout", axis, len(shape))
    c = shape[ax]
    if c is None:
        raise ShapeError(f"maxout: the size of axis {ax} must be known, got shape {fmt_shape(shape)}")
    if c % k:
        raise ShapeError(f"maxout: axis {ax} of size {c} (shape {fmt_shape(shape)}) is not divisible "
                         f"by num_pieces={k}")
    if k == 1:
        return x
    unknown = [i for i, d in enumerate(shape) if d is None]
    if len(unknown) > 1:
        raise ShapeError(f"maxout: at most one unknown dimension is supported, got shape {fmt_shape(shape)}")
    new = [(-1 if d is None else d) for d in shape]
    new[ax:ax + 1] = [c // k, k]
    return R.max(S.reshape(x, new), axis=ax + 1)


__all__ = ["SELU_ALPHA", "SELU_SCALE", "elu", "leaky_relu", "log_softmax", "maxout", "prelu", "relu", "selu",
           "sigmoid", "softmax", "softplus", "tanh"]
