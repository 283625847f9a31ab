"""``tensorflow.python.training.queue_runner``: a namespace over ``tf.io_ops``."""
from .._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.training.queue_runner", ("io_ops",))
