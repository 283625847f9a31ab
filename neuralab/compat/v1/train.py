"""``tf.train``: optimizers over :mod:`neuralab.optim`, ``Saver`` and checkpoint helpers.

Each TF optimizer builds the matching neuralab optimizer over its variables;
``minimize`` = ``compute_gradients`` (``tf.gradients``) + ``apply_gradients``,
which records neuralab's one stateful update node. Hyperparameters map to
neuralab's exactly, except where noted:

* ``GradientDescentOptimizer(lr)`` -> ``SGD(lr)``.
* ``MomentumOptimizer(lr, momentum, use_nesterov)`` -> ``SGD(lr, momentum, nesterov)``:
  TF's ``accum = momentum * accum + g; var -= lr * accum`` is neuralab's velocity
  form, and TF's Nesterov step ``var -= lr * (g + momentum * accum)`` its Nesterov form.
* ``AdagradOptimizer(lr, initial_accumulator_value=0.1)`` -> ``AdaGrad(lr, eps=0)``
  with the accumulator started at 0.1 (TF has no epsilon: ``var -= lr g / sqrt(accum)``).
* ``RMSPropOptimizer(lr, decay=0.9, momentum=0, epsilon=1e-10)`` -> ``RMSProp(lr,
  decay, eps=epsilon)`` with the mean square started at 1 as in TF 1.x. TF adds
  epsilon *inside* the square root (``sqrt(ms + eps)``), neuralab outside
  (``sqrt(ms) + eps``): with eps = 1e-10 and ms >= (1-decay)^t g^2 the steps
  differ by a relative ~1e-10/sqrt(ms). ``momentum > 0`` and ``centered=True``
  are not supported (NotImplementedError).
* ``AdamOptimizer(lr, beta1, beta2, epsilon)`` -> ``Adam(lr, (beta1, beta2))``
  with TF's epsilon semantics: TF computes ``lr_t = lr sqrt(1-b2^t)/(1-b1^t)`` and
  ``var -= lr_t m / (sqrt(v) + epsilon)`` — its epsilon is the paper's "epsilon
  hat", added to the *uncorrected* sqrt(v). neuralab adds eps to the corrected
  sqrt(v_hat), so the adapter passes ``eps_t = epsilon / sqrt(1 - b2^t)`` at
  each step, which makes the two updates identical.

Optimizer state (moments, accumulators, step counts) is per Session, like TF's
slot variables, and is (re)initialized by ``tf.global_variables_initializer()``
built after the optimizer; running a train op before that raises
FailedPreconditionError.
"""
from __future__ import annotations

import math
import os

import numpy as np

from ... import optim as _optim
from ..._core import graph as _graph
from ..._core.tensor import Tensor
from ...optim import transforms as _T
from . import errors
from . import _types
from ._base import SourceOp, as_tensor, gstate, no_control_dependencies, record_source
from .array_ops import gradients, group
from .missing import module_getattr
from .variables import _SLOT_INITS, GraphKeys, Variable, global_variables, trainable_variables

__getattr__ = module_getattr(__name__, "tf.train")


class _ResetSlots(SourceOp):
    """Initializes an optimizer's state (slots to their TF initial values, step counts to 0) when run."""

    nout = 0
    stateful = True
    type = "NoOp"

    def forward(self, xp):
        self.resets_optimizer.reset_state(self.init)
        return ()

    def infer(self):
        return ()

    def state_writes(self):
        return (self.resets_optimizer,)


class _TFAdam(_optim.Adam):
    """neuralab's Adam with TF's "epsilon hat": eps_t = epsilon / sqrt(1 - beta2^t) (see the module docstring)."""

    def _delta(self, xp, grad, st, group, lr, step, out):
        b1, b2 = group["betas"]
        eps = group["eps"] / math.sqrt(1.0 - b2 ** step)
        return _T.adam_delta(xp, grad, st["first_moment"], st["second_moment"], step, lr, b1, b2, eps, out)


class Optimizer:
    """tf.train.Optimizer: compute_gradients / apply_gradients / minimize over a neuralab optimizer."""

    GATE_NONE, GATE_OP, GATE_GRAPH = 0, 1, 2
    _slot_init: dict = {}

    def __init__(self, use_locking=False, name="Optimizer"):
        self._name = name
        self._built = []

    def get_name(self):
        """The optimizer's name (also its name scope)."""
        return self._name

    def _make(self, params):  # pragma: no cover - abstract
        raise NotImplementedError

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP, aggregation_method=None,
                          colocate_gradients_with_ops=False, grad_loss=None):
        """tf.train.Optimizer.compute_gradients: [(gradient, variable)] with tf.gradients (None if unused)."""
        if var_list is None:
            var_list = trainable_variables()
        var_list = list(var_list.values()) if isinstance(var_list, dict) else list(var_list)
        if not var_list:
            raise ValueError("No variables to optimize.")
        grads = gradients(loss, var_list, grad_ys=grad_loss)
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """tf.train.Optimizer.apply_gradients: one node that updates every variable when run."""
        pairs = list(grads_and_vars)
        usable = [(g, v) for g, v in pairs if g is not None]
        if not usable:
            raise ValueError("No gradients provided for any variable, check your graph for ops that do not support "
                             f"gradients, between variables {[getattr(v, 'name', v) for _, v in pairs]} and loss.")
        for _, v in usable:
            if not isinstance(v, Variable):
                raise TypeError(f"apply_gradients: {v!r} is not a tf.Variable")
        g = _graph.get_default_graph()
        with g.name_scope(name or self._name):
            grads = [as_tensor(gr) for gr, _ in usable]
            grads = [gr if isinstance(gr, Tensor) else Tensor(np.asarray(gr)) for gr in grads]
            opt = self._make([v._var for _, v in usable])
            opt._tf_name = self._name
            update = opt.apply_gradients(grads)
            if update is None:  # every gradient was a constant: record nothing that runs now
                raise ValueError("apply_gradients: the gradients do not depend on the graph's placeholders or "
                                 "variables")
            reset = _ResetSlots(resets_optimizer=opt, init=dict(self._slot_init))
            with no_control_dependencies(g):  # run by the initializer, which must not run the train step's deps
                record_source(reset, "slots_init")
            g.add_to_collection(_SLOT_INITS, reset)
            gstate(g).optimizers.append(opt)
            self._built.append(opt)
            if global_step is not None:
                with g.control_dependencies([update]):
                    inc = global_step.assign_add(np.ones((), dtype=global_step._var.dtype))
                update = group(update, inc, name="update")
        update = _types.wrap(update)
        g.add_to_collection(GraphKeys.TRAIN_OP, update)
        return update

    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP, aggregation_method=None,
                 colocate_gradients_with_ops=False, name=None, grad_loss=None):
        """tf.train.Optimizer.minimize: apply_gradients(compute_gradients(loss)); returns the train op."""
        gv = self.compute_gradients(loss, var_list=var_list, grad_loss=grad_loss)
        return self.apply_gradients(gv, global_step=global_step, name=name)

    def get_slot_names(self):
        """The names of the optimizer's per-variable state."""
        return list(self._built[-1].slots) if self._built else []

    def variables(self):
        """TF lists slot variables here; neuralab keeps optimizer state outside variables (empty list)."""
        return []


def _lr(value, cls):
    if isinstance(value, Tensor) or callable(value):
        raise NotImplementedError(f"neuralab.compat.v1: {cls}: learning_rate must be a Python number here")
    return float(value)


class GradientDescentOptimizer(Optimizer):
    """tf.train.GradientDescentOptimizer(learning_rate): var -= lr * grad."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._lr = _lr(learning_rate, "GradientDescentOptimizer")

    def _make(self, params):
        return _optim.SGD(params, lr=self._lr)


class MomentumOptimizer(Optimizer):
    """tf.train.MomentumOptimizer(learning_rate, momentum, use_nesterov=False)."""

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum", use_nesterov=False):
        super().__init__(use_locking, name)
        self._lr = _lr(learning_rate, "MomentumOptimizer")
        self._momentum = float(momentum)
        self._nesterov = bool(use_nesterov)

    def _make(self, params):
        return _optim.SGD(params, lr=self._lr, momentum=self._momentum, nesterov=self._nesterov)


class AdagradOptimizer(Optimizer):
    """tf.train.AdagradOptimizer(learning_rate, initial_accumulator_value=0.1): var -= lr g / sqrt(accum)."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False, name="Adagrad"):
        super().__init__(use_locking, name)
        if initial_accumulator_value <= 0:
            raise ValueError(f"initial_accumulator_value must be positive: {initial_accumulator_value}")
        self._lr = _lr(learning_rate, "AdagradOptimizer")
        self._slot_init = {"grad_squared": float(initial_accumulator_value)}

    def _make(self, params):
        return _optim.AdaGrad(params, lr=self._lr, eps=0.0)


class RMSPropOptimizer(Optimizer):
    """tf.train.RMSPropOptimizer(learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10) (see module notes)."""

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False, centered=False,
                 name="RMSProp"):
        super().__init__(use_locking, name)
        if momentum or centered:
            raise NotImplementedError("neuralab.compat.v1: RMSPropOptimizer with momentum > 0 or centered=True is "
                                      "not supported")
        self._lr = _lr(learning_rate, "RMSPropOptimizer")
        self._decay = float(decay)
        self._eps = float(epsilon)
        self._slot_init = {"grad_squared": 1.0}  # TF 1.x starts the mean square at 1

    def _make(self, params):
        return _optim.RMSProp(params, lr=self._lr, decay=self._decay, eps=self._eps)


class AdamOptimizer(Optimizer):
    """tf.train.AdamOptimizer(learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08) (TF's epsilon hat)."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08, use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._lr = _lr(learning_rate, "AdamOptimizer")
        self._betas = (float(beta1), float(beta2))
        self._eps = float(epsilon)

    def _make(self, params):
        return _TFAdam(params, lr=self._lr, betas=self._betas, eps=self._eps)


# ---------------------------------------------------------------------------------------
# global step
# ---------------------------------------------------------------------------------------

def get_global_step(graph=None):
    """tf.train.get_global_step: the graph's global step variable, or None."""
    g = graph or _graph.get_default_graph()
    steps = g.get_collection(GraphKeys.GLOBAL_STEP)
    return steps[0] if steps else None


def create_global_step(graph=None):
    """tf.train.create_global_step: a non-trainable int64 variable ``global_step`` starting at 0."""
    g = graph or _graph.get_default_graph()
    if get_global_step(g) is not None:
        raise ValueError("global_step already exists.")
    with g.as_default():
        return Variable(np.zeros((), dtype=np.int64), trainable=False, name="global_step",
                        collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph=None):
    """tf.train.get_or_create_global_step."""
    return get_global_step(graph) or create_global_step(graph)


def global_step(sess, global_step_tensor):
    """tf.train.global_step: the step's value as an int."""
    return int(sess.run(global_step_tensor))


# ---------------------------------------------------------------------------------------
# checkpoints
# ---------------------------------------------------------------------------------------

_EXT = ".safetensors"


class CheckpointState:
    """What tf.train.get_checkpoint_state returns: the latest and all kept checkpoint paths."""

    def __init__(self, model_checkpoint_path, all_model_checkpoint_paths):
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths)

    def __repr__(self):
        return f"CheckpointState(model_checkpoint_path={self.model_checkpoint_path!r})"


def _write_state(folder, latest, all_paths, filename="checkpoint"):
    lines = [f'model_checkpoint_path: "{os.path.basename(latest)}"']
    lines += [f'all_model_checkpoint_paths: "{os.path.basename(p)}"' for p in all_paths]
    tmp = os.path.join(folder, f".{filename}.tmp")
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, os.path.join(folder, filename))


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """tf.train.get_checkpoint_state: the folder's ``checkpoint`` index, or None when there is none."""
    path = os.path.join(os.fspath(checkpoint_dir), latest_filename or "checkpoint")
    if not os.path.exists(path):
        return None
    latest, all_paths = None, []
    with open(path) as f:
        for line in f:
            key, _, val = line.partition(":")
            val = val.strip().strip('"')
            if not val:
                continue
            if not os.path.isabs(val):
                val = os.path.join(os.fspath(checkpoint_dir), val)
            if key.strip() == "model_checkpoint_path":
                latest = val
            elif key.strip() == "all_model_checkpoint_paths":
                all_paths.append(val)
    if latest is None:
        return None
    return CheckpointState(latest, all_paths)


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """tf.train.latest_checkpoint: the path prefix of the newest checkpoint in the folder, or None."""
    st = get_checkpoint_state(checkpoint_dir, latest_filename)
    if st is None or not checkpoint_exists(st.model_checkpoint_path):
        return None
    return st.model_checkpoint_path


def checkpoint_exists(checkpoint_prefix):
    """tf.train.checkpoint_exists: whether a checkpoint was saved under this prefix."""
    p = os.fspath(checkpoint_prefix)
    return os.path.exists(p + _EXT) or (p.endswith(_EXT) and os.path.exists(p))


class Saver:
    """tf.train.Saver(var_list=None, max_to_keep=5): save/restore a session's variables (and optimizer state).

    A checkpoint ``prefix`` (``"model.ckpt-100"``) is one safetensors file
    ``prefix.safetensors`` written by :func:`neuralab.io.save` (atomic,
    checksummed) holding each variable under its TF name, plus a ``checkpoint``
    index file in the folder as TF writes it.
    """

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False, saver_def=None,
                 builder=None, defer_build=False, allow_empty=False, write_version=2, pad_step_number=False,
                 save_relative_paths=False, filename=None):
        self._all = var_list is None
        if var_list is None:
            var_list = global_variables()
        if isinstance(var_list, dict):
            self._vars = {str(k): v for k, v in var_list.items()}
        else:
            self._vars = {v.op_name: v for v in var_list}
        if not self._vars and not allow_empty:
            raise ValueError("No variables to save")
        self._graph = _graph.get_default_graph()
        self._max = max_to_keep
        self._kept: list = []

    @property
    def last_checkpoints(self):
        """The checkpoint prefixes kept (oldest first)."""
        return list(self._kept)

    def _optimizers(self):
        if not self._all:
            return {}
        out = {}
        for i, opt in enumerate(gstate(self._graph).optimizers):
            out[f"{getattr(opt, '_tf_name', 'optimizer')}_{i}"] = opt
        return out

    def save(self, sess, save_path, global_step=None, latest_filename=None, meta_graph_suffix="meta",
             write_meta_graph=True, write_state=True, strip_default_attrs=False, save_debug_info=False):
        """tf.train.Saver.save: write the session's values; returns the checkpoint prefix."""
        from ... import io as _io

        prefix = os.fspath(save_path)
        if global_step is not None:
            step = global_step if isinstance(global_step, (int, np.integer)) else sess.run(global_step)
            prefix = f"{prefix}-{int(step)}"
        data = {"variables": {name: sess._value_of(v) for name, v in self._vars.items()}}
        opts = {}
        for key, opt in self._optimizers().items():
            st = sess._store.get(opt)
            if st is not None:
                own = opt.get_state()
                opt.set_state(st)
                try:
                    opts[key] = opt.state_dict()
                finally:
                    opt.set_state(own)
        if opts:
            data["optimizers"] = opts
        folder = os.path.dirname(prefix) or "."
        os.makedirs(folder, exist_ok=True)
        _io.save(data, prefix + _EXT)
        if prefix in self._kept:
            self._kept.remove(prefix)
        self._kept.append(prefix)
        while self._max and len(self._kept) > self._max:
            old = self._kept.pop(0)
            if os.path.exists(old + _EXT):
                os.remove(old + _EXT)
        if write_state:
            _write_state(folder, prefix, self._kept, latest_filename or "checkpoint")
        return prefix

    def restore(self, sess, save_path):
        """tf.train.Saver.restore: load the checkpoint's values into ``sess`` (the variables need no init)."""
        from ... import io as _io

        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        p = os.fspath(save_path)
        path = p if (p.endswith(_EXT) and os.path.exists(p)) else p + _EXT
        if not os.path.exists(path):
            raise ValueError(f"The passed save_path is not a valid checkpoint: {p}")
        data = _io.load(path)
        stored = data.get("variables", {})
        for name, v in self._vars.items():
            if name not in stored:
                raise errors.NotFoundError(None, None, f"Key {name} not found in checkpoint")
            arr = np.array(stored[name], dtype=v._var.dtype)
            if arr.shape != tuple(v._var.shape):
                raise errors.InvalidArgumentError(None, None, f"Assign requires shapes of both tensors to match. "
                                                  f"lhs shape= {list(v._var.shape)} rhs shape= {list(arr.shape)} "
                                                  f"(variable {name})")
            sess._store[v._var] = arr
        for key, opt in self._optimizers().items():
            sd = data.get("optimizers", {}).get(key)
            if sd is None:
                continue
            st = sess._store.get(opt) or opt.new_state()
            own = opt.get_state()
            opt.set_state(st)
            try:
                opt.load_state_dict(sd)
            finally:
                opt.set_state(own)
            sess._store[opt] = st

    def export_meta_graph(self, *a, **k):
        """Not supported: graphs are Python code here (returns None)."""
        return None
