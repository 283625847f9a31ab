"""Data: the lectures' datasets (XOR, iris, digits, MNIST, Fashion-MNIST), batching, preprocessing.

``Dataset``/``TensorDataset`` are PyTorch's map-style datasets (:mod:`neuralab.data.dataset`);
:class:`Pipeline` is a ``tf.data``-style stream of elements (:mod:`neuralab.data.pipeline`); the
train/test split that ``mnist()``, ``digits()``, ... return is a :class:`Splits`.
"""
from .dataset import Dataset, TensorDataset, default_collate
from .datasets import Dataset as Splits
from .datasets import (
    DataNotFoundError, cache_dir, copy_into_cache, data_root, digits, fashion_mnist, file_digest, iris,
    mnist, xor,
)
from .idx import DataFormatError, read_idx, write_idx
from .loader import DataLoader, Standardizer, normalize, one_hot, train_val_split, zero_center
from .pipeline import Pipeline
from .sequences import char_vocab, lectures_text, stock_daily, windows

__all__ = [
    "DataFormatError", "DataLoader", "DataNotFoundError", "Dataset", "Splits", "Standardizer", "TensorDataset",
    "cache_dir", "default_collate",
    "copy_into_cache", "data_root", "digits", "fashion_mnist", "file_digest", "iris", "mnist", "normalize",
    "one_hot", "read_idx", "train_val_split", "write_idx", "xor", "zero_center",
    "Pipeline",  # tf.data-style streams
    "char_vocab", "lectures_text", "stock_daily", "windows",  # sequence data
]
