"""``tensorflow.python.data.ops.iterator_ops``: a namespace over ``tf.data``."""
from ..._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.data.ops.iterator_ops", ("data",))
