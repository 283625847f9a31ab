"""``input_data.read_data_sets``: MNIST as the TF 1.x tutorials load it, from neuralab.data's reader.

TF's split and batching are kept: the first ``validation_size`` (5,000) training
images are the validation set and the remaining 55,000 the training set, plus
the 10,000 test images; images are float32 in [0, 1], flattened to 784
(``reshape=True``); labels are uint8 class numbers or float64 one-hot rows.
``next_batch`` shuffles at the start of each epoch, and a batch that crosses
the end of an epoch takes the rest of the old epoch followed by the start of a
freshly shuffled one.

Files are looked up in ``train_dir`` first (the four idx files, gzipped or not),
then through :func:`neuralab.data.mnist` (``$NEURALAB_DATA/mnist``, the cache,
then a download). Files whose checksums are not the official ones but which
parse (small test fixtures) are used with a warning.
"""
from __future__ import annotations

import collections
import os
import warnings

import numpy as np

from ......data import datasets as _ds
from ......data.idx import IMAGES_MAGIC, LABELS_MAGIC, DataFormatError, read_idx

Datasets = collections.namedtuple("Datasets", ["train", "validation", "test"])
Datasets.__doc__ = "tf.contrib.learn.datasets.base.Datasets: the (train, validation, test) DataSets."

_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


class DataSet:
    """tf.contrib.learn.datasets.mnist.DataSet: one split with TF's ``next_batch`` epoch semantics.

    TF reorders the whole arrays at each epoch start (``images = images[perm]``:
    a 172 MB gather for the training images, plus the page faults of a fresh
    array, every epoch). Here the data stay where they are and the split keeps
    the composed permutation instead (``order``, the same draws from the same
    generator): a batch gathers its rows through it, and :attr:`images` /
    :attr:`labels` give the reordered arrays TF would hold (made once per
    epoch, on first access). The batches are the same values in the same order.
    Until the first shuffle (and for splits that are never shuffled, such as the
    test set) :attr:`images` is the stored array itself, as in TF.
    """

    def __init__(self, images, labels, fake_data=False, one_hot=False, dtype=np.float32, reshape=True, seed=None):
        if fake_data:
            raise NotImplementedError("neuralab.compat.v1: DataSet(fake_data=True) is not supported")
        d = _image_dtype(dtype)
        images = np.asarray(images)
        if len(images) != len(labels):
            raise ValueError(f"images.shape: {images.shape} labels.shape: {np.shape(labels)}")
        if reshape and images.ndim == 4:  # (N, 28, 28, 1) -> (N, 784), as TF does
            images = images.reshape(images.shape[0], images.shape[1] * images.shape[2] * images.shape[3])
        if d == np.float32 and images.dtype != np.float32:
            images = images.astype(np.float32)
            images *= np.float32(1.0 / 255.0)  # [0, 255] -> [0.0, 1.0] (in place: one 172 MB array, not two)
        self._num_examples = len(images)
        self._base_images = images
        self._base_labels = np.asarray(labels)
        self._order = None  # the permutation applied so far (None: the stored order)
        self._cache = None  # (images, labels) reordered by _order, made on first access
        self._epochs_completed = 0
        self._index_in_epoch = 0
        self._rng = np.random.RandomState(seed) if seed is not None else np.random

    def _arrays(self):
        if self._order is None:
            return self._base_images, self._base_labels
        if self._cache is None:
            self._cache = (self._base_images.take(self._order, axis=0), self._base_labels.take(self._order, axis=0))
        return self._cache

    @property
    def images(self):
        return self._arrays()[0]

    @property
    def labels(self):
        return self._arrays()[1]

    @property
    def num_examples(self):
        return self._num_examples

    @property
    def epochs_completed(self):
        return self._epochs_completed

    def _shuffle(self):
        perm = self._rng.permutation(self._num_examples)
        self._order = perm if self._order is None else self._order.take(perm)
        self._cache = None

    def _rows(self, start, end):
        """Examples start..end-1 of the current order: views before any shuffle, gathered rows after."""
        if self._order is None:
            return self._base_images[start:end], self._base_labels[start:end]
        if self._cache is not None:
            return self._cache[0][start:end], self._cache[1][start:end]
        idx = self._order[start:end]
        return self._base_images.take(idx, axis=0), self._base_labels.take(idx, axis=0)

    def next_batch(self, batch_size, fake_data=False, shuffle=True):
        """The next ``batch_size`` examples (images, labels); reshuffles at each epoch start."""
        if fake_data:
            raise NotImplementedError("neuralab.compat.v1: next_batch(fake_data=True) is not supported")
        n = self._num_examples
        start = self._index_in_epoch
        if self._epochs_completed == 0 and start == 0 and shuffle:
            self._shuffle()
        if start + batch_size <= n:
            self._index_in_epoch = start + batch_size
            return self._rows(start, self._index_in_epoch)
        # the batch crosses the end of the epoch: the rest of this epoch, then the start of the next
        self._epochs_completed += 1
        images_rest, labels_rest = self._rows(start, n)
        if shuffle:
            self._shuffle()
        end = batch_size - (n - start)
        self._index_in_epoch = end
        images_new, labels_new = self._rows(0, end)
        return (np.concatenate((images_rest, images_new), axis=0),
                np.concatenate((labels_rest, labels_new), axis=0))


def dense_to_one_hot(labels_dense, num_classes=10):
    """tf.contrib.learn.datasets.mnist.dense_to_one_hot: class numbers -> float64 one-hot rows."""
    labels_dense = np.asarray(labels_dense).reshape(-1)
    out = np.zeros((labels_dense.shape[0], num_classes))
    out[np.arange(labels_dense.shape[0]), labels_dense.astype(np.int64)] = 1
    return out


def _image_dtype(dtype):
    d = np.dtype(dtype.dtype if isinstance(getattr(dtype, "dtype", None), np.dtype) else dtype)
    if d not in (np.dtype(np.uint8), np.dtype(np.float32)):
        raise TypeError(f"Invalid image dtype {d}, expected uint8 or float32")
    return d


def _find(folder, stem):
    for name in (stem + ".gz", stem):
        p = os.path.join(folder, name)
        if os.path.exists(p):
            return p
    return None


def _official_md5():
    try:
        return {r.filename: r.md5 for r in _ds._IDX_SETS["mnist"]["files"]}
    except (AttributeError, KeyError):  # pragma: no cover - neuralab.data changed its table
        return {}


def _read_folder(folder):
    """(train_x uint8, train_y, test_x, test_y) from the idx files in ``folder``, or None if absent."""
    paths = [_find(folder, s) for s in _FILES]
    if any(p is None for p in paths):
        return None
    md5 = _official_md5()
    odd = [p for p in paths if md5.get(os.path.basename(p)) not in (None, _ds.file_digest(p, "md5"))]
    if odd:
        warnings.warn(f"read_data_sets: {', '.join(os.path.basename(p) for p in odd)} in {folder} are not the "
                      "official MNIST files (checksum differs); using them as they parse", stacklevel=3)
    xtr = read_idx(paths[0], IMAGES_MAGIC)
    ytr = read_idx(paths[1], LABELS_MAGIC, len(xtr))
    xte = read_idx(paths[2], IMAGES_MAGIC)
    yte = read_idx(paths[3], LABELS_MAGIC, len(xte))
    return xtr, ytr, xte, yte


def _read_neuralab():
    """The same arrays through neuralab.data.mnist ($NEURALAB_DATA/mnist, cache, download)."""
    try:
        ds = _ds.mnist(download=True, verify=True, flatten=False, dtype=np.float32)
    except DataFormatError as e:
        warnings.warn(f"read_data_sets: {e}; using the files without checksum verification", stacklevel=3)
        ds = _ds.mnist(download=False, verify=False, flatten=False, dtype=np.float32)

    def back(x):
        return np.round(x[..., 0] * 255.0).astype(np.uint8)

    return back(ds.x_train), ds.y_train.astype(np.uint8), back(ds.x_test), ds.y_test.astype(np.uint8)


def read_data_sets(train_dir, fake_data=False, one_hot=False, dtype=np.float32, reshape=True, validation_size=5000,
                   seed=None, source_url=None):
    """tf.examples.tutorials.mnist.input_data.read_data_sets: Datasets(train, validation, test) of MNIST."""
    if fake_data:
        raise NotImplementedError("neuralab.compat.v1: read_data_sets(fake_data=True) is not supported")
    arrays = _read_folder(os.fspath(train_dir)) if train_dir else None
    if arrays is None:
        arrays = _read_neuralab()
    xtr, ytr, xte, yte = arrays
    d = _image_dtype(dtype)

    def prep_y(y):
        return dense_to_one_hot(y, 10) if one_hot else y.astype(np.uint8)

    if not 0 <= validation_size <= len(xtr):
        if len(xtr) < 60000 and validation_size == 5000:  # a small fixture with the default split
            validation_size = len(xtr) // 10
            warnings.warn(f"read_data_sets: only {len(xtr)} training images; using validation_size="
                          f"{validation_size}", stacklevel=2)
        else:
            raise ValueError(f"Validation size should be between 0 and {len(xtr)}. Received: {validation_size}.")
    x_train, y_train = xtr[..., None], prep_y(ytr)  # (N, 28, 28, 1) as TF extracts them
    opts = dict(dtype=d, reshape=reshape, seed=seed)
    train = DataSet(x_train[validation_size:], y_train[validation_size:], **opts)
    validation = DataSet(x_train[:validation_size], y_train[:validation_size], **opts)
    test = DataSet(xte[..., None], prep_y(yte), **opts)
    return Datasets(train=train, validation=validation, test=test)


def load_mnist(train_dir="MNIST-data"):
    """tf.examples.tutorials.mnist.input_data.load_mnist: read_data_sets(train_dir)."""
    return read_data_sets(train_dir)
