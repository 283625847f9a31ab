"""``tensorflow.python.summary.summary``: a namespace over ``tf.summary``."""
from .._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.summary.summary", ("summary",))
