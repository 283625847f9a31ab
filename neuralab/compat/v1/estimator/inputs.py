"""``tf.estimator.inputs``: ``numpy_input_fn`` — an ``input_fn`` over NumPy arrays, built on ``tf.data``.

``numpy_input_fn(x, y, batch_size, num_epochs, shuffle)()`` is the dataset
``from_tensor_slices((x, y))``, shuffled (seeded by the graph seed, so
``RunConfig(tf_random_seed=...)`` repeats a run), repeated ``num_epochs``
times (None: forever) and batched — the last batch of the last epoch may be
short, batches run across epoch boundaries, as with TF's feeding queues. Its
one-shot iterator's ``get_next()`` gives ``(features, labels)``: ``features``
a dict of tensors when ``x`` is a dict (an array otherwise), and after the
last batch the next run raises ``tf.errors.OutOfRangeError``, which ends
``Estimator.train``/``evaluate``/``predict``.
"""
from __future__ import annotations

import numpy as np

from ..missing import module_getattr

__getattr__ = module_getattr(__name__, "tf.estimator.inputs")


def _check_arrays(x, y):
    xs = x if isinstance(x, dict) else {"x": x}
    if isinstance(x, dict) and not x:
        raise ValueError("x cannot be an empty dict")
    arrays = {k: np.asarray(v) for k, v in xs.items()}
    if y is not None:
        ys = y if isinstance(y, dict) else {"y": y}
        arrays.update({("label", k): np.asarray(v) for k, v in ys.items()})
        if isinstance(y, dict) and isinstance(x, dict) and set(x) & set(y):
            raise ValueError(f"{sorted(set(x) & set(y))} duplicate keys are found in both x and y: "
                             f"{sorted(x)}, {sorted(y)}")
    lengths = {len(a) if a.ndim else None for a in arrays.values()}
    if None in lengths or len(lengths) != 1:
        raise ValueError("Length of tensors in x and y is mismatched. All elements in x and y must have the same "
                         f"length: {({str(k): a.shape for k, a in arrays.items()})}")


def numpy_input_fn(x, y=None, batch_size=128, num_epochs=1, shuffle=None, queue_capacity=1000, num_threads=1):
    """tf.estimator.inputs.numpy_input_fn: an ``input_fn`` returning batches of ``x`` (and ``y``) as tensors.

    ``x`` is an array or a dict of arrays (the features), ``y`` an array, a
    dict of arrays or None (then ``input_fn()`` returns the features only).
    ``shuffle`` must be given explicitly, as in TF.
    """
    if not isinstance(shuffle, bool):
        raise ValueError(f"shuffle must be provided explicitly as a bool, got {shuffle} instead.")
    if not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if num_epochs is not None and (not isinstance(num_epochs, (int, np.integer)) or num_epochs <= 0):
        raise ValueError(f"num_epochs must be None or a positive integer, got {num_epochs!r}")
    _check_arrays(x, y)

    def input_fn():
        from .. import data as _data  # tf.data (imported when the input is built)

        xs = {k: np.asarray(v) for k, v in x.items()} if isinstance(x, dict) else np.asarray(x)
        n = len(next(iter(xs.values()))) if isinstance(xs, dict) else len(xs)
        if y is None:
            ds = _data.Dataset.from_tensor_slices(xs)
        else:
            ys = {k: np.asarray(v) for k, v in y.items()} if isinstance(y, dict) else np.asarray(y)
            ds = _data.Dataset.from_tensor_slices((xs, ys))
        if shuffle:
            ds = ds.shuffle(max(n, 1))
        ds = ds.repeat(num_epochs).batch(int(batch_size))
        out = ds.make_one_shot_iterator().get_next()
        return tuple(out) if y is not None else out

    return input_fn


def pandas_input_fn(*args, **kwargs):
    """Not supported: pandas is not a dependency; use numpy_input_fn with ``df[col].values`` arrays."""
    raise NotImplementedError("neuralab.compat.v1: tf.estimator.inputs.pandas_input_fn is not supported; use "
                              "numpy_input_fn(x={name: df[name].values for name in df}, y=labels.values)")


__all__ = ["numpy_input_fn", "pandas_input_fn"]
