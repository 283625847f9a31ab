"""``tensorflow.python.ops.check_ops``: a namespace over ``tf``."""
from .._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.ops.check_ops", ("",))
