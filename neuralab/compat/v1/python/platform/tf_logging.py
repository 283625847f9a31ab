"""``tensorflow.python.platform.tf_logging``: a namespace over ``tf.logging``."""
from .._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.platform.tf_logging", ("logging",))
