"""Run a TF 1.x script unchanged on neuralab: ``python -m neuralab.compat.v1.runner script.py [args...]``.

For the duration of the run, ``import tensorflow`` (and ``tensorflow.contrib.layers``,
``tensorflow.contrib.framework``, ``tensorflow.examples.tutorials.mnist``,
``tensorflow.compat.v1``, ...) gives :mod:`neuralab.compat.v1`; other
``tensorflow.*`` modules raise ModuleNotFoundError saying the adapter lacks
them. Afterwards ``sys.modules``, ``sys.meta_path``, ``sys.argv`` and
``sys.path`` are restored, so a real TensorFlow is never shadowed outside the
runner. The script runs as ``__main__`` with a fresh default graph.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import runpy
import sys

_PKG = "neuralab.compat.v1"

#: TensorFlow module name -> neuralab module providing it
ALIASES = {
    "tensorflow": _PKG,
    "tensorflow.compat.v1": _PKG,
    "tensorflow.nn": f"{_PKG}.nn",
    "tensorflow.layers": f"{_PKG}.layers",
    "tensorflow.losses": f"{_PKG}.losses",
    "tensorflow.train": f"{_PKG}.train",
    "tensorflow.summary": f"{_PKG}.summary",
    "tensorflow.errors": f"{_PKG}.errors",
    "tensorflow.contrib": f"{_PKG}.contrib",
    "tensorflow.contrib.layers": f"{_PKG}.contrib.layers",
    "tensorflow.contrib.framework": f"{_PKG}.contrib.framework",
    "tensorflow.examples": f"{_PKG}.examples",
    "tensorflow.examples.tutorials": f"{_PKG}.examples.tutorials",
    "tensorflow.examples.tutorials.mnist": f"{_PKG}.examples.tutorials.mnist",
    "tensorflow.examples.tutorials.mnist.input_data": f"{_PKG}.examples.tutorials.mnist.input_data",
}


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, module):
        self.module = module

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        pass


class TensorFlowFinder(importlib.abc.MetaPathFinder):
    """Resolves ``tensorflow`` and ``tensorflow.*`` imports to the adapter while installed."""

    def __init__(self, modules):
        self.modules = modules

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "tensorflow" and not fullname.startswith("tensorflow."):
            return None
        mod = self.modules.get(fullname)
        if mod is None:
            raise ModuleNotFoundError(f"neuralab.compat.v1 does not provide `{fullname}` yet", name=fullname)
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(mod), is_package=hasattr(mod, "__path__"))


def _modules():
    mods = {name: importlib.import_module(target) for name, target in ALIASES.items()}
    mods["tensorflow.compat"] = mods["tensorflow"].compat
    return mods


class installed:  # noqa: N801 - used as a context manager
    """``with installed():`` — ``import tensorflow`` gives neuralab.compat.v1 inside the block only."""

    def __enter__(self):
        self.mods = _modules()
        self.saved = {k: sys.modules[k] for k in list(sys.modules) if k == "tensorflow" or k.startswith("tensorflow.")}
        for k in self.saved:
            del sys.modules[k]
        sys.modules.update(self.mods)
        self.finder = TensorFlowFinder(self.mods)
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
    try:
        with installed():
            return runpy.run_path(path, run_name="__main__")
    finally:
        sys.argv[:] = old_argv
        sys.path[:] = old_path


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
