"""``tensorflow.python.ops.data_flow_ops``: a namespace over ``tf.io_ops``."""
from .._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.ops.data_flow_ops", ("io_ops",))
