"""``tensorflow.python.training.queue_runner_impl``: a namespace over ``tf.io_ops``."""
from .._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.training.queue_runner_impl", ("io_ops",))
