"""Composite functions: built from primitives, so gradients and graph mode come free.

Activations (sigmoid ... maxout), losses (mse ... l2_penalty), regularizers
(dropout, batch_norm), array helpers (clip, stack, split, square) and recurrent cells and
sequences (rnn/lstm/gru and their cells).
"""
from . import losses
from .activations import (
    SELU_ALPHA, SELU_SCALE, elu, leaky_relu, log_softmax, maxout, prelu, relu, selu, sigmoid, softmax, softplus, tanh,
)
from .array import clip, split, square, stack
from .conv import conv2d, conv2d_transpose, depthwise_conv2d, dilate_filter
from .losses import (
    binary_cross_entropy, binary_cross_entropy_with_logits, l1_penalty, l2_penalty, mse, nll, softmax_cross_entropy,
)
from .recurrent import gru, gru_cell, lstm, lstm_cell, rnn, rnn_cell, sequence_mask
from .regularization import batch_norm, dropout

__all__ = [
    "SELU_ALPHA", "SELU_SCALE", "batch_norm", "binary_cross_entropy", "binary_cross_entropy_with_logits", "clip",
    "dropout", "elu", "l1_penalty", "l2_penalty", "leaky_relu", "log_softmax", "losses", "maxout", "mse", "nll",
    "prelu", "relu", "selu", "sigmoid", "softmax", "softmax_cross_entropy", "softplus", "split", "square", "stack",
    "tanh",
    "conv2d", "conv2d_transpose", "depthwise_conv2d", "dilate_filter",  # convolutions
    "gru", "gru_cell", "lstm", "lstm_cell", "rnn", "rnn_cell", "sequence_mask",  # recurrent
]
