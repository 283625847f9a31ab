"""Gradient clipping on parameters' ``.grad`` (eager, in place; call between ``backward`` and ``step``).

>>> from neuralab.optim import SGD
>>> w = nl.tensor([3.0, 4.0], requires_grad=True)
>>> opt = SGD([w], lr=0.1)
>>> (w * w).sum().backward()                   # grad 2w = (6, 8), norm 10
>>> clip_grad_norm([w], max_norm=1.0)          # the norm before clipping
10.0
>>> w.grad.numpy().round(3)
array([0.6, 0.8], dtype=float32)
>>> opt.step()

For compiled training steps use the optimizers' ``max_grad_norm=`` option,
which clips inside the update (same formula).
"""
from __future__ import annotations

import numpy as np

from .._core.tensor import Tensor
from ..backend import writeable as _writeable
from . import transforms as T
from .optimizer import _xp_of, check_range

__all__ = ["clip_grad_norm", "clip_grad_value"]


def _grads(params, owner):
    if isinstance(params, Tensor):
        params = [params]
    out = []
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"{owner}: expected Tensors, got {type(p).__name__}")
        g = p.grad
        if g is None:
            continue
        if isinstance(g, Tensor):
            if g.data is None:
                raise TypeError(f"{owner}: a parameter has a symbolic .grad")
        else:
            g = p.grad = Tensor._make(np.asarray(g, dtype=p.dtype))
        if not _writeable(g.data):
            g.data = g.data.copy()
        out.append(g)
    return out


def clip_grad_norm(params, max_norm) -> float:
    """Scale all gradients together so their global norm is at most ``max_norm``.

    ``‖g‖ = √(Σ_p Σ g_p²)``;  ``g_p ← g_p·min(1, max_norm/‖g‖)``. Returns ``‖g‖``
    before clipping (a float). Parameters without a gradient are skipped.
    """
    check_range("clip_grad_norm", "max_norm", max_norm, lo=0.0, lo_open=True)
    gs = _grads(params, "clip_grad_norm")
    if not gs:
        return 0.0
    xp = _xp_of(gs[0].data)
    norm = T.global_norm(xp, [g.data for g in gs])
    c = T.clip_scale(norm, max_norm)
    if c != 1.0:
        for g in gs:
            g.data *= c
    return norm


def clip_grad_value(params, value) -> None:
    """Clip every gradient element into ``[−value, value]``: ``g ← min(max(g, −value), value)``."""
    check_range("clip_grad_value", "value", value, lo=0.0, lo_open=True)
    for g in _grads(params, "clip_grad_value"):
        _xp_of(g.data).clip(g.data, -value, value, out=g.data)
