"""Optimizers: the lectures' update rules over parameters, eager or compiled.

* :mod:`~neuralab.optim.transforms` — each rule once, as an in-place kernel computing ``Δw``;
* :class:`Optimizer` — PyTorch-style wrapper (``step``, ``zero_grad``, ``param_groups``,
  ``state_dict``) that also records a stateful update op in graphs (``apply_gradients``, ``minimize``);
* :mod:`~neuralab.optim.aliases` — SGD, Momentum (both lecture forms), Nesterov, AdaGrad, RMSProp
  (plain, centered, with momentum), Adadelta, FTRL-Proximal, Adam, AdamW;
* :mod:`~neuralab.optim.schedules` — learning-rate schedules; :class:`LBFGS` via SciPy;
  gradient clipping.

>>> from neuralab import nn, optim
>>> model = nn.Dense(3, 1)
>>> opt = optim.Adam(model.parameters(), lr=1e-3)
>>> loss = model(np.ones((4, 3), np.float32)).mean(); loss.backward(); opt.step(); opt.zero_grad()
>>> opt.state[model.weight]["step"]
1
"""
from . import lr_scheduler, transforms
from .aliases import SGD, AdaGrad, Adadelta, Adam, AdamW, Ftrl, Momentum, Nesterov, RMSProp
from .clip import clip_grad_norm, clip_grad_value
from .lbfgs import LBFGS
from .optimizer import ApplyUpdates, Optimizer
from .schedules import (
    CosineAnnealingLR, ExponentialLR, ReduceLROnPlateau, Scheduler, StepLR, WarmupLR, constant, cosine_decay,
    exponential_decay, linear_warmup, step_decay,
)

__all__ = [
    "LBFGS", "SGD", "AdaGrad", "Adadelta", "Adam", "AdamW", "ApplyUpdates", "CosineAnnealingLR", "ExponentialLR",
    "Ftrl", "Momentum", "Nesterov", "Optimizer", "RMSProp", "ReduceLROnPlateau", "Scheduler", "StepLR", "WarmupLR",
    "clip_grad_norm", "clip_grad_value", "constant", "cosine_decay", "exponential_decay", "linear_warmup",
    "lr_scheduler", "step_decay", "transforms"
]
