"""Backends for the device tests: ``fake`` (tests/backend/fakecupy.py, CuPy's rules on NumPy arithmetic, on
every machine) and ``cupy`` (a real GPU; skipped with the reason when CuPy or a GPU is missing)."""
import pytest

from neuralab import backend
from neuralab._core import op as _op


def _switch_on(module):
    saved = dict(backend._state), _op._xp_state["used"]
    backend._activate(module)
    return saved


def _restore(saved):
    state, used = saved
    backend._state.clear()
    backend._state.update(state)
    _op._xp_state["used"] = used


@pytest.fixture(params=["fake", "cupy"])
def gpu(request):
    """The GPU array module of the backend under test, switched on for the test and off afterwards."""
    if request.param == "fake":
        import fakecupy

        saved = _switch_on(fakecupy)
        try:
            yield fakecupy
        finally:
            _restore(saved)
        return
    try:
        import cupy  # noqa: F401
    except ImportError:
        pytest.skip("CuPy is not installed (pip install neuralab[gpu]); the fake backend covers this machine")
    problem = backend._gpu_problem(backend._import_cupy())
    if problem:
        pytest.skip(f"no usable GPU: {problem}")
    saved = dict(backend._state), _op._xp_state["used"]
    cp = backend.require_gpu("tests")
    try:
        yield cp
    finally:
        _restore(saved)
