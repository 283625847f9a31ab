"""The error for TF 1.x names the adapter does not provide (yet)."""
from __future__ import annotations


class NotProvidedError(AttributeError):
    """``tf.something`` that neuralab.compat.v1 does not provide: names the missing attribute."""


def module_getattr(module_name: str, prefix: str):
    """A module-level ``__getattr__`` raising NotProvidedError("... does not provide `tf.x.name` yet")."""

    def __getattr__(name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        raise NotProvidedError(f"neuralab.compat.v1 does not provide `{prefix}.{name}` yet")

    return __getattr__
