"""``tensorflow.python.ops.rnn_cell_impl``: a namespace over ``tf.nn.rnn_cell`` (and tf.contrib.rnn)."""
from .._ns import namespace

__getattr__, __dir__ = namespace(__name__, "tensorflow.python.ops.rnn_cell_impl", ("nn.rnn_cell", "contrib.rnn"))
