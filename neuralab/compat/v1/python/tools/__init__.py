"""``tensorflow.python.tools``: inspect_checkpoint."""
from ...missing import module_getattr
from . import inspect_checkpoint

__getattr__ = module_getattr(__name__, "tensorflow.python.tools")

__all__ = ["inspect_checkpoint"]
