"""``tf.contrib.rnn`` (``from tensorflow.contrib import rnn``): the RNN cells of ``tf.nn.rnn_cell`` and the static
and stacked-bidirectional RNN functions, as TF 1.x exports them there.

``LSTMBlockCell`` is TF's fused-kernel LSTM: the same computation as
``LSTMCell`` (TF names its variables ``lstm_cell/kernel`` and ``/bias`` too),
with ``forget_bias``, ``cell_clip`` and ``use_peephole``.
"""
from __future__ import annotations

from ..missing import module_getattr
from ..rnn import static_bidirectional_rnn, static_rnn, stack_bidirectional_dynamic_rnn  # noqa: F401
from ..rnn_cell import (  # noqa: F401
    BasicLSTMCell, BasicRNNCell, DeviceWrapper, DropoutWrapper, GRUCell, LayerRNNCell, LSTMCell, LSTMStateTuple,
    MultiRNNCell, ResidualWrapper, RNNCell,
)

__getattr__ = module_getattr(__name__, "tf.contrib.rnn")


class LSTMBlockCell(LSTMCell):
    """tf.contrib.rnn.LSTMBlockCell(num_units, forget_bias=1.0, cell_clip=None, use_peephole=False): an LSTMCell
    (variables ``lstm_cell/kernel``, ``lstm_cell/bias``; peepholes ``w_f_diag``, ``w_i_diag``, ``w_o_diag``)."""

    def __init__(self, num_units, forget_bias=1.0, cell_clip=None, use_peephole=False, dtype=None, reuse=None,
                 name="lstm_cell"):
        super().__init__(num_units, use_peepholes=use_peephole, cell_clip=cell_clip, forget_bias=forget_bias,
                         reuse=reuse, name=name, dtype=dtype)


__all__ = ["BasicLSTMCell", "BasicRNNCell", "DeviceWrapper", "DropoutWrapper", "GRUCell", "LSTMBlockCell",
           "LSTMCell", "LSTMStateTuple", "LayerRNNCell", "MultiRNNCell", "RNNCell", "ResidualWrapper",
           "stack_bidirectional_dynamic_rnn", "static_bidirectional_rnn", "static_rnn"]
