"""``tensorflow.python.framework.errors_impl``: a namespace over ``tf.errors``."""
from .._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.framework.errors_impl", ("errors",))
