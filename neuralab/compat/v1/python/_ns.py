"""Namespaces for ``tensorflow.python.*`` paths: modules whose names resolve, on use, to the adapter's.

A path module declares where its names come from (adapter modules, looked up
when a name is first used, so functions added to the adapter later are found
too) and TF's names that differ (``init_ops.Zeros`` is ``tf.zeros_initializer``).
Nothing is copied: ``math_ops.reduce_sum is tf.reduce_sum``.
"""
from __future__ import annotations

import importlib

from ..missing import NotProvidedError

_ROOT = "neuralab.compat.v1"


def _resolve(path):
    """``"nn.rnn_cell"`` -> the object at that attribute path of neuralab.compat.v1 (AttributeError if absent)."""
    obj = importlib.import_module(_ROOT)
    for part in filter(None, path.split(".")):
        obj = getattr(obj, part)
    return obj


def namespace(module_name: str, tf_path: str, sources=("",), aliases=None, extra=None):
    """``(__getattr__, __dir__)`` for the module ``module_name`` standing for TF's ``tf_path``.

    ``sources`` are attribute paths under neuralab.compat.v1 ("" is ``tf``
    itself, "nn" is ``tf.nn``), searched in order; ``aliases`` maps TF names
    to attribute paths; ``extra`` holds names defined by the module itself.
    """
    aliases = dict(aliases or {})
    extra = dict(extra or {})

    def __getattr__(name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        if name in extra:
            return extra[name]
        if name in aliases:
            try:
                return _resolve(aliases[name])
            except AttributeError:
                pass
        elif not name.startswith("_"):
            for src in sources:
                try:
                    return getattr(_resolve(src), name)
                except AttributeError:
                    continue
        raise NotProvidedError(f"neuralab.compat.v1 does not provide `{tf_path}.{name}` yet")

    def __dir__():
        names = set(extra) | set(aliases)
        for src in sources:
            try:
                names.update(n for n in dir(_resolve(src)) if not n.startswith("_"))
            except AttributeError:
                continue
        return sorted(names)

    return __getattr__, __dir__
