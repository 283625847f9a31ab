"""``tf.contrib.eager`` (``tfe``): the eager-execution helpers of TF 1.x's contrib.

``tfe.Variable`` is ``tf.Variable``; ``tfe.gradients_function``,
``tfe.value_and_gradients_function``, ``tfe.implicit_gradients`` and
``tfe.implicit_value_and_gradients`` are written over ``tf.GradientTape``
(:mod:`neuralab.compat.v1.eager`); ``tfe.Iterator(dataset)`` iterates a
``tf.data.Dataset`` eagerly.
"""
from __future__ import annotations

from ..eager import (
    GradientTape, enable_eager_execution, executing_eagerly, gradients_function, implicit_gradients,
    implicit_value_and_gradients, value_and_gradients_function,
)
from ..missing import module_getattr
from ..variables import Variable

__getattr__ = module_getattr(__name__, "tf.contrib.eager")

in_eager_mode = executing_eagerly


def num_gpus():
    """tfe.num_gpus: the adapter runs on the CPU (0)."""
    return 0


class Iterator:
    """tfe.Iterator(dataset): the dataset's elements one by one (eager execution), ``next()`` / ``get_next()``.

    Raises StopIteration at the end of the data (``get_next`` raises
    tf.errors.OutOfRangeError, as the graph iterators do).
    """

    def __init__(self, dataset):
        from .. import _types

        if not _types.MODE.eager:
            raise RuntimeError("tfe.Iterator needs eager execution (in a graph use dataset.make_one_shot_iterator())")
        if not hasattr(dataset, "__iter__"):
            raise TypeError(f"tfe.Iterator: expected a tf.data.Dataset, got {type(dataset).__name__}")
        self._it = iter(dataset)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._it)

    next = __next__

    def get_next(self, name=None):
        """The next element; tf.errors.OutOfRangeError at the end."""
        from ..errors import OutOfRangeError

        try:
            return next(self._it)
        except StopIteration:
            raise OutOfRangeError(None, None, "End of sequence") from None


__all__ = ["GradientTape", "Iterator", "Variable", "enable_eager_execution", "executing_eagerly",
           "gradients_function", "implicit_gradients", "implicit_value_and_gradients", "in_eager_mode", "num_gpus",
           "value_and_gradients_function"]
