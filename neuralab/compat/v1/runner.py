"""Run a TF 1.x script unchanged on neuralab: ``python -m neuralab.compat.v1.runner script.py [args...]``.

For the duration of the run, ``import tensorflow`` gives
:mod:`neuralab.compat.v1`, and ``tensorflow.a.b`` (``tensorflow.contrib.layers``,
``tensorflow.examples.tutorials.mnist``, ``tensorflow.compat.v1``, ...) the
adapter's module at attribute path ``a.b``; a module it lacks raises an
ImportError saying "neuralab.compat.v1 does not provide `tensorflow.a.b` yet",
also for ``from tensorflow.contrib import a``. Afterwards ``sys.modules``, ``sys.meta_path``, ``sys.argv`` and
``sys.path`` are restored, so a real TensorFlow is never shadowed outside the
runner. The script runs as ``__main__`` with a fresh default graph; default sessions and graphs it leaves
behind (an InteractiveSession it never closed) are closed and popped when it ends, and ``tf.logging``'s
verbosity and counters are restored, as its process's exit would.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import runpy
import sys

_PKG = "neuralab.compat.v1"


class NotProvidedImportError(ImportError):
    """``import tensorflow.x`` / ``from tensorflow.contrib import x`` for a module the adapter lacks."""


def _resolve(fullname):
    """The adapter module standing for TensorFlow module ``fullname`` (walking attributes of neuralab.compat.v1)."""
    import types

    mod = importlib.import_module(_PKG)
    for part in fullname.split(".")[1:]:
        try:
            nxt = getattr(mod, part)
        except AttributeError:
            nxt = None
        if not isinstance(nxt, types.ModuleType):
            raise NotProvidedImportError(f"neuralab.compat.v1 does not provide `{fullname}` yet", name=fullname)
        mod = nxt
    return mod


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, module):
        self.module = module

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        pass


class TensorFlowFinder(importlib.abc.MetaPathFinder):
    """Resolves ``tensorflow`` and ``tensorflow.*`` imports to the adapter while installed."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(_PKG + "."):
            # ``from tensorflow.contrib import rnn`` asks for neuralab.compat.v1.contrib.rnn: when no such module
            # exists, say what TensorFlow module is missing (a plain ModuleNotFoundError would be swallowed)
            if importlib.machinery.PathFinder.find_spec(fullname, path) is None:
                tf_name = "tensorflow" + fullname[len(_PKG):]
                raise NotProvidedImportError(f"neuralab.compat.v1 does not provide `{tf_name}` yet", name=tf_name)
            return None
        if fullname != "tensorflow" and not fullname.startswith("tensorflow."):
            return None
        mod = _resolve(fullname)
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(mod), is_package=hasattr(mod, "__path__"))


class installed:  # noqa: N801 - used as a context manager
    """``with installed():`` — ``import tensorflow`` gives neuralab.compat.v1 inside the block only."""

    def __enter__(self):
        self.saved = {k: sys.modules[k] for k in list(sys.modules) if k == "tensorflow" or k.startswith("tensorflow.")}
        for k in self.saved:
            del sys.modules[k]
        sys.modules["tensorflow"] = _resolve("tensorflow")
        self.finder = TensorFlowFinder()
        sys.meta_path.insert(0, self.finder)
        return self

    def __exit__(self, *exc):
        if self.finder in sys.meta_path:
            sys.meta_path.remove(self.finder)
        for k in [k for k in sys.modules if k == "tensorflow" or k.startswith("tensorflow.")]:
            del sys.modules[k]
        sys.modules.update(self.saved)
        return False


def run_script(path, argv=(), fresh_graph=True):
    """Run the TF 1.x script at ``path`` as ``__main__`` with ``sys.argv = [path, *argv]``; returns its globals."""
    from ..._core import graph as _graph

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"neuralab tf1: no such script: {path}")
    old_argv, old_path = sys.argv[:], sys.path[:]
    sys.argv = [path, *[str(a) for a in argv]]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    if fresh_graph:
        _graph.reset_default_graph()
    from . import _types

    from . import logging as _tf_logging, session as _session

    eager = _types.MODE.eager  # a script's tf.enable_eager_execution() lasts for that program only
    sessions, graphs = list(_session._defaults.sessions), len(_graph._stack.graphs)
    verbosity, log_counts = _tf_logging.get_logger().level, dict(_tf_logging._counts)
    try:
        with installed():
            return runpy.run_path(path, run_name="__main__")
    finally:
        sys.argv[:] = old_argv
        sys.path[:] = old_path
        _types.MODE.eager, _types.MODE.tapes = eager, 0
        # what the program left as defaults (an InteractiveSession never closed, as a process exit would end it)
        for s in reversed(_session._defaults.sessions):
            if s not in sessions:
                s.close()
        _session._defaults.sessions[:] = [s for s in _session._defaults.sessions if s in sessions]
        del _graph._stack.graphs[graphs:]
        _tf_logging.get_logger().setLevel(verbosity)  # tf.logging.set_verbosity lasts for the program, too
        _tf_logging._counts.clear()
        _tf_logging._counts.update(log_counts)


def main(argv=None):
    """Command line: ``python -m neuralab.compat.v1.runner SCRIPT.py [ARGS...]`` (``neuralab tf1 ...``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print("usage: python -m neuralab.compat.v1.runner SCRIPT.py [ARGS...]\n\n"
              "Runs a TensorFlow 1.x script on neuralab (import tensorflow -> neuralab.compat.v1).")
        return 0 if args else 2
    try:
        run_script(args[0], args[1:])
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
