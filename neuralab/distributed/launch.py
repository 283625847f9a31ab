"""Running a command on every rank: an error on one rank ends them all.

MPI gives a rank that waits in a collective no way to learn that another rank
has died: with MPICH's ``mpiexec`` a rank that exits with an error leaves the
others blocked in their next ``Allreduce``. :func:`run_guarded` turns an
exception on any rank into one line naming the rank and ``MPI_Abort``, which
ends every rank (mpiexec then exits non-zero). Python scripts get the same from
``mpiexec -n N python -m mpi4py script.py``.
"""
from __future__ import annotations

import sys
import time


def run_guarded(fn, *args, user_errors=(Exception,)):
    """``fn(*args)`` on this rank; on an exception with more than one rank, print it and abort every rank.

    The line says ``error`` for the ``user_errors`` types and ``internal error``
    otherwise; the exit status is the exception's integer ``code`` if it has one, else 1.
    """
    from .comm import world

    comm = world()
    try:
        return fn(*args)
    except BaseException as e:
        if comm.Get_size() == 1 or isinstance(e, SystemExit) and not e.code:
            raise
        code = getattr(e, "code", 1)
        code = code if isinstance(code, int) and code > 0 else 1
        kind = "error" if isinstance(e, user_errors) else "internal error"
        msg = " ".join(str(e.args[0] if isinstance(e, KeyError) and e.args else e).split()) or type(e).__name__
        print(f"neuralab (rank {comm.Get_rank()} of {comm.Get_size()}): {kind}: {msg}; stopping every rank",
              file=sys.stderr, flush=True)
        # MPI_Abort kills every rank at once; give mpiexec's proxy a moment to forward the line first
        # (without it the message is sometimes lost on a fast machine)
        time.sleep(0.5)
        comm.Abort(code)
        raise
