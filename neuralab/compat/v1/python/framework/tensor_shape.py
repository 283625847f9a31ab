"""``tensorflow.python.framework.tensor_shape``: a namespace over ``tf`` (and tf._types)."""
from .._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.framework.tensor_shape", ("", "_types"))
