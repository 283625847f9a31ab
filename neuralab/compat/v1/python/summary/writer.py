"""``tensorflow.python.summary.writer``: a namespace over ``tf.summary``."""
from .._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.summary.writer", ("summary",))
