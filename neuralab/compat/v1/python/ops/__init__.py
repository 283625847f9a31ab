"""``tensorflow.python.ops``: the op modules (array_ops, math_ops, nn_ops, ...) as namespaces over tf."""
from ...missing import module_getattr
from . import (  # noqa: F401 - the submodules are this package's namespace
    array_ops, check_ops, clip_ops, control_flow_ops, data_flow_ops, embedding_ops, gradients, gradients_impl,
    init_ops, io_ops, logging_ops, math_ops, nn, nn_impl, nn_ops, parsing_ops, random_ops, rnn, rnn_cell,
    rnn_cell_impl, standard_ops, state_ops, variable_scope, variables,
)

__getattr__ = module_getattr(__name__, "tensorflow.python.ops")

__all__ = ["array_ops", "check_ops", "clip_ops", "control_flow_ops", "data_flow_ops", "embedding_ops",
           "gradients", "gradients_impl", "init_ops", "io_ops", "logging_ops", "math_ops", "nn", "nn_impl",
           "nn_ops", "parsing_ops", "random_ops", "rnn", "rnn_cell", "rnn_cell_impl", "standard_ops",
           "state_ops", "variable_scope", "variables"]
