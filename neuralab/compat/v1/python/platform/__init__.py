"""``tensorflow.python.platform``: gfile, flags, tf_logging, app, resource_loader."""
from ...missing import module_getattr
from . import app, flags, gfile, resource_loader, tf_logging

__getattr__ = module_getattr(__name__, "tensorflow.python.platform")

__all__ = ["app", "flags", "gfile", "resource_loader", "tf_logging"]
