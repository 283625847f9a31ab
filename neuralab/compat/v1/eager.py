"""Eager execution: ``tf.enable_eager_execution()``, ``tf.GradientTape`` and the gradient functions of ``tfe``.

After ``tf.enable_eager_execution()`` the adapter runs every op at once on
neuralab's eager tensors (``_types.MODE.eager``): ``tf.constant`` and random
ops give values, ``tensor.numpy()`` returns them, a ``tf.Variable`` holds its
value itself (its storage is a neuralab leaf that requires gradients) and
optimizers update it in place (:mod:`neuralab.compat.v1.train`). Graph-only
APIs raise TF's errors (``tf.placeholder``, running a ``tf.Session``).

Gradients follow TF's tape semantics on neuralab's define-by-run autograd:
operations are recorded only while a :class:`GradientTape` is recording
(outside every tape the adapter computes under :func:`neuralab.no_grad`), a
tape watches the trainable Variables used inside it automatically and other
tensors when ``watch``-ed, and ``tape.gradient(target, sources)`` is
:func:`neuralab.gradients`. A ``gradient`` call made while another tape is
recording builds its result with ``create_graph=True``, so nested tapes give
second derivatives.
"""
from __future__ import annotations

import contextlib

import numpy as np

from ..._core import config as _config, graph as _graph
from ..._core.autograd import gradients as _nl_gradients
from ..._core.tensor import Tensor
from . import _types
from ._base import as_tensor
from .missing import module_getattr

__getattr__ = module_getattr(__name__, "tf")


def enable_eager_execution(config=None, device_policy=None, execution_mode=None):
    """tf.enable_eager_execution: run every op at once, for the rest of the program.

    As in TF it must come before any graph is built (ValueError otherwise);
    calling it again is harmless.
    """
    if _types.MODE.eager:
        return
    if _graph.get_default_graph().ops:
        raise ValueError("tf.enable_eager_execution must be called at program startup.")
    _types.MODE.eager = True


def executing_eagerly() -> bool:
    """tf.executing_eagerly: True after ``tf.enable_eager_execution()``."""
    return _types.MODE.eager


def _flatten(x, out):
    """Flatten nested lists/tuples/dicts; returns a function rebuilding the structure from a flat list."""
    if isinstance(x, dict):
        keys = list(x)
        subs = [_flatten(x[k], out) for k in keys]
        return lambda vals: {k: s(vals) for k, s in zip(keys, subs)}
    if isinstance(x, (list, tuple)):
        subs = [_flatten(e, out) for e in x]
        kind = type(x)
        return lambda vals: kind(s(vals) for s in subs)
    i = len(out)
    out.append(x)
    return lambda vals: vals[i]


def accessed_variables(value) -> list:
    """The eager tf.Variables that ``value`` (a recorded eager tensor) was computed from, in creation order."""
    t = as_tensor(value)
    if not isinstance(t, Tensor):
        return []
    found, seen, stack = {}, set(), [t]
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if x._op is None:
            v = _types.eager_variable_of(x)
            if v is not None:
                found[id(x)] = v
            continue
        stack.extend(x._op.inputs)
    order = list(_types.MODE.variables)
    return sorted(found.values(), key=lambda v: order.index(id(v._var)))


class GradientTape:
    """tf.GradientTape: records operations while active; ``gradient(target, sources)`` differentiates them.

    ``persistent=True`` allows several ``gradient`` calls (else the second
    raises RuntimeError, as in TF). Trainable Variables used inside are watched
    automatically unless ``watch_accessed_variables=False``; other tensors with
    :meth:`watch`. Sources that the target does not depend on get None (or
    zeros with ``unconnected_gradients="zero"``). For example
    ``with tf.GradientTape() as tape: y = w * w`` then ``tape.gradient(y, w)``
    is ``2 w``.
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        if not _types.MODE.eager:
            raise RuntimeError("tf.GradientTape needs eager execution: call tf.enable_eager_execution() at program "
                               "startup (in a graph, use tf.gradients)")
        self._persistent = bool(persistent)
        self._watch_accessed = bool(watch_accessed_variables)
        self._watched = {}  # id(neuralab tensor) -> tensor
        self._recording = False
        self._used = False

    def __enter__(self):
        self._push()
        return self

    def __exit__(self, *exc):
        self._pop()
        return False

    def _push(self):
        if self._recording:
            raise ValueError("Tape is still recording, This can happen if you try to re-enter an already-active "
                             "tape.")
        self._recording = True
        _types.MODE.tapes += 1

    def _pop(self):
        if self._recording:
            self._recording = False
            _types.MODE.tapes -= 1

    def watch(self, tensor):
        """Record gradients with respect to ``tensor`` (a tensor, Variable or nested list of them)."""
        flat = []
        _flatten(tensor, flat)
        for x in flat:
            t = as_tensor(x)
            if not isinstance(t, Tensor):
                raise ValueError(f"GradientTape.watch: expected a tensor or Variable, got {type(x).__name__}")
            if t.dtype.kind != "f":
                continue  # TF warns and ignores integer tensors
            t.requires_grad = True
            self._watched[id(t)] = t

    @contextlib.contextmanager
    def stop_recording(self):
        """Inside this block operations are not recorded (for this and every other tape)."""
        if not self._recording:
            raise ValueError("Tape must be recording when stop_recording is called.")
        self._pop()
        try:
            yield
        finally:
            self._push()

    def reset(self):
        """Forget what was watched (variables used afterwards are watched again)."""
        self._watched.clear()
        self._used = False

    def watched_variables(self):
        """The Variables watched explicitly (TF also lists those accessed; see :func:`accessed_variables`)."""
        return [v for v in (_types.eager_variable_of(t) for t in self._watched.values()) if v is not None]

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        """d(sum of target)/d(source) for each source, in the structure of ``sources``.

        ``output_gradients`` weights the targets (default: ones). A gradient
        taken while another tape is recording is itself recorded (second
        derivatives).
        """
        if self._used and not self._persistent:
            raise RuntimeError("GradientTape.gradient can only be called once on non-persistent tapes.")
        self._used = True
        tflat, sflat = [], []
        _flatten(target, tflat)
        rebuild = _flatten(sources, sflat)
        tgts = [as_tensor(t) for t in tflat]
        srcs = [as_tensor(s) for s in sflat]
        for s, raw in zip(srcs, sflat):
            if not isinstance(s, Tensor):
                raise ValueError(f"GradientTape.gradient: a source must be a tensor or Variable, got "
                                 f"{type(raw).__name__}")
        if any(not isinstance(t, Tensor) for t in tgts):
            raise ValueError("GradientTape.gradient: the target must be a tensor (or a list of tensors)")
        gys = None
        if output_gradients is not None:
            oflat = []
            _flatten(output_gradients, oflat)
            gys = [None if o is None else as_tensor(o) for o in oflat]
        nested = _types.MODE.tapes > 0  # an outer tape records this gradient computation
        kind = str(getattr(unconnected_gradients, "value", unconnected_gradients)).lower()
        with (_config.enable_grad() if nested else _config.no_grad()):
            gs = _nl_gradients(tgts, srcs, grad_ys=gys, create_graph=nested)
        out = []
        for s, g in zip(srcs, gs):
            if not self._watch_accessed and id(s) not in self._watched:
                g = None
            if g is None and kind == "zero":
                g = Tensor(np.zeros(s.shape, dtype=s.dtype))
            out.append(None if g is None else _types.wrap(g))
        return rebuild(out)

    def jacobian(self, target, sources, **kwargs):
        """Not supported: take ``gradient`` of each element of the target instead."""
        raise NotImplementedError("neuralab.compat.v1: GradientTape.jacobian is not supported; call "
                                  "tape.gradient on each element of the target (persistent=True)")


class UnconnectedGradients:
    """tf.UnconnectedGradients: what ``gradient`` gives for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


# ---------------------------------------------------------------------------------------
# tf.contrib.eager's gradient functions
# ---------------------------------------------------------------------------------------

def _as_eager(x):
    """An argument as an eager tensor (Python numbers and lists by TF's dtype rules: floats are float32)."""
    from ._base import as_graph_tensor

    return x if isinstance(as_tensor(x), Tensor) else _types.wrap(as_graph_tensor(x))


def value_and_gradients_function(f, params=None):
    """tfe.value_and_gradients_function(f, params): a function returning ``(f(*args), [df/d args[i]])``.

    ``params`` lists the argument positions (or names) to differentiate (default: all).
    """
    import inspect

    def call(*args, **kwargs):
        targs = [_as_eager(a) for a in args]
        if params is None:
            idx = list(range(len(targs)))
        else:
            names = list(inspect.signature(f).parameters)
            idx = [names.index(p) if isinstance(p, str) else int(p) for p in params]
        with GradientTape() as tape:
            for i in idx:
                tape.watch(targs[i])
            y = f(*targs, **kwargs)
        return y, tape.gradient(y, [targs[i] for i in idx])

    return call


def gradients_function(f, params=None):
    """tfe.gradients_function(f, params): a function returning the list of ``df/d args[i]``."""
    vg = value_and_gradients_function(f, params)

    def call(*args, **kwargs):
        return vg(*args, **kwargs)[1]

    return call


def implicit_value_and_gradients(f):
    """tfe.implicit_value_and_gradients(f): a function returning ``(f(*args), [(gradient, variable), ...])``.

    The variables are the trainable ones ``f`` used (in creation order); ValueError when it used none.
    """

    def call(*args, **kwargs):
        with GradientTape() as tape:
            y = f(*args, **kwargs)
        vs = [v for v in accessed_variables(y) if v.trainable]
        if not vs:
            raise ValueError("No trainable variables were accessed while the function was being computed.")
        return y, list(zip(tape.gradient(y, vs), vs))

    return call


def implicit_gradients(f):
    """tfe.implicit_gradients(f): a function returning ``[(gradient, variable), ...]`` for the variables ``f`` used."""
    vg = implicit_value_and_gradients(f)

    def call(*args, **kwargs):
        return vg(*args, **kwargs)[1]

    return call


__all__ = ["GradientTape", "UnconnectedGradients", "accessed_variables", "enable_eager_execution",
           "executing_eagerly", "gradients_function", "implicit_gradients", "implicit_value_and_gradients",
           "value_and_gradients_function"]
