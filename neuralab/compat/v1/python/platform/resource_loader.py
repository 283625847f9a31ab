"""``tensorflow.python.platform.resource_loader``: a namespace over ``tf.resource_loader``."""
from .._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.platform.resource_loader", ("resource_loader",))
