"""``tensorflow.python.lib``: io."""
from ...missing import module_getattr
from . import io

__getattr__ = module_getattr(__name__, "tensorflow.python.lib")

__all__ = ["io"]
