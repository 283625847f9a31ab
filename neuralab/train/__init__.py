"""Training: the explicit step, ``fit``/``evaluate``/``predict``, callbacks, TensorBoard."""
from .callbacks import (
    Callback, Checkpoint, EarlyStopping, EpochLogger, History, LRScheduler, NaNGuard, NonFiniteError, ProgressBar,
)
from .loop import LOSSES, Trainer, accuracy, fit, make_optimizer

__all__ = ["Callback", "Checkpoint", "EarlyStopping", "EpochLogger", "History", "LOSSES", "LRScheduler", "NaNGuard",
           "NonFiniteError", "ProgressBar", "Trainer", "accuracy", "fit", "make_optimizer"]
