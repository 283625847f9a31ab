"""``tf.contrib``: the parts of TF 1.x's contrib the lecture notes use (layers, framework.arg_scope, rnn, seq2seq)."""
from __future__ import annotations

from ..missing import module_getattr
from . import framework, layers
from . import eager, opt  # noqa: F401, I001  (tf.contrib.eager, tf.contrib.opt)
from . import legacy_seq2seq, rnn, seq2seq  # noqa: F401, I001  (tf.contrib.rnn, tf.contrib.seq2seq, ...)

__getattr__ = module_getattr(__name__, "tf.contrib")

__all__ = ["framework", "layers"]
