"""``tf.errors``: the exception classes TF 1.x raises from ``Session.run``."""
from __future__ import annotations


class OpError(Exception):
    """tf.errors.OpError: base class of errors raised while running a graph."""

    def __init__(self, node_def=None, op=None, message=None, *args):
        if message is None and node_def is not None and op is None:
            message, node_def = node_def, None  # OpError("message") as a shorthand
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message


class InvalidArgumentError(OpError, ValueError):
    """tf.errors.InvalidArgumentError: a feed that is missing or does not fit its placeholder."""


class FailedPreconditionError(OpError, RuntimeError):
    """tf.errors.FailedPreconditionError: e.g. reading a variable this session never initialized."""


class NotFoundError(OpError, LookupError):
    """tf.errors.NotFoundError: e.g. a checkpoint or a key in it that does not exist."""


class OutOfRangeError(OpError, IndexError):
    """tf.errors.OutOfRangeError."""


class ResourceExhaustedError(OpError, MemoryError):
    """tf.errors.ResourceExhaustedError."""


class UnimplementedError(OpError, NotImplementedError):
    """tf.errors.UnimplementedError."""


class InternalError(OpError, RuntimeError):
    """tf.errors.InternalError."""


class CancelledError(OpError):
    """tf.errors.CancelledError: e.g. an enqueue to a queue closed with cancel_pending_enqueues."""


class AlreadyExistsError(OpError, FileExistsError):
    """tf.errors.AlreadyExistsError: e.g. gfile.Copy onto an existing file without overwrite."""


__all__ = ["AlreadyExistsError", "CancelledError", "FailedPreconditionError", "InternalError", "InvalidArgumentError",
           "NotFoundError", "OpError", "OutOfRangeError", "ResourceExhaustedError", "UnimplementedError"]


class DataLossError(OpError):
    """tf.errors.DataLossError: e.g. a record of an event or TFRecord file that is truncated or fails its checksum."""
