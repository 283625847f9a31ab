"""PyTorch's module name for the learning-rate schedulers (``neuralab.optim.lr_scheduler.StepLR``, ...).

The same classes as :mod:`neuralab.optim.schedules`, under the path PyTorch
code imports them from. ``StepLR``, ``ExponentialLR`` and ``CosineAnnealingLR``
are stepped once per epoch (``sched.step()``); ``ReduceLROnPlateau`` takes the
monitored metric (``sched.step(val_loss)``).

>>> import neuralab as nl
>>> from neuralab.optim import SGD
>>> opt = SGD([nl.tensor([1.0], requires_grad=True)], lr=0.1)
>>> sched = StepLR(opt, step_size=2, gamma=0.5)
>>> for epoch in range(4):
...     sched.step()
>>> sched.get_lr()
[0.025]
"""
from .schedules import CosineAnnealingLR, ExponentialLR, ReduceLROnPlateau, Scheduler, StepLR, WarmupLR

LRScheduler = Scheduler  # PyTorch's name of the base class

__all__ = ["CosineAnnealingLR", "ExponentialLR", "LRScheduler", "ReduceLROnPlateau", "Scheduler", "StepLR",
           "WarmupLR"]
