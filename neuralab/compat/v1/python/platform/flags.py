"""``tensorflow.python.platform.flags``: a namespace over ``tf.flags``."""
from .._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.platform.flags", ("flags",))
