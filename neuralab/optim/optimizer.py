"""The stateful optimizer wrapper: parameter groups, state buffers, eager and graph updates.

An :class:`Optimizer` owns, for each parameter group and dtype (small and large
parameters apart), one flat preallocated buffer holding every state slot (moments, velocities) with a view
per parameter, plus a scratch buffer the kernels write ``Δw`` into. A subclass
only names its state slots and says which kernel of
:mod:`neuralab.optim.transforms` computes ``Δw``; this class applies
``w ← w + Δw`` (then the optional weight decay ``W ← (W + ΔW)·(1 − ε)``) in
place, so a step allocates nothing.

Three ways to update, one code path:

* ``loss.backward(); opt.step()`` — eager, from each parameter's ``.grad``;
* ``opt.apply_gradients(grads)`` with concrete gradients — the same, at once;
* ``opt.apply_gradients(grads)`` with symbolic gradients (inside
  ``neuralab.compile`` or a define-then-run graph) — records one stateful
  :class:`ApplyUpdates` op that runs the very same update whenever the graph
  runs (``neuralab.run(op)``, ``Session.run(train_op)``, or every call of the
  compiled function).

Small parameters (biases, tiny layers: where Python overhead dominates) have
their gradients gathered into their flat buffer, and each kernel runs once over
all of them; large parameters are updated one by one (cheaper than the extra
gather pass). Both paths share the state views and give identical results.
"""
from __future__ import annotations

import math
import numbers
import os

import numpy as np

from .._core.errors import NeuralabError, ShapeError
from .._core.op import Op, dispatch, fmt_shape
from .._core.tensor import Tensor
from ..backend import writeable as _writeable
from . import transforms as T

# parameters of at most this many elements are updated together: their gradients are gathered
# into one flat buffer and each kernel runs once over all of them; larger ones are updated one
# by one. Measured for Adam on a 2-core Zen 4 (10 arrays of n elements, one by one vs
# together): n = 256: 125 vs 41 us; 2048: 220 vs 99 us; 8192: 255 vs 211 us; 32768: about
# equal; 131072: 4.2 vs 5.8 ms (the gather pass then costs more than the ~10 NumPy calls per
# parameter it saves)
FLAT_MAX_SIZE = 16384


def _xp_of(array):
    from ..backend import get_xp

    return get_xp(array)


class _Flat:
    """State of one dtype (and size class) of a parameter group: flat slot/scratch buffers, per-parameter views."""

    __slots__ = ("dtype", "members", "shapes", "bounds", "state", "slot_flat", "tmp", "tmp_views",
                 "grad", "grad_views", "n", "xp", "use_flat")

    def __init__(self, xp, dtype, members, shapes, slots):
        self.xp = xp
        self.dtype = dtype
        self.members = members  # positions in the group's param list
        self.shapes = shapes
        sizes = [int(np.prod(s, dtype=np.int64)) for s in shapes]
        offs = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).tolist()
        self.bounds = list(zip(offs[:-1], offs[1:]))
        self.n = offs[-1]
        self.state = xp.zeros((len(slots), self.n), dtype=dtype)
        self.slot_flat = {s: self.state[k] for k, s in enumerate(slots)}
        self.tmp = xp.empty(self.n, dtype=dtype)
        self.tmp_views = [self.tmp[a:b].reshape(s) for (a, b), s in zip(self.bounds, shapes)]
        self.grad = None
        self.grad_views = None
        # run each kernel once over the whole flat buffer? (small parameters, decided at construction)
        self.use_flat = len(members) > 1 and max(sizes) <= FLAT_MAX_SIZE

    def grad_buffer(self):
        """The gather/scaling buffer for gradients (allocated on first use)."""
        if self.grad is None:
            self.grad = self.xp.empty(self.n, dtype=self.dtype)
            self.grad_views = [self.grad[a:b].reshape(s) for (a, b), s in zip(self.bounds, self.shapes)]
        return self.grad


class _GroupState:
    """All buffers of one parameter group: a flat per dtype and size class, and each parameter's state dict."""

    __slots__ = ("flats", "states")

    def __init__(self, params, slots):
        buckets: dict = {}  # (dtype, small?) -> positions
        for i, p in enumerate(params):
            buckets.setdefault((p.data.dtype, p.data.size <= FLAT_MAX_SIZE), []).append(i)
        self.flats = []
        self.states = [None] * len(params)
        for (dt, _), members in buckets.items():
            xp = _xp_of(params[members[0]].data)
            shapes = [tuple(params[i].data.shape) for i in members]
            fl = _Flat(xp, dt, members, shapes, slots)
            self.flats.append(fl)
            for j, i in enumerate(members):
                a, b = fl.bounds[j]
                st = {"step": 0}
                for k, s in enumerate(slots):
                    st[s] = fl.state[k, a:b].reshape(shapes[j])
                self.states[i] = st


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def check_range(owner: str, name: str, value, lo=0.0, hi=None, lo_open=False, hi_open=True):
    """Raise ``ValueError("Owner: name must be in [lo, hi), got value")`` unless the number is in range."""
    if not _is_number(value) or (isinstance(value, float) and math.isnan(value)):
        raise ValueError(f"{owner}: {name} must be a number, got {value!r}")
    bad = (value <= lo if lo_open else value < lo) if lo is not None else False
    if hi is not None:
        bad = bad or (value >= hi if hi_open else value > hi)
    if bad:
        left = "(" if lo_open else "["
        right = ")" if hi_open else "]"
        rng = f"{left}{lo}, {hi}{right}" if hi is not None else f"{'>' if lo_open else '>='} {lo}"
        raise ValueError(f"{owner}: {name} must be {'in ' if hi is not None else ''}{rng}, got {value!r}")


class ApplyUpdates(Op):
    """The stateful graph node of one optimizer step: applies ``w ← w + Δw`` to the optimizer's parameters.

    Inputs are the gradients (symbolic tensors); it has no outputs. When run it
    calls the optimizer's update on the gradient arrays — the same in-place
    kernels as the eager ``step()`` — reading the learning rates and other
    hyperparameters from ``optimizer.param_groups`` at run time and advancing
    the step counters, so schedules take effect without retracing. With
    ``lr_input`` the last input is a scalar learning rate computed by the graph
    itself (a decay of a step variable, a fed placeholder), used for every
    group in place of their ``lr``.
    """

    nout = 0
    differentiable = False
    stateful = True
    register = False
    opname = "apply_updates"
    lr_input = False

    def forward(self, xp, *grads):
        lr = None
        if self.lr_input:
            lr = _scalar_lr(grads[-1])
            grads = grads[:-1]
        full = [None] * self.nparams
        for pos, g in zip(self.positions, grads):
            full[pos] = g
        self.optimizer._update(full, lr=lr)
        return ()

    def infer(self, *specs):
        if self.lr_input:
            lr, specs = specs[-1], specs[:-1]
            if lr.shape is not None and any(d is not None and d != 1 for d in lr.shape):
                raise ShapeError(f"apply_gradients: the learning rate must be a scalar, got shape "
                                 f"{fmt_shape(lr.shape)}")
        params = self.optimizer.params
        for pos, s in zip(self.positions, specs):
            ps = params[pos].shape
            if s.shape is not None and (len(s.shape) != len(ps)
                                        or any(a is not None and a != b for a, b in zip(s.shape, ps))):
                raise ShapeError(f"apply_gradients: gradient {pos} of shape {fmt_shape(s.shape)} does not "
                                 f"match parameter {pos} of shape {fmt_shape(ps)}")
        return ()

    def backward(self, grads):
        return (None,) * len(self.inputs)

    def state_reads(self):
        return (*self.optimizer.params, self.optimizer)


class OptimizerState:
    """Everything an optimizer's updates change besides the parameters: moments and step counts.

    Made by :meth:`Optimizer.new_state`; :meth:`Optimizer.set_state` swaps one
    in, so one optimizer (one graph) can serve several sessions or stores,
    each with its own moments (compat.v1's per-Session slot variables).
    """

    __slots__ = ("groups", "state")

    def __init__(self, groups, state):
        self.groups = groups
        self.state = state


class Optimizer:
    """Base class: PyTorch-style API over in-place update kernels.

    ``params`` is an iterable of Tensors (parameters: concrete, floating,
    usually ``requires_grad``) or of dicts ``{"params": [...], "lr": ..., ...}``
    (parameter groups; missing keys come from ``defaults``). Subclasses set
    ``slots`` (the names of the per-parameter state arrays) and implement
    :meth:`_delta` by calling one kernel of :mod:`neuralab.optim.transforms`.

    Every update is ``W ← W + ΔW``. Two kinds of weight decay, each by its own name:

    * ``weight_decay = λ`` (PyTorch's meaning): an L2 term added to the
      gradient before the rule sees it, ``g ← g + λ·W`` (the gradient of
      ``f + (λ/2)‖W‖²``), so ``SGD(lr=0.01, weight_decay=1e-4)`` ported from
      PyTorch behaves as there; AdamW overrides it with its decoupled
      ``W ← W·(1 − α·λ)`` (see :class:`~neuralab.optim.AdamW`);
    * ``lecture_decay = ε``: seed 001's decoupled decay ``W ← (W + ΔW)·(1 − ε)``,
      applied after the step, independent of the learning rate.

    With ``max_grad_norm`` set, the raw gradients of all groups are first
    scaled together by ``min(1, max_grad_norm / ‖g‖₂)`` (global-norm clipping,
    before the L2 term is added, as ``clip_grad_norm_`` before a PyTorch step);
    the last norm seen is kept in ``last_grad_norm``.

    ``state[p]`` is a dict with the parameter's ``"step"`` count and its state
    arrays (views into the group's flat buffer).
    """

    slots: tuple = ()
    #: the value each slot starts at (and returns to with new_state); slots not named start at 0
    slot_init: dict = {}
    #: True when the rule needs the parameter itself: ``_delta`` finds it as ``st["param"]`` (FTRL)
    needs_param: bool = False
    #: True when ``weight_decay`` is decoupled from the gradient (AdamW) instead of an L2 term in it
    decoupled_weight_decay: bool = False

    def __init__(self, params, defaults: dict, max_grad_norm=None):
        self.defaults = dict(defaults)
        if max_grad_norm is not None:
            check_range(type(self).__name__, "max_grad_norm", max_grad_norm, lo=0.0, lo_open=True)
        self.max_grad_norm = max_grad_norm
        self.last_grad_norm = None
        self._check_group(self.defaults, defaults=True)
        self.param_groups: list[dict] = []
        self._groups: list[_GroupState] = []
        self.state: dict = {}
        self._params: list = []
        self._shapes: list = []
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of Tensors or of dicts, "
                            "got a single Tensor (wrap it in a list)")
        if isinstance(params, dict):
            params = [params]
        try:
            items = list(params)
        except TypeError:
            raise TypeError(f"{type(self).__name__}: params must be an iterable of Tensors or of dicts, "
                            f"got {type(params).__name__}") from None
        if not items:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if all(isinstance(x, dict) for x in items):
            for g in items:
                self.add_param_group(g)
        elif any(isinstance(x, dict) for x in items):
            raise TypeError(f"{type(self).__name__}: params mixes Tensors and parameter-group dicts")
        else:
            self.add_param_group({"params": items})

    # -- what a subclass defines ---------------------------------------------------------------
    def _check_group(self, group: dict, defaults: bool = False) -> None:
        """Validate a group's hyperparameters (raises ValueError naming the class and the argument)."""
        name = type(self).__name__
        lr = group.get("lr")
        if lr is None:
            raise ValueError(f"{name}: lr is required")
        if not callable(lr):
            check_range(name, "lr", lr)
        if "weight_decay" in group:
            check_range(name, "weight_decay", group["weight_decay"], lo=0.0, hi=None)
        if "lecture_decay" in group:
            check_range(name, "lecture_decay", group["lecture_decay"], lo=0.0, hi=1.0)

    def _delta(self, xp, grad, st, group, lr, step, out):  # pragma: no cover - abstract
        """Compute ``Δw`` for ``grad`` with state ``st`` (slot name -> array); return the array holding it."""
        raise NotImplementedError

    def _apply_delta(self, xp, param, delta, group, lr) -> None:
        """``W ← W + ΔW``, then the lecture's ``W ← W·(1 − ε)`` when the group has ``lecture_decay = ε``."""
        param += delta
        eps = group.get("lecture_decay", 0.0)
        if eps:
            T.decay_(xp, param, eps)

    def _fused_step(self, param, grad, st, group, lr, step) -> bool:
        """Do one parameter's whole update (``Δw``, then ``_apply_delta``) in one fused kernel, or return False.

        Called for NumPy parameters updated one by one, before the generic path. The base class has no
        fused kernel; a rule that has one (:class:`Adam`) must give exactly what the generic path gives.
        """
        return False

    def _l2(self, group) -> float:
        """The L2 coefficient added to the gradient (``weight_decay``; 0 where it is decoupled, as in AdamW)."""
        return 0.0 if self.decoupled_weight_decay else group.get("weight_decay", 0.0)

    # -- parameters ------------------------------------------------------------------------------
    @property
    def params(self) -> list:
        """All parameters, group after group (the order ``apply_gradients`` expects)."""
        return list(self._params)

    def add_param_group(self, group: dict) -> None:
        """Add ``{"params": [...], **hyperparameters}``; missing hyperparameters come from ``defaults``."""
        name = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{name}: a parameter group is a dict with a 'params' entry")
        ps = group["params"]
        ps = [ps] if isinstance(ps, Tensor) else list(ps)
        if not ps:
            raise ValueError(f"{name}: parameter group {len(self.param_groups)} has no parameters")
        seen = {id(p) for p in self._params}
        for k, p in enumerate(ps):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: parameters must be Tensors, got {type(p).__name__} "
                                f"(group {len(self.param_groups)}, item {k})")
            if p.data is None:
                raise TypeError(f"{name}: parameter {k} is a symbolic tensor; parameters must hold values")
            if p.dtype.kind != "f":
                raise TypeError(f"{name}: parameter {k} has dtype {p.dtype}; only floating tensors can be optimized")
            if id(p) in seen:
                raise ValueError(f"{name}: a parameter appears in more than one group (or twice)")
            seen.add(id(p))
        g = dict(self.defaults)
        g.update(group)
        g["params"] = ps
        self._check_group(g)
        gs = self._new_group_state(ps)
        self.param_groups.append(g)
        self._groups.append(gs)
        for p, st in zip(ps, gs.states):
            self.state[p] = st
        self._params.extend(ps)
        self._shapes.extend(tuple(p.data.shape) for p in ps)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad`` (to None; with ``set_to_none=False`` fill it with zeros)."""
        for p in self._params:
            if set_to_none or p.grad is None:
                p.grad = None
            elif isinstance(p.grad, Tensor) and p.grad.data is not None and _writeable(p.grad.data):
                p.grad.data[...] = 0
            else:
                p.grad = Tensor._make(_xp_of(p.data).zeros_like(p.data))

    # -- updates -----------------------------------------------------------------------------------
    def step(self, closure=None):
        """Apply one update from each parameter's ``.grad`` (parameters whose grad is None are skipped).

        ``closure`` (optional) recomputes the loss (calling ``zero_grad`` and
        ``backward``) before the update; its value is returned.
        """
        loss = None
        if closure is not None:
            loss = closure()
        grads = []
        for k, p in enumerate(self._params):
            g = p.grad
            if g is None:
                grads.append(None)
                continue
            if isinstance(g, Tensor):
                if g.data is None:
                    raise NeuralabError(f"{type(self).__name__}.step: parameter {k} has a symbolic .grad; "
                                        "use apply_gradients for graphs")
                g = g.data
            grads.append(g)
        self._update(grads)
        return loss

    def apply_gradients(self, grads, lr=None):
        """Update the parameters with ``grads`` (a list aligned with :attr:`params`; None entries skipped).

        ``Δw`` comes from the optimizer's rule and ``w ← w + Δw`` is applied in
        place. Concrete gradients (Tensors or arrays) update at once and None is
        returned. If any gradient is symbolic (inside ``neuralab.compile`` or a
        graph), one stateful :class:`ApplyUpdates` op is recorded and returned:
        running it (``neuralab.run(op)``; compiled functions run it on every
        call) performs the update with the hyperparameters current at that time.

        ``lr`` (optional) is the learning rate of this update for every group,
        instead of their ``lr``: a number, or a scalar tensor — a symbolic one
        becomes an input of the update op, evaluated each time it runs.
        """
        grads = list(grads) if isinstance(grads, (list, tuple)) else [grads]
        n = len(self._params)
        if len(grads) != n:
            raise ValueError(f"{type(self).__name__}.apply_gradients: got {len(grads)} gradients for "
                             f"{n} parameters")
        lr_symbolic = isinstance(lr, Tensor) and lr.data is None
        symbolic = lr_symbolic or any(isinstance(g, Tensor) and g.data is None for g in grads)
        if not symbolic:
            arrays = [None if g is None else (g.data if isinstance(g, Tensor) else _as_array(g, p))
                      for g, p in zip(grads, self._params)]
            self._update(arrays, lr=None if lr is None else _scalar_lr(lr.data if isinstance(lr, Tensor) else lr))
            return None
        positions = [k for k, g in enumerate(grads) if g is not None]
        inputs = [grads[k] if isinstance(grads[k], Tensor) else Tensor(_as_array(grads[k], self._params[k]))
                  for k in positions]
        op = ApplyUpdates(optimizer=self, positions=positions, nparams=n)
        if lr is not None:
            op.lr_input = True
            inputs.append(lr if isinstance(lr, Tensor) else Tensor(np.asarray(_scalar_lr(lr))))
        dispatch(op, inputs)
        return op

    def minimize(self, loss, params=None):
        """``apply_gradients(gradients(loss, params))``: one update step that lowers ``loss``.

        ``params`` defaults to all of the optimizer's parameters (a subset gets
        gradients, the others are left alone). Returns the update op when
        ``loss`` is symbolic, else None (the update is done).
        """
        from .._core.autograd import gradients

        if params is None:
            targets = self._params
        else:
            targets = list(params)
            known = {id(p) for p in self._params}
            for p in targets:
                if id(p) not in known:
                    raise ValueError(f"{type(self).__name__}.minimize: a tensor in params is not one of the "
                                     "optimizer's parameters")
        gs = gradients(loss, targets)
        by_id = {id(p): g for p, g in zip(targets, gs)}
        return self.apply_gradients([by_id.get(id(p)) for p in self._params])

    def _update(self, grads, lr=None) -> None:
        """The one update path: check every gradient, clip (optional), then run each group's kernels in place.

        ``lr`` (a float), when given, replaces every group's ``lr`` for this update.
        """
        name = type(self).__name__
        arrays = []  # the parameters' arrays, checked before anything is changed
        k = 0
        for gi, group in enumerate(self.param_groups):
            for i, p in enumerate(group["params"]):
                g = grads[k]
                k += 1
                if g is None:
                    arrays.append(None)
                    continue
                pd = _writable(p, self._shapes[k - 1], name, k - 1)
                if g.shape != pd.shape:
                    raise ShapeError(f"{name}: gradient of shape {fmt_shape(g.shape)} does not match parameter "
                                     f"{i} of group {gi} of shape {fmt_shape(pd.shape)}")
                arrays.append(pd)
        scale = 1.0
        if self.max_grad_norm is not None:
            present = [g for g in grads if g is not None]
            xp = _xp_of(present[0]) if present else np
            norm = T.global_norm(xp, present)
            self.last_grad_norm = norm
            scale = T.clip_scale(norm, self.max_grad_norm)
        k = 0
        for group, gs in zip(self.param_groups, self._groups):
            n = len(group["params"])
            self._update_group(group, gs, arrays[k:k + n], grads[k:k + n], scale, lr)
            k += n

    def _update_group(self, group, gs: _GroupState, pds, grads, scale: float, lr=None) -> None:
        lr0 = group["lr"] if lr is None else lr
        l2 = self._l2(group)
        for fl in gs.flats:
            xp = fl.xp
            members = fl.members
            if fl.use_flat and not self.needs_param:
                sts = [gs.states[i] for i in members]
                t0 = sts[0]["step"]
                if all(grads[i] is not None for i in members) and all(s["step"] == t0 for s in sts):
                    self._update_flat(group, fl, pds, grads, sts, t0, scale, lr0)
                    continue
            for j, i in enumerate(members):
                g = grads[i]
                if g is None:
                    continue
                if l2:
                    fl.grad_buffer()
                    g = T.l2_gradient(xp, g, pds[i], scale, l2, fl.grad_views[j], fl.tmp_views[j])
                elif scale != 1.0:
                    fl.grad_buffer()
                    g = xp.multiply(g, scale, out=fl.grad_views[j])
                st = gs.states[i]
                t = st["step"] + 1
                st["step"] = t
                lr = float(lr0(t - 1)) if callable(lr0) else lr0
                if self.needs_param:
                    st = dict(st, param=pds[i])
                if xp is np and self._fused_step(pds[i], g, st, group, lr, t):
                    continue
                if pds[i].size >= _SPLIT_MIN and xp is np and _split_update(self, xp, g, st, group, lr, t,
                                                                          fl.tmp_views[j], pds[i]):
                    continue
                d = self._delta(xp, g, st, group, lr, t, fl.tmp_views[j])
                self._apply_delta(xp, pds[i], d, group, lr)

    def _update_flat(self, group, fl: _Flat, pds, grads, sts, t0, scale, lr0) -> None:
        """Gather the group's gradients into one buffer, run the kernel once, apply per parameter."""
        xp = fl.xp
        G = fl.grad_buffer()
        for j, i in enumerate(fl.members):
            if scale != 1.0:
                xp.multiply(grads[i], scale, out=fl.grad_views[j])
            else:
                fl.grad_views[j][...] = grads[i]
        l2 = self._l2(group)
        if l2:
            for j, i in enumerate(fl.members):
                T.l2_gradient(xp, fl.grad_views[j], pds[i], 1.0, l2, fl.grad_views[j], fl.tmp_views[j])
        t = t0 + 1
        for s in sts:
            s["step"] = t
        lr = float(lr0(t - 1)) if callable(lr0) else lr0
        d = self._delta(xp, G, fl.slot_flat, group, lr, t, fl.tmp)
        for i, (a, b), shape in zip(fl.members, fl.bounds, fl.shapes):
            self._apply_delta(xp, pds[i], d[a:b].reshape(shape), group, lr)

    # -- state objects -------------------------------------------------------------------------------
    def new_state(self) -> OptimizerState:
        """A fresh state (zero moments, step 0) for the current parameters, not yet in use."""
        groups = [self._new_group_state(g["params"]) for g in self.param_groups]
        state = {}
        for g, gs in zip(self.param_groups, groups):
            for p, st in zip(g["params"], gs.states):
                state[p] = st
        return OptimizerState(groups, state)

    def _new_group_state(self, params) -> _GroupState:
        gs = _GroupState(params, self.slots)
        for fl in gs.flats:
            for slot, value in self.slot_init.items():
                fl.slot_flat[slot][...] = value
        return gs

    def get_state(self) -> OptimizerState:
        """The state the optimizer's updates use now."""
        return OptimizerState(self._groups, self.state)

    def set_state(self, st: OptimizerState) -> None:
        """Make ``st`` (from :meth:`new_state` or :meth:`get_state`) the state updates use."""
        self._groups, self.state = st.groups, st.state

    def reset_state(self, slot_values: dict | None = None) -> None:
        """Restart the current state: every slot to ``slot_values`` (default: :attr:`slot_init`, else 0), steps to 0."""
        slot_values = {**self.slot_init, **(slot_values or {})}
        for gs in self._groups:
            for fl in gs.flats:
                for slot, arr in fl.slot_flat.items():
                    arr[...] = slot_values.get(slot, 0.0)
            for st in gs.states:
                st["step"] = 0

    # -- checkpoints -------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """A snapshot of the optimizer as plain data (copies), keyed by parameter index.

        ``{"state": {i: {"step": int, slot: array, ...}}, "param_groups":
        [{hyperparameters..., "params": [i, ...]}], "max_grad_norm": ...}``,
        where ``i`` counts parameters across groups in order. A callable ``lr``
        (a schedule function) is not stored; :meth:`load_state_dict` keeps the
        current one.
        """
        state = {}
        groups = []
        k = 0
        for group, gs in zip(self.param_groups, self._groups):
            idx = []
            for st in gs.states:
                state[k] = {key: (int(v) if key == "step" else _copy(v)) for key, v in st.items()}
                idx.append(k)
                k += 1
            hp = {key: v for key, v in group.items() if key != "params" and not callable(v)}
            hp["params"] = idx
            groups.append(hp)
        return {"state": state, "param_groups": groups, "max_grad_norm": self.max_grad_norm}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a :meth:`state_dict` snapshot into this optimizer (same parameter layout; arrays copied in)."""
        name = type(self).__name__
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the snapshot has {len(groups)} parameter groups, "
                             f"the optimizer {len(self.param_groups)}")
        for gi, (saved, group) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: group {gi} has {len(saved['params'])} parameters in "
                                 f"the snapshot, {len(group['params'])} in the optimizer")
        state = state_dict["state"]
        for saved, gs in zip(groups, self._groups):
            for idx, st in zip(saved["params"], gs.states):
                src = state.get(idx, state.get(str(idx)))
                if src is None:
                    continue
                for key, arr in st.items():
                    if key == "step":
                        continue
                    if key not in src:
                        raise KeyError(f"{name}.load_state_dict: parameter {idx} lacks state '{key}'")
                    val = np.asarray(src[key]) if not hasattr(src[key], "shape") else src[key]
                    if tuple(val.shape) != tuple(arr.shape):
                        raise ShapeError(f"{name}.load_state_dict: state '{key}' of parameter {idx} has shape "
                                         f"{fmt_shape(tuple(val.shape))}, expected {fmt_shape(arr.shape)}")
            # (checked everything in this group before writing anything)
        for saved, group, gs in zip(groups, self.param_groups, self._groups):
            for idx, st in zip(saved["params"], gs.states):
                src = state.get(idx, state.get(str(idx)))
                if src is None:
                    continue
                for key, arr in st.items():
                    if key == "step":
                        continue
                    arr[...] = _xp_of(arr).asarray(src[key])  # (onto the state's device)
                st["step"] = int(src.get("step", 0))
            for key, v in saved.items():
                if key != "params":
                    group[key] = tuple(v) if isinstance(v, list) else v
        if "max_grad_norm" in state_dict:
            self.max_grad_norm = state_dict["max_grad_norm"]

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            hp = ", ".join(f"{k}={v!r}" for k, v in g.items() if k != "params")
            lines.append(f"  group {i}: {len(g['params'])} params, {hp}")
        return "\n".join(lines) + "\n)"


def _scalar_lr(value) -> float:
    """A learning rate given as a number or a one-element array, as a float (ShapeError otherwise)."""
    arr = np.asarray(value)
    if arr.size != 1:
        raise ShapeError(f"apply_gradients: the learning rate must be a scalar, got shape {fmt_shape(arr.shape)}")
    return float(arr.reshape(()))


def _copy(a):
    from ..backend import to_numpy

    return np.array(to_numpy(a), copy=True)


def _as_array(g, p):
    arr = np.asarray(g)
    if arr.dtype != p.dtype:
        arr = arr.astype(p.dtype)
    return arr


def _writable(p, shape, owner, i):
    """The parameter's array, made writable if needed; errors if its shape changed since construction."""
    pd = p.data
    if pd is None:
        raise NeuralabError(f"{owner}: parameter {i} became symbolic")
    if pd.shape != shape:
        raise ShapeError(f"{owner}: parameter {i} changed shape from {fmt_shape(shape)} to "
                         f"{fmt_shape(pd.shape)} since the optimizer was built")
    if not _writeable(pd):
        pd = p.data = pd.copy()
    return pd


# -- two cores for big parameters -------------------------------------------------------------------
# NumPy's elementwise kernels run on one core but release the GIL, so the update of a big parameter
# is split into contiguous chunks run on a small thread pool. The kernels are elementwise, so the
# result is bit-identical to the unsplit update. (Measured: 784-512x4-10 Adam step 3.7 -> 2.5 ms on
# 2 cores. Cache blocking into small chunks was slower: per-call and GIL hand-off costs dominate.)
_SPLIT_MIN = 1 << 17  # elements; below this the thread hand-off costs more than it saves
_pool_state = {"pool": None, "workers": None}


def _pool():
    """(thread pool, workers) for the split update: ``neuralab.get_num_threads()`` threads in all, this one
    included (so ``set_num_threads(1)`` or ``OPENBLAS_NUM_THREADS=1`` keeps the update on one core)."""
    from ..backend.threads import get_num_threads

    n = max(1, min(get_num_threads(), os.cpu_count() or 1))
    if _pool_state["workers"] != n:
        old = _pool_state["pool"]
        _pool_state["pool"], _pool_state["workers"] = None, n
        if old is not None:
            old.shutdown(wait=False)
        if n > 1:
            from concurrent.futures import ThreadPoolExecutor

            _pool_state["pool"] = ThreadPoolExecutor(max_workers=n - 1, thread_name_prefix="neuralab-optim")
    return _pool_state["pool"], _pool_state["workers"]


def _split_update(opt, xp, g, st, group, lr, t, tmp, pd) -> bool:
    """Run ``Δw`` and ``W ← W + Δw`` on chunks in parallel; False when the arrays do not allow it."""
    pool, n = _pool()
    if pool is None:
        return False
    arrays = [a for a in st.values() if isinstance(a, np.ndarray)]
    if not (pd.flags.c_contiguous and tmp.flags.c_contiguous and all(a.flags.c_contiguous for a in arrays)):
        return False
    size = pd.size
    g = np.ascontiguousarray(g).reshape(-1)
    flat = {k: (v.reshape(-1) if isinstance(v, np.ndarray) else v) for k, v in st.items()}
    p, tm = pd.reshape(-1), tmp.reshape(-1)
    bounds = [size * c // n for c in range(n + 1)]

    def chunk(a, b):
        sub = {k: (v[a:b] if isinstance(v, np.ndarray) else v) for k, v in flat.items()}
        d = opt._delta(xp, g[a:b], sub, group, lr, t, tm[a:b])
        opt._apply_delta(xp, p[a:b], d, group, lr)

    futures = [pool.submit(chunk, bounds[c], bounds[c + 1]) for c in range(1, n)]
    chunk(bounds[0], bounds[1])
    for f in futures:
        f.result()
    return True
