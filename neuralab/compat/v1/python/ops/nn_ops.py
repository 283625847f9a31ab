"""``tensorflow.python.ops.nn_ops``: a namespace over ``tf.nn``."""
from .._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.ops.nn_ops", ("nn",))
