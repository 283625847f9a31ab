"""``tensorflow.python.data``: ops (dataset_ops, iterator_ops, readers)."""
from ...missing import module_getattr
from . import ops

__getattr__ = module_getattr(__name__, "tensorflow.python.data")

__all__ = ["ops"]
