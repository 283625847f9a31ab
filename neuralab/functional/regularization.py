"""Dropout and batch normalization as functions (lectures "NN dropout and model ensemble", "Batch Normalization").

Both are composites of primitives plus two pieces of state handled by the
graph machinery: dropout's random mask comes from the
:class:`~neuralab.ops.random.BernoulliMask` primitive (drawn afresh each time a
graph or compiled function runs), and batch norm's running statistics are
written with :func:`neuralab.assign` (at once eagerly; as stateful assign nodes
in graphs, which compiled functions run on every call).

``training`` may be a Python bool or a bool Tensor: a placeholder fed at run
time (TF1's ``is_training`` / ``train_mode``) selects between the two
behaviours with ``where`` inside one graph.
"""
from __future__ import annotations

import numbers

import numpy as np

from .._core import graph as _graph
from .._core.errors import ShapeError
from .._core.op import fmt_shape, normalize_axis
from .._core.tensor import Tensor
from ..ops import elementwise as E, reduce as R, shape as S
from ..ops.random import bernoulli_mask
from ..ops.state import assign


_t = Tensor.from_data  # arrays and numbers become Tensors; tf.Tensor-like objects give theirs


def _static_flag(name, training):
    """True/False when ``training`` is known now; None when it is a symbolic bool tensor."""
    if isinstance(training, Tensor):
        if training.data is None:
            if training.dtype.kind != "b":
                raise TypeError(f"{name}: a symbolic `training` must be a bool tensor, got {training.dtype}")
            return None
        if training.size != 1:
            raise ShapeError(f"{name}: `training` must be a scalar, got shape {fmt_shape(training.shape)}")
        return bool(training.data.reshape(()))
    if isinstance(training, (bool, np.bool_, int, np.integer)):
        return bool(training)
    raise TypeError(f"{name}: `training` must be a bool or a bool tensor, got {type(training).__name__}")


def dropout(x, rate, training=True, rng=None, noise_shape=None):
    """Inverted dropout: "randomly set some neurons to zero in the forward pass" (Srivastava et al. 2014).

    Each unit is kept with probability p = 1 - ``rate`` and kept units are
    scaled by 1/p: y_i = x_i m_i / p with m_i ~ Bernoulli(p). So E[y_i] = x_i,
    and at test time the network is used unchanged (no rescaling needed).

    ``rate`` is the probability of dropping, a Python number in [0, 1) or a
    Tensor (e.g. a placeholder fed at run time; TF1 code feeds ``keep_prob``,
    pass ``rate = 1 - keep_prob``). ``rate == 0`` or ``training=False``
    returns ``x`` itself. ``training`` may also be a bool placeholder.
    ``rng``: a Generator or int seed; None draws from neuralab's global
    generator at run time, so ``neuralab.seed(s)`` reproduces the masks. Every
    run of a graph or compiled function draws a new mask.

    ``noise_shape`` (TF's argument): the shape of the mask, which is broadcast
    against x, so units along an axis of size 1 are kept or dropped together
    (``(N, 1, 1, C)`` drops whole feature maps of an NHWC batch). Each entry is
    1, x's size along that axis, or None (x's size, also when known only at
    run time); a shorter shape is aligned with x's last axes, the mask being
    shared along the leading ones. A 1-D integer tensor (e.g. built from
    :func:`neuralab.shape_of`) is accepted too.

    >>> y = dropout(nl.tensor(np.ones((200, 50))), 0.5)
    >>> sorted(set(y.numpy().ravel().tolist())), bool(abs(y.numpy().mean() - 1.0) < 0.05)  # 0 or 1/p; mean 1
    ([0.0, 2.0], True)
    >>> dropout(nl.tensor(np.ones(3)), 0.5, training=False).numpy()   # inference: x itself
    array([1., 1., 1.])
    """
    x = _t(x)
    flag = _static_flag("dropout", training)
    if flag is False:
        return x
    if isinstance(rate, numbers.Real) or (isinstance(rate, Tensor) and rate.data is not None and rate.size == 1):
        r = float(rate.data.reshape(())) if isinstance(rate, Tensor) else float(rate)
        if not 0.0 <= r < 1.0:
            raise ValueError(f"dropout: rate must be in [0, 1) (the probability of dropping a unit), got {r}")
        if r == 0.0:
            return x
        keep = 1.0 - r
    else:
        rate = _t(rate)
        keep = E.subtract(1, rate)
    like = x if noise_shape is None else _noise_like(x, noise_shape)
    y = E.multiply(x, bernoulli_mask(like, keep, rng=rng, scale=True))
    if flag is None:
        y = E.where(training, y, x)
    return y


def _noise_like(x, noise_shape):
    """A tensor with the mask's shape for ``bernoulli_mask``: a slice of x (a view, symbolic when x is).

    Slicing x rather than making a new tensor keeps the mask a graph node that
    is drawn at every run whenever x is symbolic. A symbolic shape tensor gives
    a zeros tensor of that run-time shape instead.
    """
    if isinstance(noise_shape, Tensor) or (isinstance(noise_shape, (list, tuple)) and any(
            isinstance(d, Tensor) for d in noise_shape)):
        dims = S._shape_arg("dropout", noise_shape)
        if not isinstance(dims, tuple):
            return S.zeros(dims, dtype=x.dtype)
        noise_shape = dims
    if isinstance(noise_shape, numbers.Integral):
        noise_shape = (noise_shape,)
    ns = tuple(None if d is None else int(d) for d in noise_shape)
    if x.shape is None:
        raise ShapeError(f"dropout: noise_shape {ns} needs the rank of x, which is unknown")
    nd = x.ndim
    if len(ns) > nd:
        raise ShapeError(f"dropout: noise_shape {ns} has more entries than x of shape {fmt_shape(x.shape)} has axes")
    index = [slice(0, 1)] * (nd - len(ns))
    for i, (d, n) in enumerate(zip(ns, x.shape[nd - len(ns):])):
        if d is None or (n is not None and d == n):
            index.append(slice(None))
        elif d == 1:
            index.append(slice(0, 1))
        elif n is None and d > 1:
            index.append(slice(0, d))  # a different run-time size fails to broadcast in the multiply
        else:
            raise ShapeError(f"dropout: noise_shape {ns} does not broadcast to x of shape {fmt_shape(x.shape)} "
                             f"(entry {i} is {d}: use 1, None or the size of x's axis)")
    return S.getitem(x, tuple(index))


def _variable(name, what, t, c):
    if not isinstance(t, Tensor) or t.data is None:
        raise TypeError(f"batch_norm: `{what}` must be a concrete Tensor (a variable holding the running "
                        f"statistic), got {type(t).__name__ if not isinstance(t, Tensor) else 'a symbolic tensor'}")
    if c is not None and tuple(t.shape) != (c,):
        raise ShapeError(f"batch_norm: `{what}` of shape {fmt_shape(t.shape)} does not fit {c} features "
                         f"(expected ({c},))")
    return t


def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.9, eps=1e-3, axis=-1,
               update_collection="update_ops", run_updates=True):
    """Batch normalization (Ioffe & Szegedy 2015), per feature along ``axis``.

    Training (statistics of the mini-batch B = {x_1..m}, over every axis but
    ``axis``, so (N, C) dense and (N, H, W, C) conv inputs both work)::

        mu_B = (1/m) sum_i x_i                      # mini-batch mean
        sigma2_B = (1/m) sum_i (x_i - mu_B)^2       # mini-batch variance (biased, 1/m)
        x_hat_i = (x_i - mu_B) / sqrt(sigma2_B + eps)
        y_i = gamma x_hat_i + beta                  # scale and shift

    and the running statistics follow the lecture's decay (TF's ``decay=0.9``)::

        running_mean <- momentum * running_mean + (1 - momentum) * mu_B
        running_var  <- momentum * running_var  + (1 - momentum) * sigma2_B

    Evaluation normalizes with running_mean/running_var instead and changes no state.

    ``gamma``/``beta``: learnable scale and shift of shape (C,), or None to
    leave them out. ``running_mean``/``running_var``: concrete Tensors of shape
    (C,), updated with :func:`neuralab.assign` (at once eagerly; in a graph the
    assign nodes run whenever the output is evaluated, like TF's
    ``updates_collections=None``, and are also added to the graph's
    ``update_collection``, ``"update_ops"`` by default; with
    ``run_updates=False`` they are only added there and run when fetched, TF's
    default). ``training``: a bool, or a bool Tensor such as
    a placeholder; then batch vs running statistics are chosen with ``where``
    and the update writes the old value back when it is False.

    >>> x = nl.tensor(np.array([[1.0, 10.0], [3.0, 30.0]]))
    >>> rm, rv = nl.tensor(np.zeros(2)), nl.tensor(np.ones(2))
    >>> y = batch_norm(x, None, None, rm, rv, training=True)
    >>> y.numpy().round(4)                       # per feature: (x - mu_B) / sqrt(sigma2_B + eps)
    array([[-0.9995, -1.    ],
           [ 0.9995,  1.    ]])
    >>> rm.numpy(), rv.numpy()                   # 0.9 * old + 0.1 * batch statistics
    (array([0.2, 2. ]), array([ 1. , 10.9]))
    """
    x = _t(x)
    nd = x.ndim
    if nd < 2:
        raise ShapeError(f"batch_norm: expected a batch of at least 2 dims (N, ..., C), got shape "
                         f"{fmt_shape(x.shape)}")
    (ax,) = normalize_axis("batch_norm", axis, nd)
    c = x.shape[ax]
    _variable("batch_norm", "running_mean", running_mean, c)
    _variable("batch_norm", "running_var", running_var, c)
    if not 0.0 <= float(momentum) <= 1.0:
        raise ValueError(f"batch_norm: momentum (the running statistics' decay) must be in [0, 1], got {momentum}")
    flag = _static_flag("batch_norm", training)
    red = tuple(i for i in range(nd) if i != ax)

    # In a graph the running statistics and gamma/beta are state that changes between runs: they
    # enter it through read nodes (neuralab.read), so every op using them reads their value at run
    # time, also in a graph built in the implicit default graph (TF1 style).
    graph_mode = x.data is None or (isinstance(training, Tensor) and training.data is None)

    def live(t):
        if t is None or not graph_mode or (isinstance(t, Tensor) and t.data is None):
            return t
        return _graph.read(_t(t))  # (whatever tensor is passed here is state: batch norm's own, or the caller's)

    rm, rv, gamma, beta = live(running_mean), live(running_var), live(gamma), live(beta)

    def expand(p):  # (C,) -> broadcastable along ``ax``
        return p if ax == nd - 1 else S.reshape(p, (-1,) + (1,) * (nd - 1 - ax))

    def normalize(centered, var):
        inv = E.divide(1, E.sqrt(E.add(var, eps)))
        scale = inv if gamma is None else E.multiply(gamma, inv)
        y = E.multiply(centered, expand(scale))
        return y if beta is None else E.add(y, expand(beta))

    if flag is False:
        return normalize(E.subtract(x, expand(rm)), rv)

    mu = R.mean(x, axis=red)
    centered = E.subtract(x, expand(mu))
    var = R.mean(E.multiply(centered, centered), axis=red)

    # running statistics: running <- momentum * running + (1 - momentum) * batch
    m = float(momentum)
    new_mean = E.add(E.multiply(m, rm), E.multiply(1.0 - m, E.stop_gradient(mu)))
    new_var = E.add(E.multiply(m, rv), E.multiply(1.0 - m, E.stop_gradient(var)))
    if flag is None:
        new_mean = E.where(training, new_mean, rm)
        new_var = E.where(training, new_var, rv)
    updates = (assign(running_mean, new_mean), assign(running_var, new_var))

    symbolic = any(u.data is None for u in updates)
    if not symbolic:
        return normalize(centered, var)
    g = next((t._graph for t in (x, *updates) if t._graph is not None), None) or _graph.get_default_graph()
    if update_collection:
        for u in updates:
            g.add_to_collection(update_collection, u._op)
    with g.control_dependencies(updates if run_updates else ()):  # evaluating the output runs the updates
        if flag is True:
            return normalize(centered, var)
        mean_used = E.where(training, mu, rm)
        var_used = E.where(training, var, rv)
        return normalize(E.subtract(x, expand(mean_used)), var_used)


__all__ = ["batch_norm", "dropout"]
