"""``tf.nn.dynamic_rnn``, ``tf.nn.static_rnn``, ``tf.nn.bidirectional_dynamic_rnn`` and friends.

They run a cell (:mod:`neuralab.compat.v1.rnn_cell`) over a whole sequence in
the ``rnn`` variable scope (``bidirectional_rnn/fw`` and ``/bw`` for the two
directions), as TF 1.x names them. The sequence is handed to the cell at
once (``run_sequence``), so an LSTM layer is one native recurrence op, not a
loop of small ones; ``static_rnn`` takes the same route after stacking its
list of steps.

TF's semantics for ``sequence_length`` (one length per batch entry): outputs
past a sequence's length are zero and the final state is the state at its last
valid step (the initial state for a length of 0). The backward direction of a
bidirectional RNN reads each sequence from its own last valid step back to the
first (TF reverses the valid part with ``reverse_sequence``) and its outputs
stand at the positions of the inputs they were computed from. The batch size
may be unknown when the graph is built; the number of time steps must be known
(the native recurrence is unrolled over it): pad shorter sequences to a fixed
length and pass ``sequence_length``.
"""
from __future__ import annotations

import numpy as np

from ... import ops as O
from ..._core.tensor import Tensor
from ...ops import elementwise as E
from . import _types
from ._base import as_graph_tensor
from .array_ops import _unsupported
from .missing import module_getattr
from .rnn_cell import _Sequence, _flatten, _nl, _wrap, known_value, run_sequence
from .variables import variable_scope

__getattr__ = module_getattr(__name__, "tf.nn")


def _check_cell(what, name, cell):
    missing = [p for p in ("output_size", "state_size") if not hasattr(cell, p)]
    if not callable(cell):
        missing.append("is not callable")
    if not (hasattr(cell, "zero_state") or hasattr(cell, "get_initial_state")):
        missing.append("zero_state")
    if missing:
        raise TypeError(f"{what}: the argument '{name}' ({cell!r}) is not an RNNCell: missing "
                        f"{', '.join(missing)}")


def _inputs(what, inputs, time_major):
    """The inputs as a time-major (T, B, depth) neuralab tensor; the number of steps must be known."""
    if isinstance(inputs, (tuple, list)) and any(hasattr(e, "__neuralab_tensor__") or isinstance(e, Tensor)
                                                 for e in _flatten(inputs)):
        _unsupported(what, "with nested (tuple) inputs", "concatenate them along the last axis into one tensor")
    x = as_graph_tensor(inputs)
    if x.shape is None or len(x.shape) != 3:
        shp = _types.TensorShape(x.shape)
        raise ValueError(f"{what}: inputs must have rank 3, [batch, time, depth] ([time, batch, depth] with "
                         f"time_major=True), got shape {shp}")
    if x.dtype.kind != "f":
        raise ValueError(f"{what}: inputs must be floating, got {x.dtype}")
    if not time_major:
        x = O.transpose(x, (1, 0, 2))
    if x.shape[0] is None:
        shp = _types.TensorShape(x.shape if time_major else (x.shape[1], x.shape[0], x.shape[2]))
        _unsupported(what, f"with a number of time steps unknown when the graph is built (inputs of shape {shp})",
                     "give the inputs a fixed number of steps (pad shorter sequences) and pass sequence_length")
    if x.shape[0] == 0:
        raise ValueError(f"{what}: the inputs have no time steps")
    if x.shape[2] is None:
        raise ValueError(f"{what}: the depth of the inputs (their last dimension) must be known, got shape "
                         f"{_types.TensorShape(x.shape)} (time-major)")
    return x


def _lengths(what, sequence_length):
    """``sequence_length`` as a NumPy int array (known at build time) or an int tensor of shape (B,)."""
    if sequence_length is None:
        return None
    t = known_value(sequence_length)
    if isinstance(t, Tensor):
        if t.shape is not None and len(t.shape) != 1:
            raise ValueError(f"{what}: sequence_length must be a vector of length batch_size, but saw shape: "
                             f"{_types.TensorShape(t.shape)}")
        return t if t.dtype.kind in "iu" else E.cast(t, np.int32)
    a = t
    if a.ndim != 1:
        raise ValueError(f"{what}: sequence_length must be a vector of length batch_size, but saw shape: "
                         f"{_types.TensorShape(a.shape)}")
    if a.dtype.kind not in "iuf":
        raise ValueError(f"{what}: sequence_length must hold integers, got {a.dtype}")
    return a.astype(np.int64)


def _initial(what, cell, x, initial_state, dtype):
    """The initial state (neuralab tensors): the one given, else the cell's zero state for x's batch."""
    if initial_state is not None:
        return _nl(initial_state)
    if dtype is None:
        raise ValueError(f"{what}: if there is no initial_state, you must give a dtype.")
    b = x.shape[1] if x.shape[1] is not None else O.getitem(O.shape_of(x, np.int32), 1)
    return _nl(cell.zero_state(b, dtype))


def _run(what, cell, x, sequence_length, initial_state, dtype, reverse=False):
    """``(outputs (T, B, output_size), final state)``, neuralab tensors, of ``cell`` over time-major ``x``."""
    state = _initial(what, cell, x, initial_state, dtype)
    seq = _Sequence(_lengths(what, sequence_length), x.shape[0], reverse)
    return run_sequence(cell, x, state, seq)


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None, parallel_iterations=None,
                swap_memory=False, time_major=False, scope=None):
    """tf.nn.dynamic_rnn: ``(outputs, final_state)`` of ``cell`` over ``inputs`` [batch, time, depth].

    ``outputs`` is [batch, time, output_size] ([time, batch, ...] with
    ``time_major``); zero past each ``sequence_length``, where the final state
    stops. Variables go to the scope ``scope`` (default ``rnn``). Give
    ``initial_state`` or ``dtype`` (for the zero state).
    """
    _check_cell("tf.nn.dynamic_rnn", "cell", cell)
    with variable_scope(scope or "rnn"):
        x = _inputs("tf.nn.dynamic_rnn", inputs, time_major)
        out, state = _run("tf.nn.dynamic_rnn", cell, x, sequence_length, initial_state, dtype)
        if not time_major:
            out = O.transpose(out, (1, 0, 2))
    return _wrap((out, state))


def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None, scope=None):
    """tf.nn.static_rnn: ``(outputs, final_state)`` for a list of [batch, depth] inputs, one per step.

    ``outputs`` is the list of per-step outputs; ``sequence_length`` as in
    :func:`dynamic_rnn`. Computed like dynamic_rnn over the stacked steps.
    """
    _check_cell("tf.nn.static_rnn", "cell", cell)
    steps = _step_list("tf.nn.static_rnn", inputs)
    with variable_scope(scope or "rnn"):
        x = _inputs("tf.nn.static_rnn", O.stack(steps, 0), True)
        out, state = _run("tf.nn.static_rnn", cell, x, sequence_length, initial_state, dtype)
    return _wrap((list(O.unstack(out, 0)), state))


def _step_list(what, inputs):
    if not isinstance(inputs, (list, tuple)):
        raise TypeError(f"{what}: inputs must be a sequence (a list of [batch, depth] tensors, one per step)")
    if not inputs:
        raise ValueError(f"{what}: inputs must not be empty")
    return [as_graph_tensor(t) for t in inputs]


def _bidirectional(what, cell_fw, cell_bw, x, sequence_length, initial_state_fw, initial_state_bw, dtype):
    """Both directions over time-major x in the current scope's ``fw`` and ``bw`` scopes."""
    _check_cell(what, "cell_fw", cell_fw)
    _check_cell(what, "cell_bw", cell_bw)
    with variable_scope("fw"):
        fw = _run(what, cell_fw, x, sequence_length, initial_state_fw, dtype)
    with variable_scope("bw"):
        bw = _run(what, cell_bw, x, sequence_length, initial_state_bw, dtype, reverse=True)
    return fw, bw


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None, initial_state_fw=None,
                              initial_state_bw=None, dtype=None, parallel_iterations=None, swap_memory=False,
                              time_major=False, scope=None):
    """tf.nn.bidirectional_dynamic_rnn: ``((output_fw, output_bw), (state_fw, state_bw))``.

    The forward cell reads the sequences in order, the backward cell from each
    one's last valid step (``sequence_length``) back to the first; both outputs
    are [batch, time, size] aligned with the inputs (concatenate them along
    axis 2 for the usual bidirectional features). Scopes
    ``bidirectional_rnn/fw`` and ``bidirectional_rnn/bw``.
    """
    with variable_scope(scope or "bidirectional_rnn"):
        x = _inputs("tf.nn.bidirectional_dynamic_rnn", inputs, time_major)
        (of, sf), (ob, sb) = _bidirectional("tf.nn.bidirectional_dynamic_rnn", cell_fw, cell_bw, x, sequence_length,
                                            initial_state_fw, initial_state_bw, dtype)
        if not time_major:
            of, ob = O.transpose(of, (1, 0, 2)), O.transpose(ob, (1, 0, 2))
    return _wrap(((of, ob), (sf, sb)))


def static_bidirectional_rnn(cell_fw, cell_bw, inputs, initial_state_fw=None, initial_state_bw=None, dtype=None,
                             sequence_length=None, scope=None):
    """tf.nn.static_bidirectional_rnn: ``(outputs, state_fw, state_bw)``, ``outputs`` the per-step list of
    ``concat([output_fw, output_bw], 1)``."""
    steps = _step_list("tf.nn.static_bidirectional_rnn", inputs)
    with variable_scope(scope or "bidirectional_rnn"):
        x = _inputs("tf.nn.static_bidirectional_rnn", O.stack(steps, 0), True)
        (of, sf), (ob, sb) = _bidirectional("tf.nn.static_bidirectional_rnn", cell_fw, cell_bw, x, sequence_length,
                                            initial_state_fw, initial_state_bw, dtype)
        out = O.concatenate([of, ob], axis=2)
    return _wrap((list(O.unstack(out, 0)), sf, sb))


def stack_bidirectional_dynamic_rnn(cells_fw, cells_bw, inputs, initial_states_fw=None, initial_states_bw=None,
                                    dtype=None, sequence_length=None, parallel_iterations=None, time_major=False,
                                    scope=None, swap_memory=False):
    """tf.contrib.rnn.stack_bidirectional_dynamic_rnn: bidirectional layers, each reading the previous layer's
    concatenated outputs; ``(outputs, states_fw, states_bw)``. Scopes ``stack_bidirectional_rnn/cell_i/
    bidirectional_rnn/{fw,bw}``."""
    what = "tf.contrib.rnn.stack_bidirectional_dynamic_rnn"
    if not cells_fw or not cells_bw:
        raise ValueError(f"{what}: must specify at least one fw and one bw cell")
    if not isinstance(cells_fw, (list, tuple)) or not isinstance(cells_bw, (list, tuple)):
        raise ValueError(f"{what}: cells_fw and cells_bw must be lists of cells")
    if len(cells_fw) != len(cells_bw):
        raise ValueError(f"{what}: forward and backward cell lists must have the same length, got {len(cells_fw)} "
                         f"and {len(cells_bw)}")
    for name, states in (("initial_states_fw", initial_states_fw), ("initial_states_bw", initial_states_bw)):
        if states is not None and (not isinstance(states, (list, tuple)) or len(states) != len(cells_fw)):
            raise ValueError(f"{what}: {name} must be a list with one state per cell")
    states_fw, states_bw = [], []
    with variable_scope(scope or "stack_bidirectional_rnn"):
        x = _inputs(what, inputs, time_major)
        for i, (cf, cb) in enumerate(zip(cells_fw, cells_bw)):
            with variable_scope(f"cell_{i}"), variable_scope("bidirectional_rnn"):
                (of, sf), (ob, sb) = _bidirectional(
                    what, cf, cb, x, sequence_length, None if initial_states_fw is None else initial_states_fw[i],
                    None if initial_states_bw is None else initial_states_bw[i], dtype)
            x = O.concatenate([of, ob], axis=2)
            states_fw.append(sf)
            states_bw.append(sb)
        out = x if time_major else O.transpose(x, (1, 0, 2))
    return _wrap((out, tuple(states_fw), tuple(states_bw)))


__all__ = ["bidirectional_dynamic_rnn", "dynamic_rnn", "stack_bidirectional_dynamic_rnn",
           "static_bidirectional_rnn", "static_rnn"]
_types.export(globals(), scope_names=tuple(__all__))
