"""``tensorflow.python.training.input``: a namespace over ``tf.io_ops``."""
from .._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.training.input", ("io_ops",))
