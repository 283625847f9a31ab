"""``tensorflow.python.client``: device_lib, session."""
from ...missing import module_getattr
from . import device_lib, session

__getattr__ = module_getattr(__name__, "tensorflow.python.client")

__all__ = ["device_lib", "session"]
