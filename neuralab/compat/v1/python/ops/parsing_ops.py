"""``tensorflow.python.ops.parsing_ops``: a namespace over ``tf.io_ops``."""
from .._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.ops.parsing_ops", ("io_ops",))
