"""``tensorflow.python.util``: nest, compat."""
from ...missing import module_getattr
from . import compat, nest

__getattr__ = module_getattr(__name__, "tensorflow.python.util")

__all__ = ["compat", "nest"]
