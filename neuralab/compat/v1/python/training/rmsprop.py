"""``tensorflow.python.training.rmsprop``: a namespace over ``tf.train``."""
from .._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.training.rmsprop", ("train",))
