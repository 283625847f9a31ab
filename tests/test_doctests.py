"""Every ``>>>`` example in the package runs as a doctest (issue 9).

Each module of ``neuralab`` is imported and its docstrings' examples are run
with :mod:`doctest` (ELLIPSIS and NORMALIZE_WHITESPACE on). Examples may use
``np`` (NumPy) and ``nl`` (neuralab) without importing them; everything else
they import themselves. A module that imports an optional extra which is not
installed is skipped with the reason.
"""
import doctest
import importlib
import io
import pkgutil

import numpy as np
import pytest

import neuralab

#: modules that do work when imported (``python -m neuralab`` runs the XOR lab)
NOT_IMPORTABLE = ("neuralab.__main__",)
#: optional extras: an example that needs one which is missing is skipped, not failed
OPTIONAL = ("safetensors", "tensorboardX", "tensorboard", "scipy", "tqdm", "yaml", "PIL", "torch", "cupy", "onnx",
            "onnxruntime")


def _modules():
    names = ["neuralab"]
    for m in pkgutil.walk_packages(neuralab.__path__, "neuralab."):
        if m.name in NOT_IMPORTABLE:
            continue
        names.append(m.name)
    return sorted(names)


MODULES = _modules()


def _missing_extra(exc) -> str | None:
    name = getattr(exc, "name", None) or ""
    root = name.split(".")[0]
    return root if root in OPTIONAL else None


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name):
    try:
        mod = importlib.import_module(name)
    except ImportError as e:
        extra = _missing_extra(e)
        if extra:
            pytest.skip(f"{name} imports the optional extra {extra!r}, which is not installed")
        raise
    # (the finder keeps the objects defined in this module: re-exports are tested where they are defined)
    tests = [t for t in doctest.DocTestFinder(exclude_empty=True).find(mod, name,
                                                                       extraglobs={"np": np, "nl": neuralab})
             if t.examples]
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out = io.StringIO()
    state = np.random.get_state()
    try:
        for t in tests:
            neuralab.seed(0)
            neuralab.reset_default_graph()
            runner.run(t, out=out.write)
    finally:
        np.random.set_state(state)
        neuralab.reset_default_graph()
    report = out.getvalue()
    if runner.failures:
        missing = [x for x in OPTIONAL if f"No module named '{x}'" in report]
        if missing:
            pytest.skip(f"{name}: examples need the optional extra {missing[0]!r}, which is not installed")
    assert runner.failures == 0, f"{runner.failures} failing example(s) in {name}:\n{report}"


def test_the_examples_are_collected():
    """The test sees the package: a good share of the modules hold examples, and the count does not drop silently."""
    total = 0
    for name in MODULES:
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        total += sum(len(t.examples) for t in doctest.DocTestFinder().find(mod, name))
    assert len(MODULES) > 30 and total > 100
