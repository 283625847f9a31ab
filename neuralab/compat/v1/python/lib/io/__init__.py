"""``tensorflow.python.lib.io``: file_io."""
from ....missing import module_getattr
from . import file_io

__getattr__ = module_getattr(__name__, "tensorflow.python.lib.io")

__all__ = ["file_io"]
