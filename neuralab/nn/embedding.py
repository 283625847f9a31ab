"""``Embedding``: a trainable lookup table of vectors, one row per token id (PyTorch's ``nn.Embedding``).

``Embedding(num_embeddings, embedding_dim, padding_idx=None)`` holds ``weight``
of shape ``(num_embeddings, embedding_dim)``, initialized N(0, 1) as in PyTorch
(the ``padding_idx`` row starts at zero). ``layer(ids)`` returns
``weight[ids]`` with shape ``ids.shape + (embedding_dim,)``; the gradient is a
scatter-add into the rows that were read, none into ``padding_idx``. The lookup
is :func:`neuralab.ops.embedding` (the ``take`` primitive).

>>> emb = Embedding(10, 3, padding_idx=0)
>>> emb(np.array([[1, 2, 0]])).shape
(1, 3, 3)
"""
from __future__ import annotations

import numpy as np

from .._core.errors import ShapeError
from .._core.op import fmt_shape
from .._core.random import get_rng
from ..ops.indexing import embedding
from . import init as _init
from .module import Module, Parameter

__all__ = ["Embedding"]


class Embedding(Module):
    """A lookup table ``weight`` ``(num_embeddings, embedding_dim)``; ``forward(ids) = weight[ids]``.

    ``padding_idx``: a row (negative counts from the end) that starts at zero
    and gets no gradient, for padding tokens. ``weight_init``: an initializer
    ``(shape, dtype=None, rng=None) -> array`` or a name from
    :mod:`neuralab.nn.init` (default: standard normal); ``dtype`` and ``rng``
    as for the other layers.
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, *, weight_init=None, dtype=None, rng=None):
        super().__init__()
        for name, v in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"Embedding: {name} must be a positive integer, got {v!r}")
        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        self.padding_idx = self._padding(padding_idx)
        if dtype is not None:
            self.to(dtype)
        fn = _init.normal if weight_init is None else _init.get(weight_init) if isinstance(weight_init, str) \
            else weight_init
        shape = (self.num_embeddings, self.embedding_dim)
        w = np.asarray(fn(shape, dtype=self._float_dtype(), rng=get_rng(rng)))
        if w.shape != shape:
            raise ShapeError(f"Embedding: the initializer returned shape {fmt_shape(w.shape)}, expected "
                             f"{fmt_shape(shape)}")
        if self.padding_idx is not None:
            w[self.padding_idx] = 0
        self.weight = Parameter(w, dtype=self._float_dtype())

    def _padding(self, padding_idx):
        if padding_idx is None:
            return None
        p = int(padding_idx)
        n = self.num_embeddings
        if not -n <= p < n:
            raise ValueError(f"Embedding: padding_idx {p} is out of range for {n} embeddings")
        return p % n

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx=None) -> Embedding:
        """An Embedding holding ``embeddings`` (2-D, copied); ``freeze`` makes it non-trainable.

        >>> Embedding.from_pretrained(np.eye(3)).weight.requires_grad
        False
        """
        arr = np.array(embeddings.numpy() if hasattr(embeddings, "numpy") else embeddings, copy=True)
        if arr.ndim != 2:
            raise ShapeError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape {fmt_shape(arr.shape)}")
        layer = cls(arr.shape[0], arr.shape[1], padding_idx=padding_idx, weight_init="zeros",
                    dtype=arr.dtype if arr.dtype.kind == "f" else None)
        layer.weight.data[...] = arr
        layer.weight.requires_grad_(not freeze)
        return layer

    def forward(self, indices):
        """``weight[indices]``: shape ``indices.shape + (embedding_dim,)``; indices in [0, num_embeddings)."""
        return embedding(indices, self.weight, padding_idx=self.padding_idx)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
