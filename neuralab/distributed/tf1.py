"""A Horovod-like helper for TF 1.x programs on ``neuralab.compat.v1``: average gradients across MPI ranks.

::

    import neuralab.compat.v1 as tf
    import neuralab.distributed.tf1 as hvd

    hvd.init()
    opt = hvd.DistributedOptimizer(tf.train.AdamOptimizer(0.001 * hvd.size()))
    train_op = opt.minimize(loss)               # gradients averaged over the ranks in every run
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        hvd.broadcast_global_variables(sess)    # every rank starts from rank 0's variables
        for step in range(steps):
            sess.run(train_op, {x: my_shard_x, y: my_shard_y})   # each rank feeds its own data

Start it with ``mpiexec -n N python -m mpi4py train.py``. The averaging is one
graph op (:class:`AllreduceMean`) over a flat buffer of all the gradients, run
as part of ``train_op``; equal shards of a batch give the gradient of the whole
batch's mean loss, so N ranks feeding ``B/N`` rows each train like one process
feeding ``B`` (to float tolerance).
"""
from __future__ import annotations

import numpy as np

from .._core.op import Op, Spec, dispatch
from .comm import local_size as _local_size, mpi, rank, size, world

__all__ = ["AllreduceMean", "DistributedOptimizer", "allreduce", "broadcast_global_variables", "init",
           "local_rank", "local_size", "rank", "size"]


def init() -> None:
    """Start MPI (imports mpi4py; ImportError naming the extra when it is missing)."""
    world()


def local_rank() -> int:
    """This rank's index among the ranks on its machine."""
    MPI = mpi()
    node = world().Split_type(MPI.COMM_TYPE_SHARED)
    try:
        return node.Get_rank()
    finally:
        node.Free()


def local_size() -> int:
    """How many ranks run on this machine."""
    return _local_size(world())


class AllreduceMean(Op):
    """The mean over the ranks of each input, summed with one ``Allreduce`` of a flat buffer per dtype."""

    differentiable = False
    stateful = True
    register = False
    opname = "allreduce_mean"

    def forward(self, xp, *arrays):
        MPI = mpi()
        comm = world()
        out = [None] * len(arrays)
        groups: dict = {}
        for k, a in enumerate(arrays):
            groups.setdefault(np.asarray(a).dtype, []).append(k)
        p = comm.Get_size()
        for dt, ks in groups.items():
            flat = np.concatenate([np.asarray(arrays[k], dtype=dt).reshape(-1) for k in ks])
            comm.Allreduce(MPI.IN_PLACE, flat, op=MPI.SUM)
            flat /= p
            a = 0
            for k in ks:
                n = np.asarray(arrays[k]).size
                out[k] = flat[a:a + n].reshape(np.shape(arrays[k]))
                a += n
        return tuple(out)

    def infer(self, *specs):
        return tuple(Spec(s.shape, s.dtype) for s in specs)

    def backward(self, grads):
        return (None,) * len(self.inputs)


def allreduce(tensors):
    """The mean over the ranks of a tensor or a list of tensors (``tf.Tensor`` or neuralab), as the same kind."""
    from ..compat.v1._base import as_tensor
    from ..compat.v1._types import wrap

    single = not isinstance(tensors, (list, tuple))
    items = [tensors] if single else list(tensors)
    ins = [as_tensor(t) for t in items]
    res = dispatch(AllreduceMean(nout=len(ins)), ins)
    res = res if isinstance(res, tuple) else (res,)
    out = [wrap(r) for r in res]
    return out[0] if single else out


class DistributedOptimizer:
    """Wrap a ``tf.train`` optimizer: ``compute_gradients`` averages every gradient over the ranks (one op).

    ``apply_gradients``, ``minimize`` and everything else behave as the wrapped
    optimizer's; ``minimize`` goes through the averaged gradients.
    """

    def __init__(self, optimizer):
        self._optimizer = optimizer

    def compute_gradients(self, *args, **kwargs):
        pairs = self._optimizer.compute_gradients(*args, **kwargs)
        have = [k for k, (g, _) in enumerate(pairs) if g is not None]
        if not have or size() == 1:
            return pairs
        avg = allreduce([pairs[k][0] for k in have])
        out = list(pairs)
        for k, g in zip(have, avg):
            out[k] = (g, pairs[k][1])
        return out

    def apply_gradients(self, *args, **kwargs):
        return self._optimizer.apply_gradients(*args, **kwargs)

    def minimize(self, loss, global_step=None, var_list=None, name=None, **kwargs):
        """``apply_gradients(compute_gradients(loss, var_list))`` with the gradients averaged over the ranks."""
        gv = self.compute_gradients(loss, var_list=var_list, **kwargs)
        return self.apply_gradients(gv, global_step=global_step, name=name)

    def __getattr__(self, name):
        return getattr(self._optimizer, name)


def broadcast_global_variables(session, root_rank: int = 0) -> None:
    """Copy rank ``root_rank``'s value of every global variable into ``session`` on every rank (one bcast).

    Run it once after the initializer; every rank must have built the same
    variables in the same order (a different list raises on every rank).
    """
    from ..compat.v1 import global_variables
    from .comm import check_agree

    comm = world()
    vs = global_variables()
    check_agree(comm, "the global variables", [(f"variable {v.op_name}", (tuple(v.shape.as_list()), str(v.dtype)))
                                               for v in vs])
    vals = session.run(vs) if comm.Get_rank() == root_rank else None
    vals = comm.bcast(vals, root=root_rank)
    if comm.Get_rank() != root_rank:
        for v, val in zip(vs, vals):
            v.load(val, session)
