"""PyTorch's loss modules (``nn.CrossEntropyLoss()``, ``nn.MSELoss()``, ...) over neuralab's loss functions.

Each is a parameter-free :class:`~neuralab.nn.Module` whose ``forward(input,
target)`` calls the function of the same meaning in
:mod:`neuralab.nn.functional` (and so the one definition in
:mod:`neuralab.functional.losses`). They also serve as ``Trainer(loss=...)``.

>>> import neuralab as nl
>>> from neuralab import nn
>>> crit = nn.MSELoss()
>>> float(crit(nl.tensor([1.0, 2.0]), nl.tensor([1.0, 4.0])))
2.0
"""
from __future__ import annotations

from . import functional as F
from .module import Module

__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "MSELoss", "NLLLoss"]

_REDUCTIONS = ("mean", "sum", "none")


class _Loss(Module):
    _fn = None

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    def forward(self, input, target):
        """The loss of ``input`` against ``target`` with this module's ``reduction``."""
        return type(self)._fn(input, target, reduction=self.reduction)

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy from logits (classes on dimension 1) against class indices or probabilities."""

    _fn = staticmethod(F.cross_entropy)


class NLLLoss(_Loss):
    """Negative log-likelihood from log-probabilities (classes on dimension 1) of class indices."""

    _fn = staticmethod(F.nll_loss)


class MSELoss(_Loss):
    """Mean squared error ``(x − y)²``; input and target must have the same shape."""

    _fn = staticmethod(F.mse_loss)


class BCELoss(_Loss):
    """Binary cross-entropy from probabilities."""

    _fn = staticmethod(F.binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy from logits (stable)."""

    _fn = staticmethod(F.binary_cross_entropy_with_logits)
