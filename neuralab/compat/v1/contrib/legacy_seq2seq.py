"""``tf.contrib.legacy_seq2seq``: the losses over lists of per-step logits (``sequence_loss_by_example``,
``sequence_loss``). The legacy seq2seq models are not provided (NotProvidedError)."""
from __future__ import annotations

import numpy as np

from .... import ops as O
from ...._core import graph as _graph
from .. import _types
from .._base import as_graph_tensor, as_tensor
from ..missing import module_getattr

__getattr__ = module_getattr(__name__, "tf.contrib.legacy_seq2seq")


def _same_lengths(logits, targets, weights, what):
    if len(targets) != len(logits) or len(weights) != len(logits):
        raise ValueError(f"{what}: lengths of logits, weights, and targets must be the same {len(logits)}, "
                         f"{len(weights)}, {len(targets)}.")


def sequence_loss_by_example(logits, targets, weights, average_across_timesteps=True, softmax_loss_function=None,
                             name=None):
    """tf.contrib.legacy_seq2seq.sequence_loss_by_example: per-example loss ``sum_t w_t * xent_t``, divided by
    ``sum_t w_t + 1e-12`` when ``average_across_timesteps``. Arguments are lists with one entry per step:
    logits [batch, classes], integer targets [batch], weights [batch]."""
    from .. import nn

    _same_lengths(logits, targets, weights, "sequence_loss_by_example")
    with _graph.get_default_graph().name_scope(name or "sequence_loss_by_example"):
        terms = []
        for lg, tg, w in zip(logits, targets, weights):
            if softmax_loss_function is None:
                xent = nn.sparse_softmax_cross_entropy_with_logits(labels=O.reshape(as_graph_tensor(tg), (-1,)),
                                                                   logits=lg)
            else:
                xent = softmax_loss_function(labels=_types.wrap(O.reshape(as_graph_tensor(tg), (-1,))), logits=lg)
            xent = as_tensor(xent)
            terms.append(O.multiply(xent, O.cast(as_graph_tensor(w), xent.dtype)))
        total = terms[0]
        for t in terms[1:]:
            total = O.add(total, t)
        if average_across_timesteps:
            size = O.cast(as_graph_tensor(weights[0]), total.dtype)
            for w in weights[1:]:
                size = O.add(size, O.cast(as_graph_tensor(w), total.dtype))
            total = O.divide(total, O.add(size, 1e-12))
    return total


def sequence_loss(logits, targets, weights, average_across_timesteps=True, average_across_batch=True,
                  softmax_loss_function=None, name=None):
    """tf.contrib.legacy_seq2seq.sequence_loss: the sum over the batch of :func:`sequence_loss_by_example`,
    divided by the batch size when ``average_across_batch``."""
    with _graph.get_default_graph().name_scope(name or "sequence_loss"):
        per = as_tensor(sequence_loss_by_example(logits, targets, weights, average_across_timesteps,
                                                 softmax_loss_function))
        cost = O.sum(per)
        if average_across_batch:
            n = O.getitem(O.shape_of(as_graph_tensor(targets[0]), np.int64), 0)
            cost = O.divide(cost, O.cast(n, cost.dtype))
    return cost


__all__ = ["sequence_loss", "sequence_loss_by_example"]
_types.export(globals())
