"""Batching and the notes' preprocessing (zero-centering, normalization, mean image)."""
from __future__ import annotations

import numpy as np


class DataLoader:
    """Iterate over batches of arrays ``(x, y)`` or of a map-style dataset.

    * ``DataLoader(x, y, batch_size=100, shuffle=True)`` yields ``(x_batch, y_batch)``
      NumPy batches (``(x_batch, None)`` without ``y``);
    * ``DataLoader(dataset, batch_size, shuffle)`` over any map-style dataset
      (``len(dataset)`` and ``dataset[i]``, e.g. :class:`~neuralab.data.TensorDataset`)
      yields the samples stacked field by field (:func:`~neuralab.data.dataset.default_collate`):
      a tuple ``(x_batch, y_batch)`` for samples ``(x, y)``. A ``TensorDataset`` is
      indexed a whole batch at a time.

    ``shuffle`` reorders every epoch with a generator seeded by ``seed`` (the
    epoch's order depends only on the seed and the epoch number, so a resumed
    run sees the same batches). ``drop_last`` drops a final short batch.

    >>> import numpy as np
    >>> x, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    >>> [yb.tolist() for _, yb in DataLoader(x, y, batch_size=2)]
    [[0, 1], [2, 3], [4]]
    >>> from neuralab.data import TensorDataset
    >>> [len(yb) for _, yb in DataLoader(TensorDataset(x, y), batch_size=2, shuffle=True, drop_last=True)]
    [2, 2]
    """

    def __init__(self, x, y=None, batch_size: int = 32, shuffle: bool = False, drop_last: bool = False,
                 seed: int | None = 0):
        from .dataset import TensorDataset, is_map_dataset

        self.dataset = None
        if is_map_dataset(x):
            if y is not None:
                raise TypeError("DataLoader: pass either arrays (x, y) or one dataset, not a dataset and y")
            if isinstance(x, TensorDataset) and len(x.arrays) <= 2:
                x, y = x.arrays if len(x.arrays) == 2 else (x.arrays[0], None)
            else:
                self.dataset = x
        if self.dataset is None:
            x = np.asarray(x)
            if x.ndim == 0:
                raise ValueError("DataLoader: x is a scalar; it needs a first (sample) dimension")
            if y is not None:
                y = np.asarray(y)
                if len(y) != len(x):
                    raise ValueError(f"DataLoader: x has {len(x)} samples but y has {len(y)}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        self.x, self.y = (None, None) if self.dataset is not None else (x, y)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.seed = seed
        self.epoch = 0

    @property
    def num_samples(self) -> int:
        """The number of samples (``len(dataset)`` or ``len(x)``)."""
        return len(self.dataset) if self.dataset is not None else len(self.x)

    def __len__(self) -> int:
        n = self.num_samples
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def order(self, epoch: int) -> np.ndarray:
        """The sample order of ``epoch`` (a permutation when shuffling)."""
        n = self.num_samples
        if not self.shuffle:
            return np.arange(n)
        return np.random.default_rng([self.seed or 0, epoch]).permutation(n)

    def batch(self, indices):
        """The batch of the samples at ``indices`` (an index array, or a slice of the unshuffled order)."""
        if self.dataset is None:
            return self.x[indices], None if self.y is None else self.y[indices]
        from .dataset import default_collate

        if isinstance(indices, slice):
            indices = range(*indices.indices(len(self.dataset)))
        return default_collate([self.dataset[int(i)] for i in indices])

    def __iter__(self):
        idx = self.order(self.epoch)
        self.epoch += 1
        n = len(idx)
        stop = n - n % self.batch_size if self.drop_last else n
        for i in range(0, stop, self.batch_size):
            yield self.batch(idx[i: i + self.batch_size] if self.shuffle else slice(i, i + self.batch_size))

    def state_dict(self) -> dict:
        """``{"epoch", "seed"}``: what fixes the next epoch's order."""
        return {"epoch": self.epoch, "seed": self.seed}

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`."""
        self.epoch = int(state["epoch"])
        self.seed = state["seed"]


def train_val_split(x, y, val_fraction: float = 0.1, seed: int = 0, stratify: bool = False):
    """Split into ``(x_train, y_train), (x_val, y_val)`` with a seeded shuffle."""
    if not 0 < val_fraction < 1:
        raise ValueError(f"train_val_split: val_fraction must be in (0, 1), got {val_fraction}")
    x, y = np.asarray(x), np.asarray(y)
    rng = np.random.default_rng(seed)
    if stratify:
        val = []
        for c in np.unique(y):
            idx = np.flatnonzero(y == c)
            rng.shuffle(idx)
            val.extend(idx[: max(1, int(round(len(idx) * val_fraction)))])
        mask = np.zeros(len(y), bool)
        mask[val] = True
        tr, va = np.flatnonzero(~mask), np.flatnonzero(mask)
    else:
        perm = rng.permutation(len(x))
        k = int(round(len(x) * val_fraction))
        va, tr = np.sort(perm[:k]), np.sort(perm[k:])
    return (x[tr], y[tr]), (x[va], y[va])


def one_hot(labels, depth: int | None = None, dtype=np.float32) -> np.ndarray:
    """One-hot rows for integer labels (the notes' Y placeholders take these)."""
    labels = np.asarray(labels).astype(np.int64)
    depth = int(labels.max()) + 1 if depth is None else int(depth)
    if labels.size and (labels.min() < 0 or labels.max() >= depth):
        raise ValueError(f"one_hot: labels must be in [0, {depth}), got range [{labels.min()}, {labels.max()}]")
    out = np.zeros(labels.shape + (depth,), dtype=dtype)
    np.put_along_axis(out, labels[..., None], 1, axis=-1)
    return out


class Standardizer:
    """The notes' preprocessing, fit on the training set only.

    ``mode="center"``: X -= mean(X, axis=0) (zero-centered data);
    ``mode="normalize"``: also X /= std(X, axis=0) (normalized data);
    ``mode="mean_image"``: subtract the mean image (AlexNet style);
    ``mode="per_channel"``: subtract the mean of each channel (VGG style, NHWC).
    """

    def __init__(self, mode: str = "normalize", eps: float = 1e-8):
        if mode not in ("center", "normalize", "mean_image", "per_channel"):
            raise ValueError(f"Standardizer: unknown mode {mode!r}")
        self.mode, self.eps = mode, eps
        self.mean = self.std = None

    def fit(self, x):
        x = np.asarray(x)
        if self.mode == "per_channel":
            self.mean = x.mean(axis=tuple(range(x.ndim - 1)), keepdims=False).astype(x.dtype)
        else:
            self.mean = x.mean(axis=0).astype(x.dtype)
        if self.mode == "normalize":
            self.std = x.std(axis=0).astype(x.dtype)
        return self

    def transform(self, x):
        if self.mean is None:
            raise RuntimeError("Standardizer: call fit() on the training set first")
        x = np.asarray(x) - self.mean
        if self.std is not None:
            x = x / (self.std + self.eps)
        return x

    def fit_transform(self, x):
        return self.fit(x).transform(x)

    def state_dict(self) -> dict:
        d = {"mode": self.mode, "mean": self.mean}
        if self.std is not None:
            d["std"] = self.std
        return d


def zero_center(x_train, *others):
    """Subtract the training set's per-feature mean from every array (``X -= np.mean(X, axis=0)``)."""
    s = Standardizer("center").fit(x_train)
    return tuple(s.transform(a) for a in (x_train, *others))


def normalize(x_train, *others, eps: float = 1e-8):
    """Zero-center and divide by the training set's per-feature std (``X /= np.std(X, axis=0)``)."""
    s = Standardizer("normalize", eps).fit(x_train)
    return tuple(s.transform(a) for a in (x_train, *others))
