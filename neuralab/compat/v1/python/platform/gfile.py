"""``tensorflow.python.platform.gfile``: a namespace over ``tf.gfile``."""
from .._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.platform.gfile", ("gfile",))
