"""``tf.examples``: the tutorials' helpers (``tf.examples.tutorials.mnist.input_data``)."""
from . import tutorials  # noqa: F401
