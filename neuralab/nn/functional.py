"""PyTorch's ``torch.nn.functional`` names over neuralab's functions (``import neuralab.nn.functional as F``).

Each function here calls the one definition in :mod:`neuralab.functional`
(activations, losses, dropout) with PyTorch's argument names and conventions:
``dim`` for the axis, ``p`` for the dropout probability, and for the
classification losses the classes on dimension 1 of an ``(N, C, ...)`` input
(dimension 0 of an unbatched ``(C,)`` input), as in PyTorch.

>>> import numpy as np
>>> import neuralab as nl
>>> import neuralab.nn.functional as F
>>> logits = nl.tensor([[2.0, 1.0, 0.1]])
>>> round(float(F.cross_entropy(logits, nl.tensor([0]))), 4)
0.417
>>> F.softmax(logits, dim=1).numpy().round(3)
array([[0.659, 0.242, 0.099]], dtype=float32)
"""
from __future__ import annotations

from ..functional import activations as _A
from ..functional import losses as _L
from ..functional import regularization as _R

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "dropout", "elu", "leaky_relu",
    "linear", "log_softmax", "mse_loss", "nll_loss", "one_hot", "relu", "selu", "sigmoid", "softmax", "softplus",
    "tanh",
]


def _class_dim(x) -> int:
    nd = len(x.shape) if getattr(x, "shape", None) is not None else 2
    return 1 if nd >= 2 else 0


def _tensor(x):
    from .._core.tensor import Tensor

    return x if isinstance(x, Tensor) else Tensor(x)


def relu(input):
    """``max(x, 0)`` (:func:`neuralab.functional.relu`)."""
    return _A.relu(input)


def sigmoid(input):
    """``1 / (1 + exp(-x))`` (:func:`neuralab.functional.sigmoid`)."""
    return _A.sigmoid(input)


def tanh(input):
    """``tanh(x)`` (:func:`neuralab.functional.tanh`)."""
    return _A.tanh(input)


def leaky_relu(input, negative_slope=0.01):
    """``x`` for ``x > 0``, else ``negative_slope·x`` (:func:`neuralab.functional.leaky_relu`)."""
    return _A.leaky_relu(input, alpha=negative_slope)


def elu(input, alpha=1.0):
    """``x`` for ``x > 0``, else ``alpha·(exp(x) − 1)`` (:func:`neuralab.functional.elu`)."""
    return _A.elu(input, alpha=alpha)


def selu(input):
    """Scaled ELU with the self-normalizing constants (:func:`neuralab.functional.selu`)."""
    return _A.selu(input)


def softplus(input):
    """``log(1 + exp(x))``, computed stably (:func:`neuralab.functional.softplus`)."""
    return _A.softplus(input)


def softmax(input, dim=-1):
    """``exp(x_i) / Σ_j exp(x_j)`` along ``dim`` (:func:`neuralab.functional.softmax`)."""
    return _A.softmax(input, axis=dim)


def log_softmax(input, dim=-1):
    """``x_i − log Σ_j exp(x_j)`` along ``dim`` (:func:`neuralab.functional.log_softmax`)."""
    return _A.log_softmax(input, axis=dim)


def dropout(input, p=0.5, training=True):
    """Inverted dropout: zero each unit with probability ``p``, scale the rest by ``1/(1 − p)``."""
    return _R.dropout(input, p, training=training)


def linear(input, weight, bias=None):
    """``y = x Wᵀ + b`` with PyTorch's weight layout ``(out_features, in_features)``.

    (neuralab's :class:`~neuralab.nn.Dense` stores its weight as ``(in, out)``;
    this function follows PyTorch's layout because PyTorch code passes it.)
    """
    from ..ops import add, matmul, transpose

    y = matmul(_tensor(input), transpose(_tensor(weight)))
    return y if bias is None else add(y, bias)


def one_hot(tensor, num_classes=-1):
    """One-hot int64 rows of length ``num_classes`` (``-1``: the largest label + 1, from concrete labels)."""
    import numpy as np

    from ..ops import one_hot as _one_hot

    t = _tensor(tensor)
    if num_classes == -1:
        if t.data is None:
            raise ValueError("one_hot: num_classes=-1 needs concrete labels; pass num_classes for a graph")
        num_classes = int(t.data.max()) + 1 if t.size else 0
    return _one_hot(t, int(num_classes), dtype=np.int64)


def cross_entropy(input, target, reduction="mean"):
    """Softmax cross-entropy of logits against class indices or class probabilities (PyTorch's ``cross_entropy``).

    The classes are on dimension 1 of ``input`` (N, C, ...), or 0 for an
    unbatched (C,) input; ``target`` holds integer class indices (shape
    without the class dimension) or floating probabilities shaped like
    ``input``. Labels outside ``[0, C)`` raise :class:`~neuralab.LabelError`.
    """
    x = _tensor(input)
    return _L.softmax_cross_entropy(x, target, axis=_class_dim(x), reduction=reduction)


def nll_loss(input, target, reduction="mean"):
    """``−input[n, y_n]`` from log-probabilities with the classes on dimension 1 (PyTorch's ``nll_loss``)."""
    x = _tensor(input)
    return _L.nll(x, target, axis=_class_dim(x), reduction=reduction)


def mse_loss(input, target, reduction="mean"):
    """``(x − y)²`` averaged (or summed) over all elements; the shapes must match (no broadcasting)."""
    return _L.mse(input, target, reduction=reduction)


def binary_cross_entropy(input, target, reduction="mean"):
    """``−(y log p + (1 − y) log(1 − p))`` from probabilities ``p = input``."""
    return _L.binary_cross_entropy(input, target, reduction=reduction)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    """``−(y log σ(x) + (1 − y) log(1 − σ(x)))`` from logits, computed stably."""
    return _L.binary_cross_entropy_with_logits(input, target, reduction=reduction)
