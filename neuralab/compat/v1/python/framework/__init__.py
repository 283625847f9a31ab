"""``tensorflow.python.framework``: ops, dtypes, constant_op, tensor_shape, errors, random_seed."""
from ...missing import module_getattr
from . import constant_op, dtypes, errors, errors_impl, ops, random_seed, tensor_shape

__getattr__ = module_getattr(__name__, "tensorflow.python.framework")

__all__ = ["constant_op", "dtypes", "errors", "errors_impl", "ops", "random_seed", "tensor_shape"]
