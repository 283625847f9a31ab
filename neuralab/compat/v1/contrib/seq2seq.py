"""``tf.contrib.seq2seq``: ``sequence_loss``, the weighted cross-entropy of a sequence of logits.

Decoders, helpers and attention mechanisms are not provided (they raise
NotProvidedError naming the attribute).
"""
from __future__ import annotations

import numpy as np

from .... import ops as O
from ...._core import graph as _graph
from ...._core.tensor import Tensor
from .. import _types
from .._base import as_tensor
from ..missing import module_getattr

__getattr__ = module_getattr(__name__, "tf.contrib.seq2seq")


def _rank_check(t, rank, what):
    if t.shape is None or len(t.shape) != rank:
        dims = "batch_size x sequence_length" + (" x logits" if rank == 3 else "")
        raise ValueError(f"{what} must be a [{dims}] tensor, got shape {_types.TensorShape(t.shape)}")


def div_no_nan(num, den):
    """``num / den``, 0 where ``den`` is 0 (its gradient is 0 there too, no NaN)."""
    zero = O.equal(den, np.zeros((), den.dtype))
    return O.where(zero, O.zeros_like(num), O.divide(num, O.where(zero, O.ones_like(den), den)))


def _as_tensor(x, dtype=None):
    t = as_tensor(x)
    if not isinstance(t, Tensor):
        t = Tensor(np.asarray(t, dtype=dtype))
    return t


def sequence_loss(logits, targets, weights, average_across_timesteps=True, average_across_batch=True,
                  sum_over_timesteps=False, sum_over_batch=False, softmax_loss_function=None, name=None):
    """tf.contrib.seq2seq.sequence_loss: weighted cross-entropy of ``logits`` [batch, time, classes] against
    integer ``targets`` [batch, time], ``weights`` [batch, time] (1 for real steps, 0 for padding).

    With ``w`` the weights and ``l`` the per-step losses times ``w``, the result is
    ``sum(l) / sum(w)`` (both averages, the default: a scalar), ``sum over time of l /
    sum over time of w`` per example (``average_across_batch=False``), per step over
    the batch (``average_across_timesteps=False``), or the losses ``l`` themselves
    (both False). ``sum_over_*`` divide by the number of non-zero weights instead.
    A division by zero gives 0.
    """
    lg, tg = as_tensor(logits), _as_tensor(targets, np.int32)
    w = _as_tensor(weights, np.float32)
    _rank_check(lg, 3, "Logits")
    _rank_check(tg, 2, "Targets")
    _rank_check(w, 2, "Weights")
    if average_across_timesteps and sum_over_timesteps:
        raise ValueError("average_across_timesteps and sum_over_timesteps cannot be set to True at same time.")
    if average_across_batch and sum_over_batch:
        raise ValueError("average_across_batch and sum_over_batch cannot be set to True at same time.")
    from .. import nn

    with _graph.get_default_graph().name_scope(name or "sequence_loss"):
        C = lg.shape[2]
        flat = O.reshape(lg, (-1, C) if C is not None else O.stack([np.int64(-1), O.getitem(O.shape_of(lg, np.int64),
                                                                                              2)]))
        labels = O.reshape(tg, (-1,))
        if softmax_loss_function is None:
            xent = as_tensor(nn.sparse_softmax_cross_entropy_with_logits(labels=_types.wrap(labels),
                                                                         logits=_types.wrap(flat)))
        else:
            xent = as_tensor(softmax_loss_function(labels=_types.wrap(labels), logits=_types.wrap(flat)))
        if w.dtype != xent.dtype:
            w = O.cast(w, xent.dtype)
        xent = O.multiply(xent, O.reshape(w, (-1,)))
        if average_across_timesteps and average_across_batch:
            return div_no_nan(O.sum(xent), O.sum(w))
        if sum_over_timesteps and sum_over_batch:
            return div_no_nan(O.sum(xent), O.cast(O.sum(O.not_equal(w, np.zeros((), w.dtype))), xent.dtype))
        lead = lg.shape[:2]
        if sum(d is None for d in lead) <= 1:
            xent = O.reshape(xent, tuple(-1 if d is None else int(d) for d in lead))
        else:
            xent = O.reshape(xent, O.getitem(O.shape_of(lg, np.int64), slice(0, 2)))
        if average_across_timesteps or average_across_batch:
            axis = 0 if average_across_batch else 1
            return div_no_nan(O.sum(xent, axis=axis), O.sum(w, axis=axis))
        if sum_over_timesteps or sum_over_batch:
            axis = 0 if sum_over_batch else 1
            count = O.cast(O.sum(O.not_equal(w, np.zeros((), w.dtype)), axis=axis), xent.dtype)
            return div_no_nan(O.sum(xent, axis=axis), count)
        return xent


__all__ = ["sequence_loss"]
_types.export(globals(), default_names={"sequence_loss": None})
