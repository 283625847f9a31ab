"""Errors raised by neuralab. Each names the op, the argument and the shapes."""


class NeuralabError(Exception):
    """Base class of neuralab's own errors."""


class ShapeError(NeuralabError, ValueError):
    """Operands whose shapes do not fit the op (raised at build or run time)."""


class DTypeError(NeuralabError, TypeError):
    """Operands whose dtypes do not fit the op."""


class FeedError(NeuralabError, ValueError):
    """A graph run whose feeds are missing or do not fit their placeholders."""


class StateError(NeuralabError, RuntimeError):
    """A graph run against a variable store that has no value for a variable the run reads."""


class TraceError(NeuralabError, RuntimeError):
    """A compiled function called in a way its traced schedule cannot serve."""


class LabelError(NeuralabError, ValueError):
    """Class labels a loss cannot use: outside ``[0, classes)``, negative, or NaN (raised in every mode)."""
