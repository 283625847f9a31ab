"""Training: the explicit step, ``fit``/``evaluate``/``predict``, callbacks, TensorBoard.

``TensorBoard`` imports tensorboardX (an optional extra) only when one is created.
"""
from .callbacks import (
    Callback, Checkpoint, EarlyStopping, EpochLogger, History, LRScheduler, NaNGuard, NonFiniteError, ProgressBar,
)
from .loop import LOSSES, METRICS, Trainer, accuracy, current_lr, fit, make_optimizer
from .tensorboard import TensorBoard, TensorBoardLayerStats

__all__ = ["Callback", "Checkpoint", "EarlyStopping", "EpochLogger", "History", "LOSSES", "LRScheduler", "METRICS",
           "NaNGuard", "NonFiniteError", "ProgressBar", "TensorBoard", "TensorBoardLayerStats", "Trainer", "accuracy",
           "current_lr", "fit", "make_optimizer"]
