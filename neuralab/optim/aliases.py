"""The lectures' optimizers: each names its state and the kernel that computes ``Δw``.

All of them take ``params`` (Tensors or parameter-group dicts), apply
``w ← w + Δw`` in place and accept

* ``weight_decay = λ``: PyTorch's meaning, an L2 term in the gradient,
  ``g ← g + λ·w`` (AdamW's is its decoupled ``w ← w·(1 − α·λ)``, see there);
* ``lecture_decay = ε``: seed 001's decoupled decay ``W ← (W + ΔW)·(1 − ε)``,
  applied after the step and independent of the learning rate;
* ``max_grad_norm``: global-norm gradient clipping before the step.
(Adadelta, FTRL-Proximal and RMSProp's centered and momentum variants are here too, beyond the notes.)
``lr`` may be a number or a function ``lr(t)`` of the number of updates done
so far (see :mod:`neuralab.optim.schedules`).

>>> w = nl.tensor([1.0, -2.0], requires_grad=True)
>>> opt = Adam([w], lr=0.1)
>>> loss = (w * w).sum(); loss.backward(); opt.step(); opt.zero_grad()
"""
from __future__ import annotations

import numpy as np

from ..backend import kernels as _kernels
from . import transforms as T
from .optimizer import Optimizer, check_range

__all__ = ["SGD", "Momentum", "Nesterov", "AdaGrad", "Adadelta", "RMSProp", "Ftrl", "Adam", "AdamW"]


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (seed 002).

    * ``momentum = 0``: ``x ← x − α·∇f``;
    * ``momentum = ρ > 0``: ``v ← ρ·v + ∇f``;  ``x ← x − α·v``  (velocity form);
    * ``nesterov=True``: ``v ← ρ·v + ∇f``;  ``x ← x − α·(∇f + ρ·v)``.

    ``weight_decay = λ`` adds ``λ·x`` to the gradient first (as ``torch.optim.SGD``);
    ``lecture_decay = ε`` applies seed 001's ``x ← x·(1 − ε)`` after the step.
    """

    slots = ("momentum_buffer",)

    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0, max_grad_norm=None,
                 lecture_decay=0.0):
        super().__init__(params, {"lr": lr, "momentum": momentum, "nesterov": bool(nesterov),
                                  "weight_decay": weight_decay, "lecture_decay": lecture_decay},
                         max_grad_norm=max_grad_norm)

    def _check_group(self, group, defaults=False):
        super()._check_group(group, defaults)
        name = type(self).__name__
        check_range(name, "momentum", group["momentum"], lo=0.0, hi=1.0)
        if group.get("nesterov") and group["momentum"] <= 0:
            raise ValueError(f"{name}: nesterov=True needs momentum > 0, got {group['momentum']!r}")

    def _delta(self, xp, grad, st, group, lr, step, out):
        rho = group["momentum"]
        if not rho:
            return T.sgd_delta(xp, grad, lr, out)
        if group["nesterov"]:
            return T.nesterov_delta(xp, grad, st["momentum_buffer"], lr, rho, out)
        return T.velocity_momentum_delta(xp, grad, st["momentum_buffer"], lr, rho, out)


class Momentum(SGD):
    """SGD with momentum in either lecture form; both follow the same trajectory.

    * ``form="velocity"`` (seed 002): ``v ← ρ·v + ∇f``;  ``x ← x − α·v``;
    * ``form="delta"`` (seed 001): ``Δw = −α·∇f``;  ``m = Δw + β·m̄``;  ``w ← w + m``
      (with ``β = momentum``; the state is ``m`` in parameter units).

    With a constant learning rate ``m = −α·v`` at every step, so the forms are
    the same update up to that scaling of the state. They differ when ``α``
    changes during training: the velocity form applies the new ``α`` to the
    whole velocity, the delta form only to new gradients.
    """

    def __init__(self, params, lr, momentum=0.9, form="velocity", weight_decay=0.0, max_grad_norm=None,
                 lecture_decay=0.0):
        Optimizer.__init__(self, params, {"lr": lr, "momentum": momentum, "nesterov": False, "form": form,
                                          "weight_decay": weight_decay, "lecture_decay": lecture_decay},
                           max_grad_norm=max_grad_norm)

    def _check_group(self, group, defaults=False):
        super()._check_group(group, defaults)
        if group.get("form") not in ("velocity", "delta"):
            raise ValueError(f"Momentum: form must be 'velocity' (seed 002) or 'delta' (seed 001), "
                             f"got {group.get('form')!r}")

    def _delta(self, xp, grad, st, group, lr, step, out):
        if group["form"] == "delta":
            return T.accumulated_momentum_delta(xp, grad, st["momentum_buffer"], lr, group["momentum"], out)
        return super()._delta(xp, grad, st, group, lr, step, out)


class Nesterov(SGD):
    """Nesterov momentum (seed 002): ``v ← ρ·v + ∇f``;  ``x ← x − α·(∇f + ρ·v)``.

    This is ``v_{t+1} = ρv_t − α∇f(x_t + ρv_t)`` written for the look-ahead
    point, so the gradient is taken at the stored parameters.
    """

    def __init__(self, params, lr, momentum=0.9, weight_decay=0.0, max_grad_norm=None, lecture_decay=0.0):
        super().__init__(params, lr, momentum=momentum, nesterov=True, weight_decay=weight_decay,
                         max_grad_norm=max_grad_norm, lecture_decay=lecture_decay)


class AdaGrad(Optimizer):
    """AdaGrad (seed 002): ``G ← G + ∇f²``;  ``x ← x − α·∇f / (√G + ε)``, ε = 1e-7 as in the notes."""

    slots = ("grad_squared",)

    def __init__(self, params, lr=0.01, eps=1e-7, weight_decay=0.0, max_grad_norm=None, lecture_decay=0.0):
        super().__init__(params, {"lr": lr, "eps": eps, "weight_decay": weight_decay, "lecture_decay": lecture_decay},
                         max_grad_norm=max_grad_norm)

    def _check_group(self, group, defaults=False):
        super()._check_group(group, defaults)
        check_range(type(self).__name__, "eps", group["eps"])

    def _delta(self, xp, grad, st, group, lr, step, out):
        return T.adagrad_delta(xp, grad, st["grad_squared"], lr, group["eps"], out)


class RMSProp(Optimizer):
    """RMSProp (seed 002): ``G ← d·G + (1 − d)·∇f²``;  ``x ← x − α·∇f / (√G + ε)``.

    ``decay`` is the notes' ``decay_rate``; ε (1e-7) is added outside the square
    root as in the notes (``torch.optim.RMSprop`` does the same, with
    ``alpha = decay``; Keras/TF1 add it inside).

    * ``centered=True`` [Graves, 2013]: also ``M ← d·M + (1 − d)·∇f`` and divide
      by ``√(G − M²) + ε`` (an estimate of the gradient's standard deviation);
    * ``momentum = ρ > 0``: ``b ← ρ·b + α·∇f / (√G + ε)``;  ``x ← x − b`` (the
      learning rate enters the buffer with each gradient, as in TF 1.x and
      Keras; with a constant ``α`` this is ``torch.optim.RMSprop(momentum=ρ)``).
    """

    def __init__(self, params, lr=0.001, decay=0.9, eps=1e-7, momentum=0.0, centered=False, weight_decay=0.0,
                 max_grad_norm=None, lecture_decay=0.0):
        check_range(type(self).__name__, "momentum", momentum, lo=0.0, hi=1.0)
        # the state this variant needs, fixed at construction (see transforms.rmsprop_delta)
        self.slots = ("grad_squared",) + (("momentum_buffer",) if momentum else ()) \
            + (("grad_mean",) if centered else ())
        super().__init__(params, {"lr": lr, "decay": decay, "eps": eps, "momentum": momentum,
                                  "centered": bool(centered), "weight_decay": weight_decay,
                                  "lecture_decay": lecture_decay}, max_grad_norm=max_grad_norm)

    def _check_group(self, group, defaults=False):
        super()._check_group(group, defaults)
        name = type(self).__name__
        check_range(name, "decay", group["decay"], lo=0.0, hi=1.0)
        check_range(name, "eps", group["eps"])
        check_range(name, "momentum", group.get("momentum", 0.0), lo=0.0, hi=1.0)
        if bool(group.get("momentum", 0.0)) != ("momentum_buffer" in self.slots) \
                or bool(group.get("centered", False)) != ("grad_mean" in self.slots):
            raise ValueError(f"{name}: momentum > 0 and centered are fixed at construction for all groups "
                             f"(got momentum={group.get('momentum')!r}, centered={group.get('centered')!r})")

    _eps_inside = False  # TF 1.x's variant (compat.v1) adds ε inside the square root

    def _delta(self, xp, grad, st, group, lr, step, out):
        return T.rmsprop_delta(xp, grad, st["grad_squared"], lr, group["decay"], group["eps"], out,
                               momentum_buffer=st.get("momentum_buffer"), momentum=group["momentum"],
                               grad_mean=st.get("grad_mean"), eps_inside=self._eps_inside)


class Adadelta(Optimizer):
    """Adadelta [Zeiler, 2012]: ``x ← x − α·u`` with ``u = √(E[Δx²] + ε) / √(E[g²] + ε) · ∇f``.

    ``E[g²]`` and ``E[Δx²]`` are running averages (rate ``rho``) of the squared
    gradients and of the squared steps ``u²``; the ratio of their square roots
    gives each coordinate a step in the units of ``x`` itself, so ``lr = 1`` is
    the paper's rule. Defaults are PyTorch's (``lr=1.0, rho=0.9, eps=1e-6``);
    TF 1.x's are ``lr=0.001, rho=0.95, eps=1e-8``.
    """

    slots = ("square_avg", "acc_delta")

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, max_grad_norm=None, lecture_decay=0.0):
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                                  "lecture_decay": lecture_decay}, max_grad_norm=max_grad_norm)

    def _check_group(self, group, defaults=False):
        super()._check_group(group, defaults)
        check_range(type(self).__name__, "rho", group["rho"], lo=0.0, hi=1.0)
        check_range(type(self).__name__, "eps", group["eps"], lo=0.0, lo_open=True)

    def _delta(self, xp, grad, st, group, lr, step, out):
        return T.adadelta_delta(xp, grad, st["square_avg"], st["acc_delta"], lr, group["rho"], group["eps"], out)


class Ftrl(Optimizer):
    """FTRL-Proximal [McMahan et al., 2013] ("Ad Click Prediction: a View from the Trenches"), as TF's Ftrl.

    Per coordinate, with ``n`` the sum of squared gradients (started at
    ``initial_accumulator_value``) and ``z`` the "linear" accumulator::

        n' = n + g²;   z ← z + g − (n'^(−p) − n^(−p))/α · w
        w ← (clip(z, −λ₁, λ₁) − z) / (n'^(−p)/α + 2λ₂)

    ``p = lr_power`` (−½), ``λ₁ = l1`` gives exact zeros (sparse models),
    ``λ₂ = l2``; ``l2_shrinkage`` adds ``2λ·w`` to the gradient in ``z`` only.
    ``weight_decay``/``lecture_decay`` are not offered (use ``l2``).
    """

    slots = ("accumulator", "linear")
    needs_param = True

    def __init__(self, params, lr=0.001, lr_power=-0.5, initial_accumulator_value=0.1, l1=0.0, l2=0.0,
                 l2_shrinkage=0.0, max_grad_norm=None):
        check_range("Ftrl", "initial_accumulator_value", initial_accumulator_value, lo=0.0)
        self.slot_init = {"accumulator": float(initial_accumulator_value)}
        super().__init__(params, {"lr": lr, "lr_power": lr_power, "l1": l1, "l2": l2, "l2_shrinkage": l2_shrinkage},
                         max_grad_norm=max_grad_norm)

    def _check_group(self, group, defaults=False):
        super()._check_group(group, defaults)
        if not callable(group["lr"]) and group["lr"] <= 0:
            raise ValueError(f"Ftrl: lr must be > 0 (the rule divides by it), got {group['lr']!r}")
        check_range("Ftrl", "lr_power", group["lr_power"], lo=None, hi=0.0, hi_open=False)
        for k in ("l1", "l2", "l2_shrinkage"):
            check_range("Ftrl", k, group[k])

    def _delta(self, xp, grad, st, group, lr, step, out):
        return T.ftrl_delta(xp, grad, st["accumulator"], st["linear"], st["param"], lr, group["lr_power"],
                            group["l1"], group["l2"], group["l2_shrinkage"], out)


class Adam(Optimizer):
    """Adam (seed 002, second listing, with ``t`` counting from 1)::

        m ← β1·m + (1 − β1)·∇f;   v ← β2·v + (1 − β2)·∇f²
        m̂ = m / (1 − β1^t);      v̂ = v / (1 − β2^t)
        x ← x − α·m̂ / (√v̂ + ε)

    ``betas = (β1, β2)``; the notes' starting point is β1 = 0.9, β2 = 0.999,
    α = 1e-3 or 5e-4. ``weight_decay = λ`` adds ``λ·x`` to the gradient before the
    moments (``torch.optim.Adam``'s L2); ``lecture_decay = ε`` is seed 001's
    ``x ← x·(1 − ε)`` after the step. (For decay decoupled from the moments and
    scaled by the learning rate, use :class:`AdamW`.)
    """

    slots = ("first_moment", "second_moment")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, max_grad_norm=None,
                 lecture_decay=0.0):
        super().__init__(params, {"lr": lr, "betas": _pair(betas), "eps": eps, "weight_decay": weight_decay,
                                  "lecture_decay": lecture_decay}, max_grad_norm=max_grad_norm)

    def _check_group(self, group, defaults=False):
        super()._check_group(group, defaults)
        name = type(self).__name__
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        check_range(name, "betas[0]", betas[0], lo=0.0, hi=1.0)
        check_range(name, "betas[1]", betas[1], lo=0.0, hi=1.0)
        check_range(name, "eps", group["eps"])

    def _eps(self, group, step) -> float:
        """The ε of step ``step`` (the group's ``eps``; compat.v1's TF variant rescales it per step)."""
        return group["eps"]

    def _delta(self, xp, grad, st, group, lr, step, out):
        b1, b2 = group["betas"]
        return T.adam_delta(xp, grad, st["first_moment"], st["second_moment"], step, lr, b1, b2,
                            self._eps(group, step), out)

    def _fused_step(self, param, grad, st, group, lr, step) -> bool:
        """The whole step of one parameter in one pass (:func:`neuralab.backend.kernels.adam_flat`).

        Only where it gives the generic path's bits: Numba installed (the NumPy fallback of ``adam_flat``
        is the same passes as the generic path, which also splits big parameters over the cores),
        ``_apply_delta`` not overridden (AdamW's decay) and no ``lecture_decay``, contiguous arrays of
        one floating dtype. Measured on 784x512 float32: 0.08 ms CPU against 0.40 ms for the passes.
        """
        if (group.get("lecture_decay") or type(self)._apply_delta is not Optimizer._apply_delta
                or grad.dtype != param.dtype or _kernels.active() != "numba"):
            return False
        m, v = st["first_moment"], st["second_moment"]
        if not (param.flags.c_contiguous and m.flags.c_contiguous and v.flags.c_contiguous):
            return False
        b1, b2 = group["betas"]
        _kernels.adam_flat(param.reshape(-1), np.ascontiguousarray(grad).reshape(-1), m.reshape(-1), v.reshape(-1),
                           step, lr, b1, b2, self._eps(group, step))
        return True


class AdamW(Adam):
    """Adam with decoupled weight decay [Loshchilov and Hutter, 2019].

    ``x ← x·(1 − α·λ)``, then the Adam step ``x ← x − α·m̂ / (√v̂ + ε)``: the
    decay ``λ = weight_decay`` is scaled by the learning rate and taken from the
    parameters before the step, never through the gradient or the moments (the
    same as ``torch.optim.AdamW``). ``lecture_decay = ε`` may be added on top
    (seed 001's ``x ← x·(1 − ε)`` after the step).
    """

    decoupled_weight_decay = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, max_grad_norm=None,
                 lecture_decay=0.0):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         max_grad_norm=max_grad_norm, lecture_decay=lecture_decay)

    def _apply_delta(self, xp, param, delta, group, lr):
        wd = group["weight_decay"]
        if wd:
            T.decay_(xp, param, lr * wd)
        super()._apply_delta(xp, param, delta, group, lr)


def _pair(b):
    return tuple(b) if isinstance(b, (list, tuple)) else b
