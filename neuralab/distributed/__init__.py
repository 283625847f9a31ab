"""Data-parallel training over MPI (the ``[mpi]`` extra: mpi4py and the mpich wheel's ``mpiexec``).

``Trainer(model, ..., distributed=True)`` in a script started as
``mpiexec -n P python script.py``, or ``mpiexec -n P neuralab train --distributed ...``,
trains one replica per rank on its share of every global batch and averages the
gradients with one ``Allreduce`` per step (:mod:`neuralab.distributed.data_parallel`
explains the algorithm and why ``-n 2`` equals ``-n 1`` to float tolerance).
``neuralab.distributed.tf1`` is a small Horovod-like helper for TF 1.x programs on
``neuralab.compat.v1``.

Nothing here imports mpi4py until it is needed; :func:`rank` and :func:`size`
work without it (0 and 1 in a plain process).
"""
from .comm import DistributedError, is_main_process, rank, size, world
from .data_parallel import BUCKET_BYTES, DataParallel, GradientAllreduce, attach

__all__ = ["BUCKET_BYTES", "DataParallel", "DistributedError", "GradientAllreduce", "attach", "is_main_process",
           "rank", "size", "world"]
