"""Thread-local switches: gradient recording and NaN/Inf debugging."""
from __future__ import annotations

import contextlib
import threading


class _Flags(threading.local):
    def __init__(self):
        self.grad_enabled = True
        self.anomaly = False
        # > 0 while a graph is being built (Graph.as_default, compile tracing): ops that read a
        # variable (a Parameter, Buffer or requires-grad leaf) are recorded, not folded to constants
        self.building = 0


flags = _Flags()


def is_grad_enabled() -> bool:
    """Whether operations on tensors that require gradients are recorded."""
    return flags.grad_enabled


@contextlib.contextmanager
def _set_grad(enabled: bool):
    prev = flags.grad_enabled
    flags.grad_enabled = enabled
    try:
        yield
    finally:
        flags.grad_enabled = prev


class no_grad(contextlib.ContextDecorator):
    """Context manager / decorator: compute values without recording a graph.

    Inside it, results never require gradients (inference, optimizer updates).
    """

    def __enter__(self):
        self._prev = flags.grad_enabled
        flags.grad_enabled = False
        return self

    def __exit__(self, *exc):
        flags.grad_enabled = self._prev
        return False


class enable_grad(contextlib.ContextDecorator):
    """Context manager / decorator: turn gradient recording back on."""

    def __enter__(self):
        self._prev = flags.grad_enabled
        flags.grad_enabled = True
        return self

    def __exit__(self, *exc):
        flags.grad_enabled = self._prev
        return False


class detect_anomaly(contextlib.ContextDecorator):
    """Debug mode: raise at the first op whose output holds NaN or Inf.

    The error names the op and the shapes of its inputs. Works eagerly, in
    graph runs and in compiled functions traced while it is active.

    >>> with detect_anomaly():
    ...     y = nl.log(nl.tensor([-1.0]))
    Traceback (most recent call last):
    FloatingPointError: detect_anomaly: op 'log' produced NaN in output 0 (input shapes (1,))
    """

    def __init__(self, enabled: bool = True):
        self.enabled = enabled

    def __enter__(self):
        self._prev = flags.anomaly
        flags.anomaly = self.enabled
        return self

    def __exit__(self, *exc):
        flags.anomaly = self._prev
        return False
