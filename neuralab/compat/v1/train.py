"""``tf.train``: optimizers over :mod:`neuralab.optim`, learning-rate decays, ``Saver`` and checkpoint helpers.

Each TF optimizer builds the matching neuralab optimizer over its variables;
``minimize`` = ``compute_gradients`` (``tf.gradients``) + ``apply_gradients``,
which records neuralab's one stateful update node. The update rules are TF's
exactly (checked against TensorFlow's ``tf.compat.v1`` in the tests):

* ``GradientDescentOptimizer(lr)`` -> ``SGD(lr)``.
* ``MomentumOptimizer(lr, momentum, use_nesterov)`` -> ``SGD(lr, momentum, nesterov)``:
  TF's ``accum = momentum * accum + g; var -= lr * accum`` is neuralab's velocity
  form, and TF's Nesterov step ``var -= lr * (g + momentum * accum)`` its Nesterov form.
* ``AdagradOptimizer(lr, initial_accumulator_value=0.1)`` -> ``AdaGrad(lr, eps=0)``
  with the accumulator started at 0.1 (TF has no epsilon: ``var -= lr g / sqrt(accum)``).
* ``RMSPropOptimizer(lr, decay=0.9, momentum=0, epsilon=1e-10, centered=False)`` ->
  ``RMSProp(lr, decay, eps, momentum, centered)`` with TF's two differences: the
  mean square starts at 1, and epsilon goes *inside* the square root::

      ms = decay ms + (1 - decay) g^2            (slot "rms")
      mg = decay mg + (1 - decay) g              (slot "mg", centered only)
      mom = momentum mom + lr g / sqrt(ms - mg^2 + epsilon)   (slot "momentum")
      var -= mom

  (with ``momentum = 0`` the "momentum" slot is not kept: ``var -= lr g / sqrt(...)``).
* ``AdadeltaOptimizer(lr=0.001, rho=0.95, epsilon=1e-8)`` -> ``Adadelta(lr, rho, eps)``.
* ``FtrlOptimizer(lr, learning_rate_power, initial_accumulator_value, l1, l2, l2_shrinkage)`` -> ``Ftrl``.
* ``AdamOptimizer(lr, beta1, beta2, epsilon)`` -> ``Adam(lr, (beta1, beta2))``
  with TF's epsilon semantics: TF computes ``lr_t = lr sqrt(1-b2^t)/(1-b1^t)`` and
  ``var -= lr_t m / (sqrt(v) + epsilon)`` — its epsilon is the paper's "epsilon
  hat", added to the *uncorrected* sqrt(v). neuralab adds eps to the corrected
  sqrt(v_hat), so the adapter passes ``eps_t = epsilon / sqrt(1 - b2^t)`` at
  each step, which makes the two updates identical.

The learning rate may be a number, or a tensor the graph computes — a
placeholder fed each step, a Variable assigned to, or a decay of the global
step (:func:`exponential_decay`, :func:`piecewise_constant`,
:func:`polynomial_decay`, :func:`inverse_time_decay`, :func:`natural_exp_decay`,
:func:`cosine_decay`): it becomes an input of the update node, evaluated each
time the train op runs. After ``tf.enable_eager_execution()`` the decays
return functions of no arguments (as TF's do) and ``apply_gradients`` /
``minimize`` update the variables at once, one neuralab optimizer (with its
moments) per variable list for the optimizer's lifetime.

Optimizer state (moments, accumulators, step counts) is per Session, like TF's
slot variables, and is (re)initialized by ``tf.global_variables_initializer()``
built after the optimizer (or by ``tf.variables_initializer(opt.variables())``);
running a train op before that raises FailedPreconditionError.
``opt.get_slot(var, "m")`` is a tensor reading the slot's value in the session
that runs it.
"""
from __future__ import annotations

import math
import numbers
import os

import numpy as np

from ... import optim as _optim
from ..._core import config as _config, graph as _graph
from ..._core.autograd import gradients as _nl_gradients
from ..._core.op import Spec
from ..._core.tensor import Tensor
from . import _types, errors
from . import array_ops as _A
from ._base import SourceOp, as_tensor, gstate, no_control_dependencies, record_source
from .array_ops import gradients, group
from .hooks import (  # noqa: F401  (tf.train.SessionRunHook and friends)
    LoggingTensorHook, NanLossDuringTrainingError, NanTensorHook, SessionRunArgs, SessionRunContext, SessionRunHook,
    SessionRunValues, StopAtStepHook,
)
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


class _SlotRead(SourceOp):
    """The value of one optimizer slot for one variable, in the session running it (TF's slot variable, read)."""

    stateful = True
    type = "Identity"

    def forward(self, xp):
        return (np.array(self.reads_optimizer.state[self.param][self.slot]),)

    def infer(self):
        return (Spec(tuple(self.param.shape), self.param.dtype),)

    def state_reads(self):
        return (self.reads_optimizer,)


class _SlotVariable(_types._TensorLike):
    """What ``Optimizer.get_slot`` / ``variables()`` give: a slot's value (read-only), with TF's name.

    ``initializer`` resets the optimizer's whole state (TF initializes each slot
    variable on its own; neuralab keeps an optimizer's slots together).
    """

    def __init__(self, node, reset, op_name):
        self._nl = node
        self._reset = reset
        self.op_name = op_name

    @property
    def name(self):
        """``"<variable>/<Optimizer>:0"`` as TF names slot variables."""
        return self.op_name + ":0"

    @property
    def initializer(self):
        """The node resetting the optimizer's state (every slot of every variable, and the step counts)."""
        return _types.wrap_op(self._reset)

    def __repr__(self):
        return f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}_ref (optimizer slot)>"


class _TFAdam(_optim.Adam):
    """neuralab's Adam with TF's "epsilon hat": eps_t = epsilon / sqrt(1 - beta2^t) (see the module docstring)."""

    def _eps(self, group, step):
        return group["eps"] / math.sqrt(1.0 - group["betas"][1] ** step)


class _TFRMSProp(_optim.RMSProp):
    """neuralab's RMSProp with TF's epsilon inside the square root (``sqrt(ms + eps)``)."""

    _eps_inside = True


def _is_tensor_like(x) -> bool:
    return isinstance(x, Tensor) or hasattr(x, "__neuralab_tensor__")


def _eager_value(x):
    """A number, eager tensor or Variable (eager mode) as a float."""
    t = as_tensor(x)
    return float(np.asarray(t.data if isinstance(t, Tensor) else t).reshape(()))


def _hyper(value, what, cls):
    """A hyperparameter other than the learning rate: a number (an eager tensor's value); graph tensors refused."""
    if _is_tensor_like(value):
        t = as_tensor(value)
        if t.data is None:
            raise NotImplementedError(f"neuralab.compat.v1: {cls}: {what} given as a graph tensor is not supported "
                                      "(only learning_rate may be one); give a Python number")
        value = t.data
    try:
        return float(np.asarray(value).reshape(()))
    except (TypeError, ValueError):
        raise TypeError(f"{cls}: {what} must be a number, got {value!r}") from None


class Optimizer:
    """tf.train.Optimizer: compute_gradients / apply_gradients / minimize over a neuralab optimizer.

    Subclasses say which neuralab optimizer to build (:meth:`_make`), TF's
    initial slot values (``_slot_init``, neuralab slot -> value) and TF's slot
    names (``_slot_names``, TF name -> neuralab slot, in TF's creation order).
    """

    GATE_NONE, GATE_OP, GATE_GRAPH = 0, 1, 2
    _slot_init: dict = {}
    _slot_names: dict = {}

    def __init__(self, use_locking=False, name="Optimizer"):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._name = name
        self._built = []  # (neuralab optimizer, reset node, variables) per apply_gradients (graph mode)
        self._eager = {}  # eager mode: variable list -> its neuralab optimizer (built once: moments persist)
        self._slots = {}  # (id(storage), TF slot name) -> _SlotVariable
        self._lr = 0.0

    def get_name(self):
        """The optimizer's name (also its name scope)."""
        return self._name

    def _make(self, params, lr):  # pragma: no cover - abstract
        raise NotImplementedError

    # -- the learning rate ---------------------------------------------------------------------
    def _set_lr(self, value, cls):
        """Keep ``learning_rate``: a number, a tensor/Variable (evaluated at run time) or a function of nothing."""
        if isinstance(value, (numbers.Real, np.ndarray, np.generic)) and not isinstance(value, bool):
            v = float(np.asarray(value).reshape(()))
            if not v >= 0:
                raise ValueError(f"{cls}: learning_rate must be >= 0, got {value!r}")
            self._lr = v
        elif _is_tensor_like(value) or callable(value):
            self._lr = value
        else:
            raise TypeError(f"{cls}: learning_rate must be a number, a tensor or a function returning one, got "
                            f"{type(value).__name__}")

    def _graph_lr(self):
        """(number for the neuralab optimizer, symbolic tensor or None) for an update node built now."""
        lr = self._lr
        if callable(lr) and not _is_tensor_like(lr):
            lr = lr()  # TF calls a callable learning rate when the update is built
        if not _is_tensor_like(lr):
            return float(lr), None
        t = as_tensor(lr)
        if t.data is not None:
            return float(np.asarray(t.data).reshape(())), None
        return 0.0, t

    def _eager_lr(self):
        lr = self._lr
        if callable(lr) and not _is_tensor_like(lr):
            lr = lr()
        return _eager_value(lr)

    # -- gradients and updates ------------------------------------------------------------------
    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP, aggregation_method=None,
                          colocate_gradients_with_ops=False, grad_loss=None):
        """tf.train.Optimizer.compute_gradients: [(gradient, variable)] with tf.gradients (None if unused).

        After ``tf.enable_eager_execution()``, ``loss`` must be a function of no
        arguments; it is called while gradients are recorded.
        """
        if _types.MODE.eager:
            return self._eager_gradients(loss, var_list, grad_loss)
        if callable(loss) and not _is_tensor_like(loss):
            loss = loss()
        if var_list is None:
            var_list = trainable_variables()
        var_list = list(var_list.values()) if isinstance(var_list, dict) else list(var_list)
        if not var_list:
            raise ValueError("No variables to optimize.")
        grads = gradients(loss, var_list, grad_ys=grad_loss)
        return list(zip(grads, var_list))

    def _eager_gradients(self, loss, var_list, grad_loss):
        from .eager import accessed_variables

        if not callable(loss) or _is_tensor_like(loss):
            raise RuntimeError("`loss` passed to Optimizer.compute_gradients should be a function when eager "
                               "execution is enabled.")
        _types.MODE.tapes += 1  # record, as TF's implicit tape does
        try:
            value = as_tensor(loss())
        finally:
            _types.MODE.tapes -= 1
        if not isinstance(value, Tensor):
            raise TypeError(f"compute_gradients: the loss function returned {type(value).__name__}, not a tensor")
        vs = list(var_list) if var_list is not None else [v for v in accessed_variables(value) if v.trainable]
        if not vs:
            raise ValueError("No variables to optimize.")
        gy = None if grad_loss is None else as_tensor(grad_loss)
        with _config.no_grad():
            gs = _nl_gradients(value, [v._var for v in vs], grad_ys=gy)
        return [(None if g is None else _types.wrap(g), v) for g, v in zip(gs, vs)]

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
        if _types.MODE.eager:
            return self._apply_eager(usable, global_step)
        g = _graph.get_default_graph()
        with g.name_scope(name or self._name) as scope:
            grads = [as_tensor(gr) for gr, _ in usable]
            grads = [gr if isinstance(gr, Tensor) else Tensor(np.asarray(gr)) for gr in grads]
            lr_num, lr_t = self._graph_lr()
            opt = self._make([v._var for _, v in usable], lr_num)
            opt._tf_name = self._name
            opt._tf_slotless = not self._slot_names  # TF makes no slot variables: usable without an initializer
            update = opt.apply_gradients(grads, lr=lr_t)
            if update is None:  # every gradient was a constant: record nothing that runs now
                raise ValueError("apply_gradients: the gradients do not depend on the graph's placeholders or "
                                 "variables")
            reset = _ResetSlots(resets_optimizer=opt, init=dict(self._slot_init))
            with no_control_dependencies(g):  # run by the initializer, which must not run the train step's deps
                record_source(reset, "slots_init")
            g.add_to_collection(_SLOT_INITS, reset)
            gstate(g).optimizers.append(opt)
            self._built.append((opt, reset, [v for _, v in usable]))
            if global_step is not None:
                with g.control_dependencies([update]):
                    inc = global_step.assign_add(np.ones((), dtype=global_step._var.dtype))
                update = group(update, inc, name="update")
            _types.unwrap_op_or_tensor(update).name = scope[:-1]  # TF names the train op `name` ("Adam" by default)
        update = _types.wrap(update)
        g.add_to_collection(GraphKeys.TRAIN_OP, update)
        return update

    def _apply_eager(self, usable, global_step):
        key = tuple(id(v._var) for _, v in usable)
        entry = self._eager.get(key)
        if entry is None:
            opt = self._make([v._var for _, v in usable], 0.0)
            opt._tf_name = self._name
            opt.reset_state(dict(self._slot_init))
            entry = self._eager[key] = (opt, [v for _, v in usable])
        opt = entry[0]
        grads = []
        for gr, v in usable:
            t = as_tensor(gr)
            a = np.asarray(t.data if isinstance(t, Tensor) else t)
            grads.append(a if a.dtype == v._var.dtype else a.astype(v._var.dtype))
        with _config.no_grad():
            opt.apply_gradients(grads, lr=self._eager_lr())
            if global_step is not None:
                global_step.assign_add(1)
        return None

    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP, aggregation_method=None,
                 colocate_gradients_with_ops=False, name=None, grad_loss=None):
        """tf.train.Optimizer.minimize: apply_gradients(compute_gradients(loss)); returns the train op.

        Eagerly (``loss`` a function), the variables are updated at once and None is returned.
        """
        gv = self.compute_gradients(loss, var_list=var_list, grad_loss=grad_loss)
        return self.apply_gradients(gv, global_step=global_step, name=name)

    # -- slots ----------------------------------------------------------------------------------
    def _native_slots(self, opt):
        """TF slot name -> neuralab slot name, for the slots ``opt`` keeps."""
        return {tf: nl for tf, nl in self._slot_names.items() if nl in opt.slots}

    def get_slot_names(self):
        """TF's names of the optimizer's per-variable state (sorted, as TF returns them)."""
        opts = [o for o, *_ in self._built] + [o for o, _ in self._eager.values()]
        if not opts:
            return sorted(self._default_slots())
        return sorted(self._native_slots(opts[-1]))

    def _default_slots(self):
        return set(self._slot_names)

    def get_slot(self, var, name):
        """The slot ``name`` ("m", "v", "rms", "momentum", "accumulator"...) of ``var``, or None.

        In a graph, a tensor that reads the slot's current value in the session
        running it (read-only: slots change through the train op); eagerly, the
        value now.
        """
        store = getattr(var, "_var", None)
        if store is None:
            return None
        key = (id(store), name)
        if key in self._slots and not _types.MODE.eager:
            return self._slots[key]
        for opt, vs in self._eager.values():
            if any(v._var is store for v in vs):
                slot = self._native_slots(opt).get(name)
                return None if slot is None else _types.wrap(Tensor(np.array(opt.state[store][slot])))
        for opt, reset, vs in reversed(self._built):
            if not any(v._var is store for v in vs):
                continue
            slot = self._native_slots(opt).get(name)
            if slot is None:
                return None
            g = _graph.get_default_graph()
            k = list(self._native_slots(opt)).index(name)
            op_name = g.unique_name(f"{var.op_name}/{self._name}" + (f"_{k}" if k else ""), scoped=False)
            node = _SlotRead(reads_optimizer=opt, param=store, slot=slot)
            with no_control_dependencies(g):
                node.name = op_name
                out = _graph.record(node, ())
            sv = self._slots[key] = _SlotVariable(out, reset, op_name)
            return sv
        return None

    def variables(self):
        """The optimizer's slot variables (see :meth:`get_slot`), variable after variable, in TF's order.

        Their initializers reset the optimizer's state, so
        ``tf.variables_initializer(opt.variables())`` restarts it as in TF.
        TF's non-slot variables (Adam's ``beta1_power``) are step counts here
        and are not listed.
        """
        out = []
        for opt, _reset, vs in self._built:
            for v in vs:
                for n in self._native_slots(opt):
                    out.append(self.get_slot(v, n))
        return out


class GradientDescentOptimizer(Optimizer):
    """tf.train.GradientDescentOptimizer(learning_rate): var -= lr * grad."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._set_lr(learning_rate, "GradientDescentOptimizer")

    def _make(self, params, lr):
        return _optim.SGD(params, lr=lr)


class MomentumOptimizer(Optimizer):
    """tf.train.MomentumOptimizer(learning_rate, momentum, use_nesterov=False)."""

    _slot_names = {"momentum": "momentum_buffer"}

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum", use_nesterov=False):
        super().__init__(use_locking, name)
        self._set_lr(learning_rate, "MomentumOptimizer")
        self._momentum = _hyper(momentum, "momentum", "MomentumOptimizer")
        self._nesterov = bool(use_nesterov)

    def _make(self, params, lr):
        return _optim.SGD(params, lr=lr, momentum=self._momentum, nesterov=self._nesterov)


class AdagradOptimizer(Optimizer):
    """tf.train.AdagradOptimizer(learning_rate, initial_accumulator_value=0.1): var -= lr g / sqrt(accum)."""

    _slot_names = {"accumulator": "grad_squared"}

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False, name="Adagrad"):
        super().__init__(use_locking, name)
        if initial_accumulator_value <= 0:
            raise ValueError(f"initial_accumulator_value must be positive: {initial_accumulator_value}")
        self._set_lr(learning_rate, "AdagradOptimizer")
        self._slot_init = {"grad_squared": float(initial_accumulator_value)}

    def _make(self, params, lr):
        return _optim.AdaGrad(params, lr=lr, eps=0.0)


class RMSPropOptimizer(Optimizer):
    """tf.train.RMSPropOptimizer(learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, centered=False).

    TF's rule (see the module docstring): the mean square starts at 1, epsilon
    is inside the square root, ``momentum`` accumulates ``lr g / sqrt(...)``.
    """

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False, centered=False,
                 name="RMSProp"):
        super().__init__(use_locking, name)
        self._set_lr(learning_rate, "RMSPropOptimizer")
        self._decay = _hyper(decay, "decay", "RMSPropOptimizer")
        self._momentum = _hyper(momentum, "momentum", "RMSPropOptimizer")
        self._centered = bool(centered)
        self._eps = _hyper(epsilon, "epsilon", "RMSPropOptimizer")
        self._slot_init = {"grad_squared": 1.0}  # TF 1.x starts the mean square at 1
        # TF's creation order: rms, mg (centered), momentum
        self._slot_names = {"rms": "grad_squared", "mg": "grad_mean", "momentum": "momentum_buffer"}

    def _default_slots(self):
        return {"rms"} | ({"mg"} if self._centered else set()) | ({"momentum"} if self._momentum else set())

    def _make(self, params, lr):
        return _TFRMSProp(params, lr=lr, decay=self._decay, eps=self._eps, momentum=self._momentum,
                          centered=self._centered)


class AdadeltaOptimizer(Optimizer):
    """tf.train.AdadeltaOptimizer(learning_rate=0.001, rho=0.95, epsilon=1e-08) -> neuralab's Adadelta.

    ``accum = rho accum + (1 - rho) g^2``; ``update = sqrt(accum_update + eps) / sqrt(accum + eps) g``;
    ``accum_update = rho accum_update + (1 - rho) update^2``; ``var -= lr update``.
    """

    _slot_names = {"accum": "square_avg", "accum_update": "acc_delta"}

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-08, use_locking=False, name="Adadelta"):
        super().__init__(use_locking, name)
        self._set_lr(learning_rate, "AdadeltaOptimizer")
        self._rho = _hyper(rho, "rho", "AdadeltaOptimizer")
        self._eps = _hyper(epsilon, "epsilon", "AdadeltaOptimizer")

    def _make(self, params, lr):
        return _optim.Adadelta(params, lr=lr, rho=self._rho, eps=self._eps)


class FtrlOptimizer(Optimizer):
    """tf.train.FtrlOptimizer(learning_rate, learning_rate_power=-0.5, initial_accumulator_value=0.1, l1, l2, ...).

    FTRL-Proximal -> neuralab's Ftrl (TF's closed-form weight: slots "accum" and "linear").
    """

    _slot_names = {"accum": "accumulator", "linear": "linear"}

    def __init__(self, learning_rate, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0, use_locking=False, name="Ftrl",
                 accum_name=None, linear_name=None, l2_shrinkage_regularization_strength=0.0):
        super().__init__(use_locking, name)
        if initial_accumulator_value < 0.0:
            raise ValueError(f"initial_accumulator_value {initial_accumulator_value} needs to be positive or zero")
        if learning_rate_power > 0.0:
            raise ValueError(f"learning_rate_power {learning_rate_power} needs to be negative or zero")
        for what, v in (("l1_regularization_strength", l1_regularization_strength),
                        ("l2_regularization_strength", l2_regularization_strength),
                        ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength)):
            if v < 0.0:
                raise ValueError(f"{what} {v} needs to be positive or zero")
        self._set_lr(learning_rate, "FtrlOptimizer")
        self._kw = dict(lr_power=float(learning_rate_power), l1=float(l1_regularization_strength),
                        l2=float(l2_regularization_strength), l2_shrinkage=float(l2_shrinkage_regularization_strength))
        self._init_accum = float(initial_accumulator_value)
        self._slot_init = {"accumulator": self._init_accum}

    def _make(self, params, lr):
        # (the group's lr only matters when the rate is a number; a graph rate comes with each update)
        return _optim.Ftrl(params, lr=lr if lr > 0 else 1.0, initial_accumulator_value=self._init_accum, **self._kw)


class AdamOptimizer(Optimizer):
    """tf.train.AdamOptimizer(learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08) (TF's epsilon hat)."""

    _slot_names = {"m": "first_moment", "v": "second_moment"}

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08, use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._set_lr(learning_rate, "AdamOptimizer")
        self._betas = (_hyper(beta1, "beta1", "AdamOptimizer"), _hyper(beta2, "beta2", "AdamOptimizer"))
        self._eps = _hyper(epsilon, "epsilon", "AdamOptimizer")

    def _make(self, params, lr):
        return _TFAdam(params, lr=lr, betas=self._betas, eps=self._eps)


def _unsupported_optimizer(tf_name, instead):
    class _Unsupported:
        def __init__(self, *args, **kwargs):
            raise NotImplementedError(f"neuralab.compat.v1: tf.train.{tf_name} is not supported; {instead}")

    _Unsupported.__name__ = _Unsupported.__qualname__ = tf_name
    _Unsupported.__doc__ = f"tf.train.{tf_name}: not supported by neuralab.compat.v1 ({instead})."
    return _Unsupported


ProximalGradientDescentOptimizer = _unsupported_optimizer(
    "ProximalGradientDescentOptimizer", "use GradientDescentOptimizer with an L1/L2 term in the loss")
ProximalAdagradOptimizer = _unsupported_optimizer(
    "ProximalAdagradOptimizer", "use AdagradOptimizer with an L1/L2 term in the loss")
AdagradDAOptimizer = _unsupported_optimizer(
    "AdagradDAOptimizer", "use AdagradOptimizer (or FtrlOptimizer with l1_regularization_strength for sparsity)")


# ---------------------------------------------------------------------------------------
# learning-rate decay (TF 1.x's tf.train.*_decay): graph tensors of the global step
# ---------------------------------------------------------------------------------------

def _decayed(name, default, build, global_step):
    """``build()`` in name scope ``name`` (or ``default``), its result op named like the scope as in TF.

    Eagerly, TF returns a function of no arguments computing the rate from the
    global step's value at each call; so does this.
    """
    if global_step is None:
        raise ValueError(f"global_step is required for {default}.")

    def compute():
        with _A.name_scope(name, default) as scope:
            out = build()
        t = as_tensor(out)
        if isinstance(t, Tensor) and t._op is not None and scope and not _types.MODE.eager:
            t._op.name = scope.rstrip("/")
        return out

    return compute if _types.MODE.eager else compute()


def _as_float(x, dtype=np.float32):
    return _A.cast(x, dtype) if _is_tensor_like(x) else _A.constant(x, dtype=dtype)


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """tf.train.exponential_decay: ``lr * decay_rate ^ (global_step / decay_steps)`` (floored exponent if staircase)."""

    def build():
        p = _A.truediv(_as_float(global_step), _as_float(decay_steps))
        if staircase:
            p = _A.floor(p)
        return _A.multiply(_as_float(learning_rate), _A.pow(_as_float(decay_rate), p))

    return _decayed(name, "ExponentialDecay", build, global_step)


def natural_exp_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """tf.train.natural_exp_decay: ``lr * exp(-decay_rate * global_step / decay_steps)`` (floored if staircase)."""

    def build():
        p = _A.truediv(_as_float(global_step), _as_float(decay_steps))
        if staircase:
            p = _A.floor(p)
        return _A.multiply(_as_float(learning_rate), _A.exp(_A.negative(_A.multiply(_as_float(decay_rate), p))))

    return _decayed(name, "NaturalExpDecay", build, global_step)


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """tf.train.inverse_time_decay: ``lr / (1 + decay_rate * global_step / decay_steps)`` (floored if staircase)."""

    def build():
        p = _A.truediv(_as_float(global_step), _as_float(decay_steps))
        if staircase:
            p = _A.floor(p)
        return _A.truediv(_as_float(learning_rate), _A.add(1.0, _A.multiply(_as_float(decay_rate), p)))

    return _decayed(name, "InverseTimeDecay", build, global_step)


def polynomial_decay(learning_rate, global_step, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                     name=None):
    """tf.train.polynomial_decay: ``(lr - end) * (1 - step / decay_steps) ^ power + end``.

    ``step = min(global_step, decay_steps)``; with ``cycle=True`` the horizon
    instead grows to the next multiple of ``decay_steps`` (``ceil(step /
    decay_steps)`` of them, at least one), restarting the decay.
    """

    def build():
        step = _as_float(global_step)
        ds = _as_float(decay_steps)
        if cycle:
            mult = _A.where(_A.equal(step, 0.0), 1.0, _A.ceil(_A.truediv(step, ds)))
            ds = _A.multiply(ds, mult)
        else:
            step = _A.minimum(step, ds)
        frac = _A.subtract(1.0, _A.truediv(step, ds))
        lr, end = _as_float(learning_rate), _as_float(end_learning_rate)
        return _A.add(_A.multiply(_A.subtract(lr, end), _A.pow(frac, _as_float(power))), end)

    return _decayed(name, "PolynomialDecay", build, global_step)


def cosine_decay(learning_rate, global_step, decay_steps, alpha=0.0, name=None):
    """tf.train.cosine_decay: ``lr * ((1 - alpha) * c + alpha)``, ``c = (1 + cos(pi * step / decay_steps)) / 2``.

    ``step = min(global_step, decay_steps)``: after ``decay_steps`` the rate stays at ``alpha * lr``.
    """

    def build():
        ds = _as_float(decay_steps)
        step = _A.minimum(_as_float(global_step), ds)
        cos = _A.multiply(0.5, _A.add(1.0, _A.cos(_A.multiply(math.pi, _A.truediv(step, ds)))))
        decayed = _A.add(_A.multiply(1.0 - alpha, cos), float(alpha))
        return _A.multiply(_as_float(learning_rate), decayed)

    return _decayed(name, "CosineDecay", build, global_step)


def piecewise_constant(x, boundaries, values, name=None):
    """tf.train.piecewise_constant: ``values[0]`` while ``x <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < x <= boundaries[i]``, ``values[-1]`` after the last boundary."""
    boundaries, values = list(boundaries), list(values)
    if len(values) != len(boundaries) + 1:
        raise ValueError("The length of boundaries should be 1 less than the length of values")

    def build():
        xt = as_tensor(x)
        xd = xt.dtype if isinstance(xt, Tensor) else np.float32
        vd = _A.constant(values[0]).dtype
        out = _A.constant(values[-1], dtype=vd)
        for b, v in zip(reversed(boundaries), reversed(values[:-1])):
            out = _A.where(_A.less_equal(x, _A.constant(b, dtype=xd)), _A.constant(v, dtype=vd), out)
        return _A.identity(out)

    return _decayed(name, "PiecewiseConstant", build, x)


piecewise_constant_decay = piecewise_constant


# ---------------------------------------------------------------------------------------
# moving averages of variables
# ---------------------------------------------------------------------------------------

class ExponentialMovingAverage:
    """tf.train.ExponentialMovingAverage(decay, num_updates=None): shadow variables tracking others' averages.

    ``apply(var_list)`` makes, once per variable, a non-trainable shadow
    ``<var>/ExponentialMovingAverage`` starting at the variable's initial value
    and returns the op that updates every shadow (eagerly: updates them now)::

        shadow -= (1 - decay) * (shadow - variable)

    With ``num_updates`` (e.g. the global step) the decay is
    ``min(decay, (1 + num_updates) / (10 + num_updates))``, so early averages
    move faster. ``average(var)`` is the shadow; ``variables_to_restore()``
    maps the shadows' names to the variables, for a Saver that loads the
    averages into the model.
    """

    def __init__(self, decay, num_updates=None, zero_debias=False, name="ExponentialMovingAverage"):
        if zero_debias:
            raise NotImplementedError("neuralab.compat.v1: ExponentialMovingAverage(zero_debias=True) is not "
                                      "supported; use num_updates= for faster early averages")
        self._decay = decay
        self._num_updates = num_updates
        self._name = name
        self._averages = {}  # id(variable) -> (variable, shadow)

    @property
    def name(self):
        """The name of the shadows' suffix (``ExponentialMovingAverage``)."""
        return self._name

    def _decay_tensor(self):
        decay = _A.cast(self._decay, np.float32) if _is_tensor_like(self._decay) else float(self._decay)
        if self._num_updates is None:
            return decay
        n = _A.cast(self._num_updates, np.float32)
        return _A.minimum(decay, _A.truediv(_A.add(1.0, n), _A.add(10.0, n)))

    def apply(self, var_list=None):
        """Create the shadows (first time) and return the op updating them all (None eagerly: done now)."""
        var_list = trainable_variables() if var_list is None else list(var_list)
        g = _graph.get_default_graph()
        updates = []
        with _A.name_scope(self._name):
            decay = self._decay_tensor()
        for v in var_list:
            if not isinstance(v, Variable):
                raise TypeError(f"ExponentialMovingAverage.apply: {v!r} is not a tf.Variable (averages of other "
                                "tensors are not supported)")
            if v._var.dtype.kind != "f":
                raise TypeError(f"The variables must be half, float, or double: {v.name}")
            entry = self._averages.get(id(v))
            if entry is None:
                with no_control_dependencies(g):
                    shadow = Variable(v.initial_value if not _types.MODE.eager else v.numpy(), trainable=False,
                                      _op_name=None if _types.MODE.eager else g.unique_name(
                                          f"{v.op_name}/{self._name}", scoped=False),
                                      name=f"{v.op_name}/{self._name}")
                g.add_to_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, v)
                entry = self._averages[id(v)] = (v, shadow)
            shadow = entry[1]
            with _A.name_scope(self._name):
                rate = _A.subtract(1.0, decay)
                updates.append(shadow.assign_sub(_A.multiply(_A.subtract(shadow, v), _A.cast(rate, v.dtype))))
        if _types.MODE.eager:
            return None
        return group(*updates, name=self._name)

    def average(self, var):
        """The shadow variable of ``var`` (None if ``apply`` never saw it)."""
        entry = self._averages.get(id(var))
        return None if entry is None else entry[1]

    def average_name(self, var):
        """The name the shadow of ``var`` has (and has in checkpoints): ``<var op name>/<name>``."""
        return f"{var.op_name}/{self._name}"

    def variables_to_restore(self, moving_avg_variables=None):
        """{checkpoint name: variable}: each averaged variable under its shadow's name, the rest under their own."""
        if moving_avg_variables is None:
            moving_avg_variables = trainable_variables() + _types.get_default_graph().get_collection(
                GraphKeys.MOVING_AVERAGE_VARIABLES)
        avg = {id(v): v for v in moving_avg_variables}
        out = {self.average_name(v): v for v in avg.values()}
        for v in global_variables():
            if id(v) not in avg and v.op_name not in out:
                out[v.op_name] = v
        return out


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

    def recover_last_checkpoints(self, checkpoint_paths):
        """tf.train.Saver.recover_last_checkpoints: manage these older checkpoints too (``max_to_keep`` counts them)."""
        self._kept = [os.fspath(p) for p in checkpoint_paths if checkpoint_exists(p)]

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


from .summary import summary_iterator  # noqa: E402, F401 - tf.train.summary_iterator reads FileWriter's event files

# the queue-based input pipelines (neuralab.compat.v1.io_ops) under their tf.train names
from .io_ops import (  # noqa: E402, F401 - re-exported as tf.train.*
    Coordinator, QueueRunner, add_queue_runner, batch, batch_join, input_producer, queue_runner, range_input_producer,
    shuffle_batch, shuffle_batch_join, slice_input_producer, start_queue_runners, string_input_producer,
)
