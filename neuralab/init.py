"""``neuralab.init``: weight initializers and data-dependent initialization.

Initializers are functions ``name(shape, dtype=None, rng=None, ...) -> numpy.ndarray`` (see
:mod:`neuralab.nn.init`); :func:`lsuv` and :func:`rbm_pretrain` (see :mod:`neuralab.nn.pretrain`) act on a
model and a data batch.

>>> import neuralab.init as init
>>> init.xavier_uniform((3, 4), rng=0).shape
(3, 4)
"""
from .nn.init import *  # noqa: F403
from .nn.init import __all__ as _init_all
from .nn.pretrain import RBM, PretrainHistory, lsuv, rbm_pretrain

__all__ = [*_init_all, "PretrainHistory", "RBM", "lsuv", "rbm_pretrain"]
