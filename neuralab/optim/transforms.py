"""The update rules, each written once as an in-place kernel over raw arrays.

Every kernel computes the lecture's weight change ``Δw`` for one array of
parameters (or for all of a parameter group at once, flattened), updating its
state arrays in place, and returns the array holding ``Δw``; the caller then
applies ``w ← w + Δw`` (seed 001's "general updating of W"). Writing into the
caller's scratch array ``out`` (same shape as ``grad``) with ``out=`` keeps
the kernels free of temporaries, so a step allocates nothing.

Kernels get the array module ``xp`` (NumPy or CuPy) like an op's ``forward``,
never mutate ``grad``, and are shared by the eager ``step()``, the concrete
``apply_gradients`` and the stateful update op that compiled functions replay,
so the three give bit-identical results.

>>> import numpy as np
>>> w, g, v, out = np.ones(2), np.array([1.0, -2.0]), np.zeros(2), np.empty(2)
>>> w += velocity_momentum_delta(np, g, v, lr=0.1, rho=0.9, out=out)
>>> w                       # v = 0.9*0 + g;  w = w - 0.1*v
array([0.9, 1.2])
"""
from __future__ import annotations

import math

__all__ = [
    "adadelta_delta", "adagrad_delta", "adam_delta", "accumulated_momentum_delta",
    "clip_scale", "decay_", "ftrl_delta", "global_norm", "l2_gradient",
    "nesterov_delta", "rmsprop_delta", "sgd_delta", "velocity_momentum_delta",
]


def sgd_delta(xp, grad, lr, out):
    """Plain gradient descent (seed 002, "SGD"): ``Δw = −α·∇f``.

    Returns ``out`` holding ``Δw``; so ``x_{t+1} = x_t − α∇f(x_t)``.
    """
    return xp.multiply(grad, -lr, out=out)


def velocity_momentum_delta(xp, grad, velocity, lr, rho, out):
    """SGD+Momentum in seed 002's velocity form.

    ``v ← ρ·v + ∇f``;  ``Δw = −α·v``  (so ``x ← x − α·v``). ``velocity`` is
    updated in place and is in gradient units; ``ρ`` is the "friction".
    """
    velocity *= rho
    velocity += grad
    return xp.multiply(velocity, -lr, out=out)


def accumulated_momentum_delta(xp, grad, m, lr, beta, out):
    """Momentum in seed 001's form: ``Δw = −α·∇f``;  ``m = Δw + β·m̄``;  ``w ← w + m``.

    ``m`` (the previous momentum ``m̄`` on entry, starting at 0) is updated in
    place, is in parameter units, and is returned as the weight change. With a
    constant learning rate it equals ``−α·v`` of :func:`velocity_momentum_delta`
    with ``ρ = β``, so both forms follow the same trajectory.
    """
    m *= beta
    xp.multiply(grad, -lr, out=out)
    m += out
    return m


def nesterov_delta(xp, grad, velocity, lr, rho, out):
    """Nesterov momentum (seed 002), in the look-ahead-free form.

    ``v ← ρ·v + ∇f``;  ``Δw = −α·(∇f + ρ·v)``. This is the lecture's update
    ``v_{t+1} = ρv_t − α∇f(x_t + ρv_t)`` after the change of variables
    ``x̃ = x + ρv`` (with ``v`` in gradient units, scaled by ``−α``), so the
    gradient is taken at the stored parameters.
    """
    velocity *= rho
    velocity += grad
    xp.multiply(velocity, rho, out=out)
    out += grad
    out *= -lr
    return out


def adagrad_delta(xp, grad, grad_squared, lr, eps, out):
    """AdaGrad [Duchi et al., 2011] as in seed 002.

    ``G ← G + ∇f²``;  ``Δw = −α·∇f / (√G + ε)`` (ε = 1e-7 in the notes, added
    outside the square root).
    """
    xp.multiply(grad, grad, out=out)
    grad_squared += out
    xp.sqrt(grad_squared, out=out)
    out += eps
    xp.divide(grad, out, out=out)
    out *= -lr
    return out


def rmsprop_delta(xp, grad, grad_squared, lr, decay, eps, out, momentum_buffer=None, momentum=0.0,
                  grad_mean=None, eps_inside=False):
    """RMSProp [Tieleman and Hinton, 2012] as in seed 002, optionally centered [Graves, 2013] and with momentum.

    ``G ← d·G + (1 − d)·∇f²``;  ``Δw = −α·∇f / (√G + ε)`` (ε outside the root).

    With ``grad_mean`` (the centered variant) the mean gradient is tracked too,
    ``M ← d·M + (1 − d)·∇f``, and ``G`` is replaced by the variance estimate
    ``G − M²``. With ``eps_inside`` the denominator is ``√(G + ε)`` (TF 1.x,
    Keras) instead of ``√G + ε``. With ``momentum_buffer`` the scaled step
    accumulates, the learning rate applied as each gradient arrives (TF's
    ``mom`` slot, in parameter units)::

        b ← ρ·b + α·∇f / denominator;   Δw = −b

    which is ``torch.optim.RMSprop(momentum=ρ)`` exactly while ``α`` is constant.
    """
    grad_squared *= decay
    xp.multiply(grad, grad, out=out)
    out *= 1.0 - decay
    grad_squared += out
    if grad_mean is not None:
        grad_mean *= decay
        xp.multiply(grad, 1.0 - decay, out=out)
        grad_mean += out
        xp.multiply(grad_mean, grad_mean, out=out)
        xp.subtract(grad_squared, out, out=out)
        den = out
    else:
        den = grad_squared
    if eps_inside:
        xp.add(den, eps, out=out)
        xp.sqrt(out, out=out)
    else:
        xp.sqrt(den, out=out)
        out += eps
    xp.divide(grad, out, out=out)
    if momentum_buffer is None:
        out *= -lr
        return out
    momentum_buffer *= momentum
    out *= lr
    momentum_buffer += out
    return xp.negative(momentum_buffer, out=out)


def ftrl_delta(xp, grad, accumulator, linear, param, lr, lr_power, l1, l2, l2_shrinkage, out):
    """FTRL-Proximal [McMahan et al., 2013], as TF's ``FtrlOptimizer``: the new weight in closed form.

    With ``n`` the accumulated squared gradient and ``p = lr_power`` (−½: AdaGrad-like rates)::

        n' = n + ∇f²
        z ← z + g̃ − (n'^(−p) − n^(−p)) / α · w         (g̃ = ∇f + 2·λ₂ˢʰʳⁱⁿᵏ·w; ``linear`` is z)
        w' = (clip(z, −λ₁, λ₁) − z) / (n'^(−p) / α + 2·λ₂)   (0 where |z| ≤ λ₁: L1 gives exact zeros)
        Δw = w' − w

    ``accumulator`` (n) and ``linear`` (z) are updated in place; ``param`` is
    read, not changed. Two temporaries of the gradient's size are allocated.
    """
    def pw(a, o=None):
        return xp.sqrt(a, out=o) if lr_power == -0.5 else xp.power(a, -lr_power, out=o)

    old = pw(accumulator)
    xp.multiply(grad, grad, out=out)
    accumulator += out
    new = pw(accumulator)
    xp.subtract(new, old, out=old)
    old /= lr
    old *= param  # σ·w
    if l2_shrinkage:
        xp.multiply(param, 2.0 * l2_shrinkage, out=out)
        out += grad
        linear += out
    else:
        linear += grad
    linear -= old
    new /= lr
    if l2:
        new += 2.0 * l2
    xp.clip(linear, -l1, l1, out=out)
    out -= linear
    out /= new
    out -= param
    return out


def adadelta_delta(xp, grad, square_avg, acc_delta, lr, rho, eps, out):
    """Adadelta [Zeiler, 2012]: step sizes from the ratio of two running RMS values, no global scale needed.

    ::

        E[g²] ← ρ·E[g²] + (1 − ρ)·∇f²                 (square_avg)
        u = √(E[Δx²] + ε) / √(E[g²] + ε) · ∇f
        E[Δx²] ← ρ·E[Δx²] + (1 − ρ)·u²                (acc_delta)
        Δw = −α·u

    (``α = 1`` is the paper's rule; TF 1.x and PyTorch scale it by ``lr``.)
    The ratio needs both square roots, so one temporary of the gradient's size
    is allocated.
    """
    square_avg *= rho
    xp.multiply(grad, grad, out=out)
    out *= 1.0 - rho
    square_avg += out
    num = xp.add(acc_delta, eps)
    xp.sqrt(num, out=num)
    xp.add(square_avg, eps, out=out)
    xp.sqrt(out, out=out)
    xp.divide(num, out, out=out)
    out *= grad
    acc_delta *= rho
    xp.multiply(out, out, out=num)
    num *= 1.0 - rho
    acc_delta += num
    out *= -lr
    return out


def adam_delta(xp, grad, m, v, step, lr, b1, b2, eps, out):
    """Adam [Kingma and Ba, 2015] with bias correction (seed 002's second listing).

    With ``t = step`` counting from 1::

        m ← β1·m + (1 − β1)·∇f            (first_moment)
        v ← β2·v + (1 − β2)·∇f²           (second_moment)
        m̂ = m / (1 − β1^t);  v̂ = v / (1 − β2^t)
        Δw = −α·m̂ / (√v̂ + ε)

    The two corrections are folded into scalars, using the identity
    ``√v̂ + ε = (√v + ε·√(1 − β2^t)) / √(1 − β2^t)``, so the step costs four
    passes after the moment updates.
    """
    m *= b1
    xp.multiply(grad, 1.0 - b1, out=out)
    m += out
    v *= b2
    xp.multiply(grad, grad, out=out)
    out *= 1.0 - b2
    v += out
    c1 = 1.0 - b1 ** step
    s2 = math.sqrt(1.0 - b2 ** step)
    xp.sqrt(v, out=out)
    out += eps * s2
    xp.divide(m, out, out=out)
    out *= -lr * s2 / c1
    return out


def decay_(xp, param, eps):
    """Weight decay (seed 001): ``W ← W·(1 − ε)`` in place.

    Applied after ``W + ΔW`` it gives the notes' ``W ← (W + ΔW)·(1 − ε)``.
    """
    param *= 1.0 - eps
    return param


def l2_gradient(xp, grad, param, scale, lam, out, tmp):
    """PyTorch's ``weight_decay``: the gradient of ``f + (λ/2)·‖w‖²``, ``g ← scale·g + λ·w``, into ``out``.

    ``scale`` is the clipping factor of the raw gradient (1 without clipping);
    ``tmp`` is a scratch array of ``param``'s shape. ``grad`` is not changed.
    """
    if out is not grad:
        xp.multiply(grad, scale, out=out)
    elif scale != 1.0:
        out *= scale
    xp.multiply(param, lam, out=tmp)
    out += tmp
    return out


def global_norm(xp, arrays) -> float:
    """``‖g‖₂`` over all ``arrays`` together: ``√(Σ_i Σ g_i²)`` (None entries skipped)."""
    total = 0.0
    for a in arrays:
        if a is None:
            continue
        f = a.reshape(-1)
        total += float(xp.dot(f, f))
    return math.sqrt(total)


def clip_scale(norm: float, max_norm: float) -> float:
    """The factor that clips a gradient of norm ``norm`` to ``max_norm``: ``min(1, max_norm / norm)``."""
    if norm > max_norm:
        return max_norm / norm
    return 1.0
