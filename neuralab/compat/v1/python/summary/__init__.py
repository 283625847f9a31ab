"""``tensorflow.python.summary``: summary, writer (tf.summary)."""
from ...missing import module_getattr
from . import summary, writer

__getattr__ = module_getattr(__name__, "tensorflow.python.summary")

__all__ = ["summary", "writer"]
