"""``tensorflow.python.data.ops``: dataset_ops, iterator_ops, readers (tf.data)."""
from ....missing import module_getattr
from . import dataset_ops, iterator_ops, readers

__getattr__ = module_getattr(__name__, "tensorflow.python.data.ops")

__all__ = ["dataset_ops", "iterator_ops", "readers"]
