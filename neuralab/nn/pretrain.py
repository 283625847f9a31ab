"""Data-dependent initialization: LSUV and greedy RBM pre-training (Deep Belief Nets).

Both are procedures over a model and a batch of data, not initializer functions:

* :func:`lsuv` (Mishkin & Matas 2015) starts from orthonormal weights and rescales each layer until
  its output has unit variance on the batch.
* :func:`rbm_pretrain` (Hinton, Osindero & Teh 2006) trains one restricted Boltzmann machine per pair of
  adjacent layers, bottom-up, and copies its weights into the network (seed 000: "Apply the RBM idea on
  adjacent two layers as a pre-training step; continue to all layers").

They work on any layer exposing ``.weight`` (a Parameter of shape ``(in, out)`` for Dense, HWIO for
Conv2D), optionally ``.bias`` and ``.activation``, and on containers iterable over their layers
(``neuralab.nn.Sequential``, lists, tuples; nested containers are flattened).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .._core.config import no_grad
from .._core.dtypes import default_float
from .._core.random import get_rng
from .._core.tensor import Tensor, tensor
from .init import normal, orthogonal

__all__ = ["RBM", "PretrainHistory", "lsuv", "rbm_pretrain"]


# ----------------------------------------------------------------------------------- helpers
def _numpy(x) -> np.ndarray:
    if isinstance(x, Tensor):
        return x.numpy()
    return np.asarray(x)


def _flatten(model) -> list:
    """The leaf layers of ``model`` in forward order."""
    if isinstance(model, (list, tuple)):
        items = list(model)
    elif hasattr(model, "weight") and not isinstance(model, Tensor):
        return [model]
    elif hasattr(type(model), "__iter__") and not isinstance(model, (Tensor, np.ndarray, str)):
        items = list(model)
    elif callable(model):
        return [model]
    else:
        raise TypeError(f"expected a layer, a Sequential or a list of layers, got {type(model).__name__}")
    out = []
    for item in items:
        out.extend(_flatten(item))
    return out


def _weight(layer):
    w = getattr(layer, "weight", None)
    if isinstance(w, Tensor) and not w.is_symbolic and w.ndim >= 2:
        return w
    return None


def _input(x) -> Tensor:
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    if arr.dtype.kind != "f":
        arr = arr.astype(default_float())
    return tensor(arr)


def _identity(y):
    return y


def _preactivation(layer, h: Tensor):
    """(layer output without its activation, layer output) for input ``h``.

    The activation is found in ``.activation`` (the documented interface; a Module activation is a
    registered child there) or in neuralab's private ``_act_fn`` (a resolved function), swapped for an
    identity of the same kind for one call, put back, then applied to the pre-activation.
    """
    slot, act = None, None
    for name in ("_act_fn", "activation"):
        value = getattr(layer, name, None)
        if value is not None:
            slot, act = name, value
            break
    if act is None:
        y = layer(h)
        return y, y
    from .module import Lambda, Module

    ident = Lambda(_identity) if isinstance(act, Module) else _identity
    plain = slot in getattr(layer, "__dict__", {})
    setter = object.__setattr__ if plain else setattr  # a registered member goes through __setattr__
    setter(layer, slot, ident)
    try:
        pre = layer(h)
    finally:
        setter(layer, slot, act)
    out = act(pre) if callable(act) else layer(h)
    return pre, out


# --------------------------------------------------------------------------------------- LSUV
def lsuv(model, x, tol=0.1, max_iter=10, rng=None, target_var=1.0, orthonormal=True, verbose=False):
    """Layer-sequential unit-variance initialization (D. Mishkin and J. Matas, "All you need is a good
    init", ICLR 2016, Algorithm 1).

    1. Pre-initialize every weighted layer (Dense, Conv2D: any layer with a ``.weight`` of 2+ dims)
       with an orthonormal matrix (:func:`neuralab.init.orthogonal`; Saxe et al. 2014).
    2. For each such layer ``L`` in order, with the data batch ``x`` propagated through the layers
       before it: while ``|Var(B_L) - 1| >= tol`` and fewer than ``max_iter`` steps were taken, set
       ``W_L <- W_L / sqrt(Var(B_L))`` and recompute ``B_L``.

    ``B_L`` is the output blob of the convolution or inner-product layer itself, as in the paper's
    Caffe nets, i.e. the pre-activation ``x @ W + b``: a layer's fused ``.activation`` is switched off
    while its variance is measured (the activation is then applied to feed the next layer). The
    variance is taken over all elements of the batch output. Forward passes run under
    :func:`neuralab.no_grad`. Biases are left as they are (normally zero).

    Returns ``model`` (modified in place). Warns if a layer does not reach the tolerance.

    >>> # net = Sequential(Dense(20, 20, activation=relu), Dense(20, 20, activation=relu), Dense(20, 5))
    >>> # lsuv(net, x_batch)      # every Dense output now has variance 1 +- 0.1 on x_batch
    """
    if tol <= 0:
        raise ValueError(f"lsuv: tol must be positive, got {tol}")
    gen = get_rng(rng)
    h = _input(x)
    n_weighted = 0
    with no_grad():
        for i, layer in enumerate(_flatten(model)):
            w = _weight(layer)
            if w is None and hasattr(layer, "weight") and getattr(layer, "weight", None) is None:
                layer(h)  # deferred build: create the weights from the input shape
                w = _weight(layer)
            if w is None:
                h = layer(h)
                continue
            if orthonormal:
                w.data[...] = orthogonal(w.shape, dtype=w.dtype, rng=gen)
            pre, out = _preactivation(layer, h)
            var = float(np.var(_numpy(pre), dtype=np.float64))
            steps = 0
            while abs(var - target_var) >= tol and steps < max_iter:
                if not math.isfinite(var) or var <= 0.0:
                    break
                w.data[...] *= np.asarray(math.sqrt(target_var / var), dtype=w.dtype)
                pre, out = _preactivation(layer, h)
                var = float(np.var(_numpy(pre), dtype=np.float64))
                steps += 1
            if verbose:
                print(f"lsuv: layer {i} ({type(layer).__name__}, weight {tuple(w.shape)}): "
                      f"variance {var:.4f} after {steps} step(s)")
            if abs(var - target_var) >= tol:
                warnings.warn(f"lsuv: layer {i} ({type(layer).__name__}) output variance {var:.4g} did not reach "
                              f"{target_var} +- {tol} in {max_iter} steps", RuntimeWarning, stacklevel=2)
            h = out
            n_weighted += 1
    if n_weighted == 0:
        warnings.warn("lsuv: no layer with a .weight of 2+ dimensions found; nothing was initialized",
                      RuntimeWarning, stacklevel=2)
    return model


# ---------------------------------------------------------------------------------------- RBM
def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic


class RBM:
    """A Bernoulli-Bernoulli restricted Boltzmann machine trained by contrastive divergence.

    Energy ``E(v, h) = -v.b - h.c - v W h`` with ``W`` of shape ``(n_visible, n_hidden)`` (the layout of a
    Dense kernel, so ``transform`` is exactly a sigmoid Dense layer):

        ``p(h_j = 1 | v) = sigmoid(v W + c)_j``,   ``p(v_i = 1 | h) = sigmoid(h W^T + b)_i``.

    CD-k (G. Hinton, "Training Products of Experts by Minimizing Contrastive Divergence", 2002): from a
    batch ``v0``, ``h0 ~ p(h | v0)``; then k Gibbs steps ``v_t = p(v | h_{t-1})`` (probabilities, as
    advised in Hinton's "A Practical Guide to Training RBMs", 2010), ``h_t ~ p(h | v_t)``. The update is

        ``dW = (v0^T p(h|v0) - vk^T p(h|vk)) / n``, ``db = mean(v0 - vk)``, ``dc = mean(p(h|v0) - p(h|vk))``

    applied with learning rate ``lr``, optional momentum and L2 weight decay. All of it is vectorized
    NumPy on whole mini-batches. Visible data must lie in [0, 1] (binary or probabilities).

    >>> x = (np.random.default_rng(0).random((100, 6)) < 0.5).astype(float)
    >>> rbm = RBM(6, 3, rng=0)
    >>> errs = rbm.fit(x, epochs=2)
    >>> rbm.transform(x).shape
    (100, 3)
    """

    def __init__(self, n_visible, n_hidden, lr=0.1, k=1, batch_size=32, momentum=0.0, weight_decay=0.0,
                 rng=None, dtype=np.float64):
        if n_visible < 1 or n_hidden < 1:
            raise ValueError(f"RBM: sizes must be positive, got n_visible={n_visible}, n_hidden={n_hidden}")
        if k < 1:
            raise ValueError(f"RBM: k (Gibbs steps) must be >= 1, got {k}")
        self.n_visible, self.n_hidden = int(n_visible), int(n_hidden)
        self.lr, self.k, self.batch_size = float(lr), int(k), int(batch_size)
        self.momentum, self.weight_decay = float(momentum), float(weight_decay)
        self.rng = get_rng(rng)
        self.dtype = np.dtype(dtype)
        # Hinton's guide: small random weights N(0, 0.01^2), zero hidden biases.
        self.W = normal((self.n_visible, self.n_hidden), std=0.01, dtype=self.dtype, rng=self.rng)
        self.b_visible = np.zeros(self.n_visible, self.dtype)
        self.b_hidden = np.zeros(self.n_hidden, self.dtype)
        self._vel = [np.zeros_like(self.W), np.zeros_like(self.b_visible), np.zeros_like(self.b_hidden)]
        self.trained = False

    # -- conditionals ---------------------------------------------------------------------
    def hidden_probs(self, v) -> np.ndarray:
        """``p(h = 1 | v) = sigmoid(v W + c)``."""
        return _sigmoid(self._check(v) @ self.W + self.b_hidden)

    def visible_probs(self, h) -> np.ndarray:
        """``p(v = 1 | h) = sigmoid(h W^T + b)``."""
        return _sigmoid(np.asarray(h, self.dtype) @ self.W.T + self.b_visible)

    def transform(self, v) -> np.ndarray:
        """Hidden activation probabilities ``sigmoid(v W + c)``: the features a DBN passes upward."""
        return self.hidden_probs(v)

    def reconstruct(self, v) -> np.ndarray:
        """Mean-field reconstruction ``sigmoid(sigmoid(v W + c) W^T + b)`` ("recreate input", seed 000)."""
        return self.visible_probs(self.hidden_probs(v))

    def reconstruction_error(self, v) -> float:
        """Mean squared reconstruction error ``mean((v - reconstruct(v))^2)`` over all units and samples."""
        v = self._check(v)
        return float(np.mean((v - self.reconstruct(v)) ** 2))

    def free_energy(self, v) -> np.ndarray:
        """``F(v) = -v.b - sum_j log(1 + exp((v W + c)_j))`` per sample (``p(v)`` is proportional to ``exp(-F(v))``)."""
        v = self._check(v)
        return -(v @ self.b_visible) - np.logaddexp(0.0, v @ self.W + self.b_hidden).sum(axis=1)

    # -- training -------------------------------------------------------------------------
    def contrastive_divergence(self, v0) -> float:
        """One CD-k parameter update on the batch ``v0``; returns the batch's squared reconstruction error."""
        v0 = self._check(v0)
        n = v0.shape[0]
        ph0 = self.hidden_probs(v0)
        ph = ph0
        v = v0
        for _ in range(self.k):
            h = (self.rng.random(ph.shape) < ph).astype(self.dtype)
            v = self.visible_probs(h)
            ph = self.hidden_probs(v)
        grads = (
            (v0.T @ ph0 - v.T @ ph) / n - self.weight_decay * self.W,
            (v0 - v).mean(axis=0),
            (ph0 - ph).mean(axis=0),
        )
        for param, vel, g in zip((self.W, self.b_visible, self.b_hidden), self._vel, grads):
            vel *= self.momentum
            vel += self.lr * g
            param += vel
        self.trained = True
        return float(np.mean((v0 - self.visible_probs(ph0)) ** 2))

    def fit(self, x, epochs=5, verbose=False, init_visible_bias=True) -> list[float]:
        """Train by CD-k over shuffled mini-batches for ``epochs`` passes.

        On the first fit the visible biases start at ``log(p / (1 - p))`` of each unit's mean activity
        (Hinton's guide, section 8) unless ``init_visible_bias=False``. Returns the reconstruction error
        (:meth:`reconstruction_error` on all of ``x``) after each epoch.
        """
        x = self._check(x)
        if init_visible_bias and not self.trained:
            p = np.clip(x.mean(axis=0), 1e-3, 1 - 1e-3)
            self.b_visible[...] = np.log(p / (1 - p))
        history = []
        n = x.shape[0]
        bs = max(1, min(self.batch_size, n))
        for epoch in range(int(epochs)):
            order = self.rng.permutation(n)
            for start in range(0, n, bs):
                self.contrastive_divergence(x[order[start:start + bs]])
            err = self.reconstruction_error(x)
            history.append(err)
            if verbose:
                print(f"RBM {self.n_visible}->{self.n_hidden} epoch {epoch + 1}/{epochs}: "
                      f"reconstruction error {err:.5f}")
        return history

    def _check(self, v) -> np.ndarray:
        v = np.asarray(_numpy(v), dtype=self.dtype)
        if v.ndim == 1:
            v = v[None, :]
        if v.ndim != 2 or v.shape[1] != self.n_visible:
            raise ValueError(f"RBM: expected data of shape (n, {self.n_visible}), got {v.shape}")
        return v

    def __repr__(self):
        return f"RBM(n_visible={self.n_visible}, n_hidden={self.n_hidden}, lr={self.lr}, k={self.k})"


class PretrainHistory(list):
    """What :func:`rbm_pretrain` returns: a list (one entry per pre-trained layer) of per-epoch
    reconstruction errors, with the trained :class:`RBM` objects in ``.rbms``."""

    def __init__(self):
        super().__init__()
        self.rbms: list[RBM] = []


def rbm_pretrain(model_or_layers, x, epochs=5, lr=0.1, k=1, batch_size=32, rng=None, verbose=False):
    """Greedy layer-wise pre-training of a stack of sigmoid Dense layers as a Deep Belief Net.

    G. Hinton, S. Osindero and Y.-W. Teh, "A Fast Learning Algorithm for Deep Belief Nets", Neural
    Computation 2006. For each Dense layer (any layer with a 2-D ``.weight``) bottom-up:

    1. train an :class:`RBM` with visible units = the layer's inputs and hidden units = its outputs
       (``W`` of shape ``(in, out)``) by CD-k on the data propagated through the already pre-trained
       layers below;
    2. copy ``W`` into ``layer.weight`` and the hidden biases ``c`` into ``layer.bias`` (when it has one);
       the RBM's visible biases are kept by the RBM only;
    3. pass the data upward as hidden probabilities ``sigmoid(v W + c)``, which is exactly what a sigmoid
       Dense layer computes, and continue with the next layer.

    ``x`` must lie in [0, 1] (Bernoulli visible units), shape ``(n, in_features)``. The layers should use
    sigmoid activations for the copied weights to mean the same thing; layers without weights are
    skipped. Returns a :class:`PretrainHistory`: ``history[i][e]`` is layer i's reconstruction error
    after epoch e; ``history.rbms[i]`` the trained RBM. Fine-tune with backprop afterwards.

    >>> # net = Sequential(Dense(784, 256, activation=sigmoid), Dense(256, 64, activation=sigmoid), Dense(64, 10))
    >>> # hist = rbm_pretrain(net[:2], x_train_binary, epochs=5)     # then train net as usual
    """
    gen = get_rng(rng)
    data = np.asarray(_numpy(x), dtype=np.float64)
    if data.ndim != 2:
        data = data.reshape(data.shape[0], -1)
    if data.size and (data.min() < 0.0 or data.max() > 1.0):
        raise ValueError("rbm_pretrain: data must lie in [0, 1] for Bernoulli visible units, got range "
                         f"[{data.min():.3g}, {data.max():.3g}]")
    history = PretrainHistory()
    for layer in _flatten(model_or_layers):
        w = _weight(layer)
        if w is None and hasattr(layer, "weight") and getattr(layer, "weight", None) is None:
            with no_grad():
                layer(_input(data[:1]))  # deferred build
            w = _weight(layer)
        if w is None:
            continue
        if w.ndim != 2:
            raise ValueError(f"rbm_pretrain: only Dense layers (2-D weights) can be pre-trained, "
                             f"{type(layer).__name__} has weight of shape {tuple(w.shape)}")
        n_vis, n_hid = w.shape
        if data.shape[1] != n_vis:
            raise ValueError(f"rbm_pretrain: layer {len(history)} ({type(layer).__name__}) expects {n_vis} inputs, "
                             f"but the data reaching it has {data.shape[1]} features")
        rbm = RBM(n_vis, n_hid, lr=lr, k=k, batch_size=batch_size, rng=gen)
        errors = rbm.fit(data, epochs=epochs, verbose=verbose)
        w.data[...] = rbm.W.astype(w.dtype)
        bias = getattr(layer, "bias", None)
        if isinstance(bias, Tensor) and not bias.is_symbolic:
            bias.data[...] = rbm.b_hidden.astype(bias.dtype)
        history.append(errors)
        history.rbms.append(rbm)
        data = rbm.transform(data)
    if not history:
        warnings.warn("rbm_pretrain: no layer with a 2-D .weight found; nothing was pre-trained",
                      RuntimeWarning, stacklevel=2)
    return history
