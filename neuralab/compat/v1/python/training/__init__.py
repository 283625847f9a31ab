"""``tensorflow.python.training``: training_util, saver, optimizers, queue runners, input."""
from ...missing import module_getattr
from . import (  # noqa: F401 - the submodules are this package's namespace
    adagrad, adam, coordinator, gradient_descent, input, learning_rate_decay, momentum, moving_averages, optimizer,
    queue_runner, queue_runner_impl, rmsprop, saver, training, training_util,
)

__getattr__ = module_getattr(__name__, "tensorflow.python.training")

__all__ = ["adagrad", "adam", "coordinator", "gradient_descent", "input", "learning_rate_decay", "momentum",
           "moving_averages", "optimizer", "queue_runner", "queue_runner_impl", "rmsprop", "saver",
           "training", "training_util"]
