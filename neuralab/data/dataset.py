"""Map-style datasets (PyTorch's ``Dataset`` and ``TensorDataset``) for :class:`~neuralab.data.DataLoader`.

A map-style dataset is any object with ``__len__`` and ``__getitem__(i)``
returning one sample: an array, a number, or a tuple/dict of them.
:class:`~neuralab.data.DataLoader` draws indices (shuffled per epoch when
asked), fetches the samples and stacks them field by field into batches with
:func:`default_collate`. A :class:`TensorDataset` is served without the
per-sample loop: its arrays are indexed with the whole batch of indices at once.

>>> import numpy as np
>>> ds = TensorDataset(np.arange(10.0).reshape(5, 2), np.array([0, 1, 0, 1, 1]))
>>> len(ds), ds[1]
(5, (array([2., 3.]), np.int64(1)))
"""
from __future__ import annotations

import numpy as np

__all__ = ["Dataset", "TensorDataset", "default_collate", "is_map_dataset"]


class Dataset:
    """Base class of map-style datasets: subclasses define ``__len__`` and ``__getitem__(index)``.

    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return np.array([float(i)]), i * i
    >>> Squares()[3]
    (array([3.]), 9)
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__}: a Dataset must define __getitem__(index)")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__}: a Dataset must define __len__()")


def _as_array(a, what):
    from .._core.tensor import Tensor

    if isinstance(a, Tensor):
        if a.data is None:
            raise TypeError(f"TensorDataset: {what} is a symbolic tensor; datasets hold values")
        return a.numpy()
    return np.asarray(a)


class TensorDataset(Dataset):
    """Samples ``(a[i], b[i], ...)`` from arrays (or Tensors) that share their first dimension.

    >>> ds = TensorDataset(np.zeros((3, 2)), np.array([1, 2, 3]))
    >>> [len(a) for a in ds.arrays]
    [3, 3]
    """

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset: needs at least one array")
        self.arrays = tuple(_as_array(a, f"array {k}") for k, a in enumerate(arrays))
        for k, a in enumerate(self.arrays):
            if a.ndim == 0:
                raise ValueError(f"TensorDataset: array {k} is a scalar; each array needs a first (sample) dimension")
        n = len(self.arrays[0])
        bad = [(k, len(a)) for k, a in enumerate(self.arrays) if len(a) != n]
        if bad:
            k, m = bad[0]
            raise ValueError(f"TensorDataset: array 0 has {n} samples but array {k} has {m}; all arrays need the "
                             "same first dimension")

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)

    def __len__(self):
        return len(self.arrays[0])


def is_map_dataset(obj) -> bool:
    """Whether ``obj`` is a map-style dataset: a :class:`Dataset`, or a non-array with ``__len__``/``__getitem__``."""
    if isinstance(obj, Dataset):
        return True
    from .._core.tensor import Tensor

    if isinstance(obj, (np.ndarray, list, tuple, dict, str, bytes, Tensor)) or hasattr(obj, "__array__"):
        return False
    return hasattr(obj, "__getitem__") and hasattr(obj, "__len__")


def default_collate(samples):
    """Stack a list of samples into a batch, field by field (tuples stay tuples, dicts stay dicts).

    >>> default_collate([(np.array([1.0, 2.0]), 0), (np.array([3.0, 4.0]), 1)])
    (array([[1., 2.],
           [3., 4.]]), array([0, 1]))
    """
    if not samples:
        raise ValueError("default_collate: no samples to stack")
    first = samples[0]
    if isinstance(first, tuple) or isinstance(first, list):
        width = len(first)
        if any(len(s) != width for s in samples):
            raise ValueError("default_collate: samples have different numbers of fields")
        return tuple(default_collate([s[k] for s in samples]) for k in range(width))
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    try:
        return np.stack([np.asarray(s) for s in samples])
    except ValueError as e:
        shapes = sorted({np.shape(s) for s in samples})
        raise ValueError(f"default_collate: samples of shapes {shapes} cannot be stacked into a batch: {e}") from None
