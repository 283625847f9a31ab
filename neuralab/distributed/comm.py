"""The MPI world: mpi4py imported lazily, rank and size, collective checks that fail on every rank at once.

``mpi4py`` (the ``[mpi]`` extra: ``pip install "neuralab[mpi]"`` brings mpi4py and
the ``mpich`` wheel, whose ``mpiexec`` needs no compiler and no root) is imported
only when a function here needs the communicator. Without it, :func:`rank` is 0
and :func:`size` is 1 unless an MPI launcher says otherwise in the environment,
so ``if rank() == 0:`` works in any script.
"""
from __future__ import annotations

import os

from .._core.errors import NeuralabError

#: environment variables MPI launchers set to each process's rank / the number of processes
_RANK_VARS = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK")
_SIZE_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")


class DistributedError(NeuralabError, RuntimeError):
    """Ranks that cannot train together: different shapes, data or settings, or parameters that diverged."""


def mpi():
    """The ``mpi4py.MPI`` module (ImportError naming the extra when mpi4py is missing)."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError("distributed training needs mpi4py and an MPI library: `pip install mpi4py mpich` "
                          "(from a checkout: `pip install \".[mpi]\"`), then start with `mpiexec -n N ...`") from e
    return MPI


def world():
    """``MPI.COMM_WORLD``: every process started by ``mpiexec``."""
    return mpi().COMM_WORLD


def _env_int(names, default):
    for k in names:
        v = os.environ.get(k)
        if v is not None and v.strip().isdigit():
            return int(v)
    return default


def rank() -> int:
    """This process's rank in ``MPI.COMM_WORLD`` (0 in a plain process, and when mpi4py is not installed).

    >>> rank() >= 0
    True
    """
    try:
        return world().Get_rank()
    except ImportError:
        return _env_int(_RANK_VARS, 0)


def size() -> int:
    """The number of processes in ``MPI.COMM_WORLD`` (1 in a plain process).

    >>> size() >= 1
    True
    """
    try:
        return world().Get_size()
    except ImportError:
        return _env_int(_SIZE_VARS, 1)


def is_main_process() -> bool:
    """True on rank 0, the rank that logs, writes checkpoints and TensorBoard files (True in a plain process)."""
    return rank() == 0


def local_size(comm) -> int:
    """How many ranks of ``comm`` share this machine (MPI's shared-memory split)."""
    MPI = mpi()
    node = comm.Split_type(MPI.COMM_TYPE_SHARED)
    try:
        return node.Get_size()
    finally:
        node.Free()


def check_agree(comm, what: str, value) -> None:
    """Raise :class:`DistributedError` on every rank unless every rank passed an equal ``value``.

    ``value`` is a list of ``(label, item)`` pairs (picklable items, e.g. a
    parameter's name with its shape and dtype); the message names the first
    label where a rank differs from rank 0, with both values. All ranks take
    part in one ``allgather``, so all of them raise together (no rank is left
    waiting in a later collective).
    """
    every = comm.allgather(list(value))
    ref = every[0]
    for r, mine in enumerate(every[1:], start=1):
        if mine == ref:
            continue
        for k in range(max(len(ref), len(mine))):
            a = ref[k] if k < len(ref) else None
            b = mine[k] if k < len(mine) else None
            if a != b:
                la = a[0] if a is not None else b[0]
                va = "nothing" if a is None else _fmt(a[1])
                vb = "nothing" if b is None else _fmt(b[1])
                raise DistributedError(f"distributed: the ranks disagree on {what}: {la} is {vb} on rank {r} but "
                                       f"{va} on rank 0; every rank must build the same model and read the same "
                                       "data and settings")


def _fmt(v):
    if isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], tuple):
        shape, dt = v
        return "(" + ", ".join(str(d) for d in shape) + (",)" if len(shape) == 1 else ")") + f" {dt}"
    return repr(v)
