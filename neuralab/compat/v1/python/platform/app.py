"""``tensorflow.python.platform.app``: a namespace over ``tf.app``."""
from .._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.platform.app", ("app",))
