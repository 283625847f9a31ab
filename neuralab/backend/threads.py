"""How many threads neuralab's heavy kernels use: the BLAS behind NumPy's matmul and the Numba kernels.

NumPy's OpenBLAS starts one thread per core and, after each GEMM, keeps them
spinning for a while waiting for the next one. On a machine of its own that is
what makes two cores do a GEMM in half the time; when another process is busy
on the same cores, the spinning threads and the thread that is preempted in the
middle of a GEMM make every GEMM wait for a time slice, and a training step
gets many times slower (measured in ``benchmarks/bench_threads.py``; the
results are in ``benchmarks/results/threads.txt``).

:func:`set_num_threads` sets the thread count at run time, through
`threadpoolctl <https://github.com/joblib/threadpoolctl>`_ for BLAS (the
``[fast]`` extra; imported only when called) and ``numba.set_num_threads`` for
the kernels of :mod:`neuralab.backend.kernels`. Nothing changes unless it is
called: the defaults stay those of the libraries (one thread per core).
Without threadpoolctl the BLAS count can only be set before NumPy is imported,
with the environment variable ``OPENBLAS_NUM_THREADS`` (or ``OMP_NUM_THREADS``).

Recommendation: on a machine you have to yourself keep the default; when other
processes share the cores (a test suite, a second training run), use
``neuralab.set_num_threads(1)`` (or start Python with
``OPENBLAS_NUM_THREADS=1``).
"""
from __future__ import annotations

import contextlib
import os
import warnings

_state = {"n": None, "blas": None}


def _default() -> int:
    """The libraries' own count: ``OPENBLAS_NUM_THREADS`` (else ``OMP_NUM_THREADS``) when set, else the cores."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        try:
            n = int(os.environ.get(var, ""))
        except ValueError:
            continue
        if n >= 1:
            return n
    return os.cpu_count() or 1


def _apply_numba(n):
    import numba  # noqa: PLC0415 - only called once the kernels have imported it

    numba.set_num_threads(min(n if n is not None else _default(), numba.config.NUMBA_NUM_THREADS))


def _numba_loaded() -> None:
    """Called by :mod:`neuralab.backend.kernels` when it has imported Numba: apply the current setting."""
    if _state["n"] is not None:
        _apply_numba(_state["n"])


def set_num_threads(n: int | None) -> int | None:
    """Run BLAS (NumPy's matmul) and neuralab's Numba kernels on ``n`` threads; None restores the libraries'
    defaults. Returns the previous setting (None for the defaults).

    BLAS is set through threadpoolctl; without it a RuntimeWarning says that BLAS keeps its threads
    (set ``OPENBLAS_NUM_THREADS`` before starting Python instead). See the module docstring for when
    a single thread is the better choice.
    """
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"set_num_threads: n must be a positive int or None, got {n!r}")
    old = _state["n"]
    ctl = _state["blas"]
    if ctl is not None:  # back to the original limits first, so that None restores them
        ctl.restore_original_limits()
        _state["blas"] = None
    if n is not None:
        try:
            from threadpoolctl import threadpool_limits  # noqa: PLC0415 - optional
        except ImportError:
            warnings.warn("set_num_threads: threadpoolctl is not installed, so BLAS keeps its threads; "
                          f"`pip install neuralab[fast]`, or start Python with OPENBLAS_NUM_THREADS={n}",
                          RuntimeWarning, stacklevel=2)
        else:
            _state["blas"] = threadpool_limits(limits=n, user_api="blas")
    _state["n"] = n
    from . import kernels

    if kernels._state["nb"] is not None:
        _apply_numba(n)
    return old


def get_num_threads() -> int:
    """The thread count :func:`set_num_threads` set; when it was not called, ``OPENBLAS_NUM_THREADS`` (or
    ``OMP_NUM_THREADS``) if set, else the number of cores. The optimizers' update split follows it too."""
    return _state["n"] if _state["n"] is not None else _default()


@contextlib.contextmanager
def num_threads(n: int | None):
    """``with num_threads(1): ...`` runs the block with :func:`set_num_threads` (n) and restores the setting."""
    old = set_num_threads(n)
    try:
        yield
    finally:
        set_num_threads(old)


def blas_info() -> list:
    """threadpoolctl's description of the BLAS libraries loaded (library, version, threads); [] without it."""
    try:
        from threadpoolctl import threadpool_info  # noqa: PLC0415 - optional
    except ImportError:
        return []
    return [d for d in threadpool_info() if d.get("user_api") == "blas"]
