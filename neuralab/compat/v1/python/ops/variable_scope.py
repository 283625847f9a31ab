"""``tensorflow.python.ops.variable_scope``: a namespace over ``tf``."""
from .._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.ops.variable_scope", ("",))
