"""``tf.feature_column``: dense numeric columns and ``input_layer`` (what the canned estimators read).

A column names a feature of the ``features`` dict an ``input_fn`` returns and
says how it becomes part of the model's dense input. ``input_layer(features,
columns)`` concatenates every column's ``[batch, prod(shape)]`` float block,
the columns sorted by name as TF does.

* ``numeric_column(key, shape=(1,), default_value=None, dtype=tf.float32,
  normalizer_fn=None)``: the feature itself, cast to ``dtype``, passed
  through ``normalizer_fn`` (e.g. ``lambda x: (x - mean) / std``).
* ``bucketized_column(numeric_column, boundaries)``: a one-hot of the bucket
  each value falls in (``v < b[0]`` is bucket 0, ``b[i-1] <= v < b[i]`` bucket i).

Categorical and embedding columns are not provided (NotProvidedError).
"""
from __future__ import annotations

import collections

import numpy as np

from . import _dtypes
from . import array_ops as _A
from .missing import module_getattr

__getattr__ = module_getattr(__name__, "tf.feature_column")


class NumericColumn(collections.namedtuple("NumericColumn",
                                           ["key", "shape", "default_value", "dtype", "normalizer_fn"])):
    """What ``numeric_column`` returns: a dense feature of a fixed shape per example."""

    @property
    def name(self):
        """The column's name (its key)."""
        return self.key

    @property
    def dimension(self):
        """How many numbers one example contributes to the input layer."""
        return int(np.prod(self.shape, dtype=np.int64))

    def _dense(self, features):
        if self.key not in features:
            raise ValueError(f"The feature '{self.key}' of numeric_column is not in the features "
                             f"({sorted(features)})")
        x = _A.cast(features[self.key], self.dtype)
        if self.normalizer_fn is not None:
            x = self.normalizer_fn(x)
        return _A.reshape(x, [-1, self.dimension])


def numeric_column(key, shape=(1,), default_value=None, dtype=_dtypes.float32, normalizer_fn=None):
    """tf.feature_column.numeric_column: the feature ``key`` as dense numbers of ``shape`` per example."""
    if not isinstance(key, str):
        raise ValueError(f"key must be a string, got {key!r}")
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if any(s <= 0 for s in shape):
        raise ValueError(f"shape dimensions must be greater than 0. shape: {shape}, key: {key}")
    d = _dtypes.as_dtype(dtype)
    if not d.is_floating and not d.is_integer:
        raise ValueError(f"dtype must be convertible to float. dtype: {dtype}, key: {key}")
    if normalizer_fn is not None and not callable(normalizer_fn):
        raise TypeError(f"normalizer_fn must be a callable. Given: {normalizer_fn}")
    if default_value is not None:
        raise NotImplementedError("neuralab.compat.v1: numeric_column(default_value=...) is not supported (dense "
                                  "features have no missing values here); fill missing values in the input")
    return NumericColumn(key, shape, None, _dtypes.float32 if d.is_integer else d, normalizer_fn)


class BucketizedColumn(collections.namedtuple("BucketizedColumn", ["source_column", "boundaries"])):
    """What ``bucketized_column`` returns: a one-hot of the bucket of each value of a numeric column."""

    @property
    def name(self):
        """``<source>_bucketized`` as TF names it."""
        return f"{self.source_column.name}_bucketized"

    @property
    def dimension(self):
        """(buckets) x (values per example)."""
        return (len(self.boundaries) + 1) * self.source_column.dimension

    def _dense(self, features):
        x = self.source_column._dense(features)  # [n, d]
        b = _A.constant(np.asarray(self.boundaries, dtype=np.float32))
        idx = _A.reduce_sum(_A.cast(_A.greater_equal(_A.expand_dims(x, -1), b), np.int32), axis=-1)  # [n, d]
        hot = _A.one_hot(idx, len(self.boundaries) + 1, dtype=np.float32)  # [n, d, k]
        return _A.reshape(hot, [-1, self.dimension])


def bucketized_column(source_column, boundaries):
    """tf.feature_column.bucketized_column: one-hot buckets of a numeric column (sorted ``boundaries``)."""
    if not isinstance(source_column, NumericColumn):
        raise ValueError(f"source_column must be a column generated with numeric_column(). Given: {source_column}")
    bs = [float(b) for b in boundaries]
    if not bs or any(a >= b for a, b in zip(bs, bs[1:])):
        raise ValueError(f"boundaries must be a sorted list, got {boundaries}")
    return BucketizedColumn(source_column, tuple(bs))


def input_layer(features, feature_columns, weight_collections=None, trainable=True, cols_to_vars=None,
                cols_to_output_tensors=None):
    """tf.feature_column.input_layer: the dense input ``[batch, Σ dimension]`` of the columns (sorted by name)."""
    cols = [feature_columns] if isinstance(feature_columns, (NumericColumn, BucketizedColumn)) \
        else list(feature_columns)
    if not cols:
        raise ValueError("feature_columns must not be empty.")
    for c in cols:
        if not isinstance(c, (NumericColumn, BucketizedColumn)):
            raise ValueError(f"Items of feature_columns must be a _DenseColumn (numeric_column or "
                             f"bucketized_column). Given: {c}")
    if not isinstance(features, dict):
        raise ValueError(f"features should be a dictionary of `Tensor`s. Given type: {type(features).__name__}")
    with _A.name_scope(None, "input_layer"):
        parts = []
        for c in sorted(cols, key=lambda c: c.name):
            t = c._dense(features)
            parts.append(t)
            if cols_to_output_tensors is not None:
                cols_to_output_tensors[c] = t
        return parts[0] if len(parts) == 1 else _A.concat(parts, axis=1)


__all__ = ["bucketized_column", "input_layer", "numeric_column"]
