"""Learning-rate schedules ("learning rate, its decay schedule, update type").

Each schedule is defined once as a pure function factory returning ``lr(t)``
(``t`` = number of steps taken so far, from 0):

* ``step_decay(base, step_size, gamma)``:   ``lr(t) = base·γ^⌊t / step_size⌋``
* ``exponential_decay(base, gamma)``:        ``lr(t) = base·γ^t``
* ``cosine_decay(base, T_max, eta_min)``:    ``lr(t) = η_min + (base − η_min)·(1 + cos(π·min(t, T)/T))/2``
* ``linear_warmup(base, warmup_steps, after)``: ``lr(t) = base·(t + 1)/W`` for ``t < W``, then ``after(t − W)``

A function ``lr(t)`` can be passed as an optimizer's ``lr`` directly (then
``t`` is the parameter's update count, and a compiled update op evaluates it at
run time). The scheduler classes attach the same functions to an optimizer
PyTorch-style: construction sets each group's ``lr`` to ``lr(0)`` and every
:meth:`Scheduler.step` advances ``t`` and writes ``lr(t)`` into
``optimizer.param_groups``. Compiled update ops read the group's ``lr`` when
they run, so stepping a scheduler between calls takes effect without retracing.

>>> from neuralab.optim import SGD
>>> opt = SGD([nl.tensor([1.0], requires_grad=True)], lr=0.1); sched = StepLR(opt, step_size=30, gamma=0.1)
>>> for epoch in range(60):
...     sched.step()                      # after each epoch of training
>>> round(opt.param_groups[0]["lr"], 6)   # 0.1 · 0.1^⌊60/30⌋
0.001
"""
from __future__ import annotations

import math

from .optimizer import check_range

__all__ = [
    "CosineAnnealingLR", "ExponentialLR", "ReduceLROnPlateau", "Scheduler", "StepLR", "WarmupLR", "constant",
    "cosine_decay", "exponential_decay", "linear_warmup", "step_decay",
]


# -- the pure functions -------------------------------------------------------------------------

def constant(base):
    """``lr(t) = base``."""
    base = float(base)
    return lambda t: base


def step_decay(base, step_size, gamma=0.1):
    """``lr(t) = base·γ^⌊t / step_size⌋`` (multiply by γ every ``step_size`` steps)."""
    base = float(base)
    return lambda t: base * gamma ** (int(t) // step_size)


def exponential_decay(base, gamma):
    """``lr(t) = base·γ^t``."""
    base = float(base)
    return lambda t: base * gamma ** int(t)


def cosine_decay(base, T_max, eta_min=0.0):
    """``lr(t) = η_min + (base − η_min)·(1 + cos(π·min(t, T_max)/T_max))/2`` (stays at η_min after T_max)."""
    base = float(base)

    def lr(t):
        return eta_min + (base - eta_min) * (1.0 + math.cos(math.pi * min(int(t), T_max) / T_max)) / 2.0

    return lr


def linear_warmup(base, warmup_steps, after=None):
    """``lr(t) = base·(t + 1)/W`` for ``t < W`` (W = warmup_steps), then ``after(t − W)`` (default ``base``)."""
    base = float(base)
    then = after if after is not None else constant(base)

    def lr(t):
        t = int(t)
        if t < warmup_steps:
            return base * (t + 1) / warmup_steps
        return then(t - warmup_steps)

    return lr


# -- schedulers attached to an optimizer ---------------------------------------------------------

class Scheduler:
    """Base class: sets ``optimizer.param_groups[i]["lr"] = fns[i](t)`` at construction (t = 0) and each step.

    The schedule starts from each group's ``initial_lr`` (recorded by the first
    scheduler attached, so stacked schedulers share one base).
    """

    def __init__(self, optimizer):
        self.optimizer = optimizer
        name = type(self).__name__
        for i, g in enumerate(optimizer.param_groups):
            if callable(g["lr"]):
                raise ValueError(f"{name}: group {i} already has a schedule function as lr; "
                                 "use either a scheduler or lr=function, not both")
            g.setdefault("initial_lr", g["lr"])
        self.base_lrs = [g["initial_lr"] for g in optimizer.param_groups]
        self.t = 0
        self._fns = [self._make(i, b) for i, b in enumerate(self.base_lrs)]
        self._apply()

    def _make(self, i, base):  # pragma: no cover - abstract
        """The pure schedule ``lr(t)`` for group ``i`` starting at ``base``."""
        raise NotImplementedError

    def lr_at(self, t) -> list:
        """The learning rates of every group at step ``t`` (pure: changes nothing)."""
        return [f(t) for f in self._fns]

    def get_lr(self) -> list:
        """The learning rates set now (one per parameter group)."""
        return self.lr_at(self.t)

    def step(self) -> None:
        """Advance one step (an epoch or an iteration, as you call it) and set the new learning rates."""
        self.t += 1
        self._apply()

    def _apply(self):
        for g, lr in zip(self.optimizer.param_groups, self.lr_at(self.t)):
            g["lr"] = lr

    def state_dict(self) -> dict:
        """``{"t": steps taken, "base_lrs": [...]}`` (plain numbers)."""
        return {"t": self.t, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict` and set the learning rates it implies."""
        self.t = int(state["t"])
        self.base_lrs = list(state["base_lrs"])
        self._fns = [self._make(i, b) for i, b in enumerate(self.base_lrs)]
        self._apply()

    def __repr__(self):
        return f"{type(self).__name__}(t={self.t}, lr={self.get_lr()})"


class StepLR(Scheduler):
    """``lr = base·γ^⌊t / step_size⌋`` (see :func:`step_decay`)."""

    def __init__(self, optimizer, step_size, gamma=0.1):
        if not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size!r}")
        check_range("StepLR", "gamma", gamma, lo=0.0, lo_open=True)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def _make(self, i, base):
        return step_decay(base, self.step_size, self.gamma)


class ExponentialLR(Scheduler):
    """``lr = base·γ^t`` (see :func:`exponential_decay`)."""

    def __init__(self, optimizer, gamma):
        check_range("ExponentialLR", "gamma", gamma, lo=0.0, lo_open=True)
        self.gamma = gamma
        super().__init__(optimizer)

    def _make(self, i, base):
        return exponential_decay(base, self.gamma)


class CosineAnnealingLR(Scheduler):
    """``lr = η_min + (base − η_min)·(1 + cos(π·t/T_max))/2`` for ``t ≤ T_max``, then η_min.

    See :func:`cosine_decay`.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0):
        if not isinstance(T_max, int) or T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive integer, got {T_max!r}")
        check_range("CosineAnnealingLR", "eta_min", eta_min)
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def _make(self, i, base):
        return cosine_decay(base, self.T_max, self.eta_min)


class WarmupLR(Scheduler):
    """Linear warm-up: ``lr = base·(t + 1)/W`` for ``t < W``, then ``after``'s schedule from its step 0.

    ``after`` is another scheduler on the same optimizer (built first), or None
    for a constant ``base`` after the warm-up (see :func:`linear_warmup`).
    """

    def __init__(self, optimizer, warmup_steps, after=None):
        if not isinstance(warmup_steps, int) or warmup_steps < 1:
            raise ValueError(f"WarmupLR: warmup_steps must be a positive integer, got {warmup_steps!r}")
        if after is not None:
            if not isinstance(after, Scheduler):
                raise TypeError(f"WarmupLR: after must be a Scheduler, got {type(after).__name__}")
            if after.optimizer is not optimizer:
                raise ValueError("WarmupLR: after must be attached to the same optimizer")
        self.warmup_steps, self.after = warmup_steps, after
        super().__init__(optimizer)

    def _make(self, i, base):
        then = self.after._fns[i] if self.after is not None else None
        return linear_warmup(base, self.warmup_steps, then)

    def step(self) -> None:
        """Advance one step; after the warm-up the ``after`` scheduler's counter follows along."""
        super().step()
        if self.after is not None:
            self.after.t = max(0, self.t - self.warmup_steps)

    def state_dict(self) -> dict:
        """The base state plus ``"after"``: the following scheduler's state."""
        s = super().state_dict()
        if self.after is not None:
            s["after"] = self.after.state_dict()
        return s

    def load_state_dict(self, state: dict) -> None:
        """Restore this scheduler and the following one, then set the learning rates."""
        if self.after is not None and "after" in state:
            a = state["after"]
            self.after.t = int(a["t"])
            self.after.base_lrs = list(a["base_lrs"])
            self.after._fns = [self.after._make(i, b) for i, b in enumerate(self.after.base_lrs)]
        super().load_state_dict(state)


class ReduceLROnPlateau:
    """Multiply the learning rate by ``factor`` when a metric has stopped improving (PyTorch's rule).

    Call ``step(metric)`` once per epoch with the monitored value (``Trainer``
    passes ``logs[monitor]``, by default ``"val_loss"``, falling back to
    ``"loss"`` without validation). With ``mode="min"`` a value ``a`` improves
    on the best ``b`` when ``a < b·(1 − threshold)`` (``threshold_mode="rel"``)
    or ``a < b − threshold`` (``"abs"``); ``"max"`` mirrors it. After more than
    ``patience`` epochs without improvement every group's ``lr`` becomes
    ``max(lr·factor, min_lr)`` (changes smaller than ``eps`` are skipped), then
    ``cooldown`` epochs pass before bad epochs count again.

    >>> import neuralab as nl
    >>> from neuralab.optim import SGD
    >>> opt = SGD([nl.tensor([1.0], requires_grad=True)], lr=1.0)
    >>> sched = ReduceLROnPlateau(opt, factor=0.5, patience=1)
    >>> for val_loss in [3.0, 2.0, 2.0, 2.0, 2.0]:
    ...     sched.step(val_loss)
    >>> sched.get_lr()
    [0.5]
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0.0, eps=1e-8, monitor="val_loss"):
        name = "ReduceLROnPlateau"
        if mode not in ("min", "max"):
            raise ValueError(f"{name}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{name}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        check_range(name, "factor", factor, lo=0.0, hi=1.0, lo_open=True)
        for arg, v in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"{name}: {arg} must be a non-negative integer, got {v!r}")
        check_range(name, "threshold", threshold)
        check_range(name, "eps", eps)
        groups = optimizer.param_groups
        mins = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * len(groups)
        if len(mins) != len(groups):
            raise ValueError(f"{name}: min_lr has {len(mins)} entries for {len(groups)} parameter groups")
        for i, g in enumerate(groups):
            if callable(g["lr"]):
                raise ValueError(f"{name}: group {i} has a schedule function as lr; use a number")
        self.optimizer, self.mode, self.factor, self.patience = optimizer, mode, float(factor), patience
        self.threshold, self.threshold_mode, self.cooldown = float(threshold), threshold_mode, cooldown
        self.min_lrs, self.eps, self.monitor = [float(m) for m in mins], float(eps), monitor
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.t = 0

    def _better(self, a: float) -> bool:
        b, th = self.best, self.threshold
        if self.mode == "min":
            return a < (b * (1.0 - th) if self.threshold_mode == "rel" else b - th)
        return a > (b * (1.0 + th) if self.threshold_mode == "rel" else b + th)

    def step(self, metric) -> None:
        """Record one epoch's ``metric`` and lower the learning rates if it has plateaued."""
        try:
            a = float(metric)
        except (TypeError, ValueError):
            raise TypeError(f"ReduceLROnPlateau.step: needs the monitored metric as a number, got {metric!r}") \
                from None
        self.t += 1
        if self._better(a):
            self.best, self.num_bad_epochs = a, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for g, lo in zip(self.optimizer.param_groups, self.min_lrs):
                new = max(g["lr"] * self.factor, lo)
                if g["lr"] - new > self.eps:
                    g["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0

    def get_lr(self) -> list:
        """The learning rates set now (one per parameter group)."""
        return [g["lr"] for g in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        """The counters, the best value and the current learning rates (plain numbers)."""
        return {"t": self.t, "best": self.best, "num_bad_epochs": self.num_bad_epochs,
                "cooldown_counter": self.cooldown_counter, "lrs": self.get_lr()}

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`, learning rates included."""
        self.t, self.best = int(state["t"]), float(state["best"])
        self.num_bad_epochs, self.cooldown_counter = int(state["num_bad_epochs"]), int(state["cooldown_counter"])
        for g, lr in zip(self.optimizer.param_groups, state["lrs"]):
            g["lr"] = float(lr)

    def __repr__(self):
        return f"ReduceLROnPlateau(t={self.t}, best={self.best}, lr={self.get_lr()})"
