"""Synchronous data-parallel training: one model per MPI rank, one gradient ``Allreduce`` per step.

``Trainer(model, ..., distributed=True)``, started as ``mpiexec -n P python train.py``
(or ``mpiexec -n P neuralab train --distributed ...``), trains like one process
on the same global batches:

1. **Same start.** When ``fit`` begins, the ranks check that they agree on
   every parameter's and buffer's name, shape and dtype, on the number of
   samples, the batch size, the sample shape and the epochs (one ``allgather``;
   a mismatch raises :class:`DistributedError` on every rank, naming it), then
   rank 0 broadcasts the parameters and buffers.
2. **Shards.** Every rank walks the same sequence of global batches (the
   shuffle depends only on the seed and the epoch). Of a global batch of
   ``N`` rows, rank ``r`` of ``P`` takes the contiguous block
   ``[N r / P, N (r + 1) / P)`` of ``n_r`` rows.
3. **One allreduce per step.** Rank ``r``'s loss is the mean over its rows,
   so its gradient ``g_r`` is a mean too; the gradient of the global batch's
   mean loss is ``g = Σ_r (n_r / N) g_r``. Each rank packs ``(n_r / N) g_r``
   (the copy and the scaling are one pass) into one flat preallocated
   buffer per dtype, followed by its weighted loss, its count of correct
   predictions and a stop flag, and the buffer is summed with
   ``Allreduce`` (in buckets of ``bucket_bytes``, each started as soon as it
   is packed, when the buffer is larger). Every rank then holds the same
   ``g``, the global loss and accuracy, and runs the same optimizer update,
   so the parameters stay identical without being sent again.
4. **The compiled step stays compiled.** The packing, the ``Allreduce`` and
   the unpacking are one op, :class:`GradientAllreduce`, recorded between
   the gradients and the optimizer's update when the Trainer's step is
   traced; every replay runs it as one more kernel of the plan. The
   alternative, a compiled step that returns the gradients and an eager
   update after the allreduce, measured the same (8.72 against 8.80 s for an
   MNIST epoch on 2 ranks, within the noise: ``benchmarks/bench_distributed.py``);
   the op keeps one definition of the step, so clipping, class weights,
   metrics and the eager mode work unchanged.
5. **Rank 0 writes.** Callbacks that print or write files (epoch lines,
   progress, checkpoints, TensorBoard, and any callback with
   ``rank_zero_only = True``) run on rank 0 only; callbacks that steer
   training (History, EarlyStopping, NaNGuard, schedules) run everywhere and
   see the same global logs, so every rank stops at the same step. A stop
   requested on one rank (Ctrl-C) travels in the next step's buffer.

Why ``-n 2`` equals ``-n 1`` to float tolerance and not bit for bit: the
single process sums its 100 rows' gradient contributions inside one matmul,
two ranks sum 50 each and then add the two halves (and scale by ``1/2`` of a
``1/50`` mean instead of ``1/100``); floating-point addition is not
associative, so the last bits differ. The optimizer carries the difference
along; after an epoch on the digits the float32 parameters agree to about
3e-8 (float64: 1e-16; the tests assert 1e-5 and 1e-12).

What is per rank and documented as such: dropout masks (rank ``r > 0``
draws from a stream derived from rank 0's at each epoch start, so shards get
independent noise and a run repeats bit for bit); batch normalization's
batch statistics are those of the rank's shard (as PyTorch's DDP without
SyncBatchNorm), while the running averages are averaged over the ranks in
every step's allreduce, so evaluation gives the same result on every rank.
Evaluation and prediction run on every rank over the whole data.
"""
from __future__ import annotations

import hashlib
import os
import warnings

import numpy as np

from .._core.op import Op, Spec
from .comm import DistributedError, check_agree, local_size, mpi

#: gradients are summed in buckets of about this many bytes (whole parameters per bucket); a buffer that
#: fits in one bucket is reduced with one blocking Allreduce. 25 MiB is PyTorch DDP's default; on one
#: machine, splitting measured slower (benchmarks/results/distributed.txt)
BUCKET_BYTES = 25 << 20

_TAIL = 3  # loss, correct, stop flag at the end of the first buffer


class GradientAllreduce(Op):
    """The data-parallel step's one communication: ``g ← Σ_ranks (n_r / N) g_r`` over a flat buffer.

    Inputs: the gradients (those that are not None), the rank's loss and, for
    classifiers, its count of correct predictions. Outputs: the averaged
    gradients, the global loss and the global count, same shapes and dtypes.
    Running it packs, sums across ranks with MPI and unpacks (see
    :class:`DataParallel`); it is not differentiable.
    """

    differentiable = False
    stateful = True
    register = False
    opname = "gradient_allreduce"

    def forward(self, xp, *arrays):
        return self.dp._reduce(arrays, self.with_correct)

    def infer(self, *specs):
        return tuple(Spec(s.shape, s.dtype) for s in specs)

    def backward(self, grads):
        return (None,) * len(self.inputs)


class _Layout:
    """Where each array goes in the flat buffers: one buffer per dtype, views per gradient, buckets."""

    def __init__(self, shapes, dtypes, bucket_bytes):
        groups: dict = {}
        for k, dt in enumerate(dtypes):
            groups.setdefault(np.dtype(dt), []).append(k)
        self.buffers, self.views, self.buckets = [], [None] * len(shapes), []
        if not groups:  # nothing to average but the loss and the flags
            groups[np.dtype(np.float64)] = []
        first = True
        for dt, members in groups.items():
            sizes = [int(np.prod(shapes[k], dtype=np.int64)) for k in members]
            n = sum(sizes) + (_TAIL if first else 0)
            buf = np.zeros(n, dtype=dt)
            a = 0
            start, bucket = 0, []
            for k, s in zip(members, sizes):
                self.views[k] = buf[a:a + s].reshape(shapes[k])
                bucket.append(k)
                a += s
                if (a - start) * dt.itemsize >= bucket_bytes:
                    self.buckets.append((buf, start, a, bucket))
                    start, bucket = a, []
            if first:
                self.tail = buf[n - _TAIL:]
                a = n
                first = False
            if a > start:
                self.buckets.append((buf, start, a, bucket))
            self.buffers.append(buf)


class DataParallel:
    """The data-parallel side of one :class:`~neuralab.train.Trainer` (made by ``Trainer(distributed=True)``).

    ``comm``: an mpi4py communicator (default ``MPI.COMM_WORLD``);
    ``bucket_bytes``: the size of the gradient buckets (see :data:`BUCKET_BYTES`);
    ``threads``: BLAS threads per rank, ``"auto"`` (the default) dividing the
    machine's cores among the ranks on it unless ``OMP_NUM_THREADS`` /
    ``OPENBLAS_NUM_THREADS`` is set, or an int, or None to leave them alone.
    """

    def __init__(self, trainer, comm=None, bucket_bytes: int = BUCKET_BYTES, threads="auto"):
        MPI = mpi()
        self.MPI = MPI
        self.comm = comm if comm is not None else MPI.COMM_WORLD
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        if isinstance(bucket_bytes, bool) or not isinstance(bucket_bytes, int) or bucket_bytes < 1:
            raise ValueError(f"DataParallel: bucket_bytes must be a positive int, got {bucket_bytes!r}")
        self.trainer = trainer
        self.bucket_bytes = bucket_bytes
        self.weight = 1.0  # n_r / N of the current global batch
        self._counts = None  # rows of each rank in the current global batch
        self.stop_request = False
        self._layouts: dict = {}
        self.allreduce_seconds = 0.0  # time spent in the step's collective (for benchmarks)
        self.steps = 0
        self._buffers = [b for b in trainer.model.buffers() if b.data is not None and b.dtype.kind == "f"]
        self._set_threads(threads)

    def _set_threads(self, threads):
        if threads is None or self.size == 1:
            return
        if threads == "auto":
            if any(k in os.environ for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")):
                return
            threads = max(1, (os.cpu_count() or 1) // local_size(self.comm))
        from ..backend.threads import get_num_threads, set_num_threads

        if get_num_threads() == threads:
            return
        try:
            import threadpoolctl  # noqa: F401 - set_num_threads needs it for BLAS
        except ImportError:
            warnings.warn(f"distributed: {self.size} ranks share {os.cpu_count()} cores and BLAS keeps one thread "
                          f"per core in each; start with OPENBLAS_NUM_THREADS={threads} (or install "
                          "threadpoolctl) to avoid oversubscription", RuntimeWarning, stacklevel=3)
            return
        set_num_threads(int(threads))

    # -- the step ---------------------------------------------------------------------------------
    def shard(self, x, y, w=None):
        """This rank's rows of a global batch ``(x, y, w)``; sets the weight ``n_r / N`` of its gradient.

        With fewer rows than ranks, a rank without rows runs the step on row 0
        with weight 0, so it contributes nothing and still takes part.
        """
        n = len(x)
        P, r = self.size, self.rank
        bounds = [n * k // P for k in range(P + 1)]
        self._counts = [bounds[k + 1] - bounds[k] for k in range(P)]
        lo, hi = bounds[r], bounds[r + 1]
        if hi > lo:
            self.weight = (hi - lo) / n
            sl = slice(lo, hi)
        else:
            self.weight = 0.0
            sl = slice(0, 1)
        return x[sl], (None if y is None else y[sl]), (None if w is None else w[sl])

    def allreduce(self, grads, loss, correct):
        """Record (in a traced step) or run (eagerly) the :class:`GradientAllreduce` of ``grads``.

        Returns ``(averaged grads, global loss, global correct)``; None gradients stay None.
        """
        pos = [k for k, g in enumerate(grads) if g is not None]
        ins = [grads[k] for k in pos] + [loss] + ([] if correct is None else [correct])
        op = GradientAllreduce(dp=self, with_correct=correct is not None, nout=len(ins))
        from .._core.op import dispatch

        res = dispatch(op, ins)
        res = res if isinstance(res, tuple) else (res,)
        out = list(grads)
        for k, g in zip(pos, res):
            out[k] = g
        m = len(pos)
        return out, res[m], (None if correct is None else res[m + 1])

    def _reduce(self, arrays, with_correct):
        """The op's forward: pack ``(n_r / N) g_r``, loss, correct, stop flag and buffers; Allreduce; unpack."""
        import time

        k_loss = len(arrays) - (2 if with_correct else 1)
        grads = arrays[:k_loss]
        bufs = [b.data for b in self._buffers]
        key = tuple((g.shape, g.dtype.str) for g in grads) + tuple((b.shape, b.dtype.str) for b in bufs)
        lay = self._layouts.get(key)
        if lay is None:
            lay = self._layouts[key] = _Layout([g.shape for g in grads] + [b.shape for b in bufs],
                                               [g.dtype for g in grads] + [b.dtype for b in bufs],
                                               self.bucket_bytes)
        w = self.weight
        MPI = self.MPI
        reqs = []
        t0 = time.perf_counter()
        for buf, a, b, members in lay.buckets:
            for k in members:
                src = grads[k] if k < k_loss else bufs[k - k_loss]
                dst = lay.views[k]
                if k >= k_loss:  # a running average: the plain mean over ranks
                    np.multiply(src, 1.0 / self.size, out=dst)
                elif w == 1.0:
                    dst[...] = src
                elif w == 0.0:
                    dst[...] = 0  # (the gradient of a stand-in row; may be anything)
                else:
                    np.multiply(src, w, out=dst)
            if b == len(buf) and buf is lay.buffers[0]:  # the bucket holding the tail
                tail = lay.tail
                tail[0] = float(arrays[k_loss]) * w if w else 0.0
                tail[1] = float(arrays[k_loss + 1]) if (with_correct and w) else 0.0
                tail[2] = 1.0 if self.stop_request else 0.0
            if len(lay.buckets) == 1:
                self.comm.Allreduce(MPI.IN_PLACE, buf[a:b], op=MPI.SUM)
            else:
                reqs.append(self.comm.Iallreduce(MPI.IN_PLACE, buf[a:b], op=MPI.SUM))
        if reqs:
            MPI.Request.Waitall(reqs)
        self.allreduce_seconds += time.perf_counter() - t0
        self.steps += 1
        tail = lay.tail
        if tail[2] > 0:
            self.trainer.stop_training = True
            self.stop_request = False
        for k, b in enumerate(self._buffers):
            v = lay.views[k_loss + k]
            if b.data.flags.writeable:
                b.data[...] = v
            else:
                b.data = v.copy()
        out = [lay.views[k] for k in range(k_loss)]
        out.append(np.asarray(tail[0], dtype=arrays[k_loss].dtype))
        if with_correct:
            out.append(np.asarray(int(round(float(tail[1]))), dtype=arrays[k_loss + 1].dtype))
        return tuple(out)

    def gather(self, out):
        """The global batch's model outputs from every rank's rows (for metrics computed on outputs)."""
        if out is None:
            return None
        MPI = self.MPI
        out = np.ascontiguousarray(out if self.weight else out[:0])
        row = int(np.prod(out.shape[1:], dtype=np.int64))
        counts = [c * row for c in self._counts]
        res = np.empty((sum(self._counts),) + out.shape[1:], dtype=out.dtype)
        displs = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int).tolist()
        self.comm.Allgatherv(out, [res, counts, displs, MPI._typedict[out.dtype.char]])
        return res

    def request_stop(self) -> None:
        """Ask every rank to stop after the next step (safe to call from a signal handler on any rank)."""
        self.stop_request = True

    # -- fit -------------------------------------------------------------------------------------------
    def callbacks(self, cbs, src, end):
        """Check that the ranks agree, then: the sync callback first, rank-0-only callbacks dropped elsewhere."""
        self.check(src, end)
        keep = [c for c in cbs if self.rank == 0 or not _rank_zero_only(c)]
        return [_Sync(self)] + keep

    def check(self, src, end) -> None:
        """Raise :class:`DistributedError` on every rank unless they agree on the model, the data and the epochs."""
        model = self.trainer.model
        sig = [(f"parameter {n}", (tuple(p.shape), str(p.dtype))) for n, p in model.named_parameters()]
        sig += [(f"buffer {n}", (tuple(b.shape), str(b.dtype))) for n, b in model.named_buffers()]
        sig.append(("the optimizer", type(self.trainer.optimizer).__name__))
        loader = getattr(src, "loader", None)
        if loader is not None:
            sig.append(("the number of training samples", loader.num_samples))
            sig.append(("the batch size", loader.batch_size))
            if loader.x is not None:
                sig.append(("the sample shape", (tuple(np.shape(loader.x)[1:]), str(np.asarray(loader.x[:1]).dtype))))
        elif getattr(src, "one_shot", False) and src.steps is None:
            raise DistributedError("distributed: fit needs data of known length on every rank (arrays, a "
                                   "DataLoader, a dataset, or steps_per_epoch= with a generator)")
        sig.append(("the steps per epoch", src.steps))
        sig.append(("the last epoch", int(end)))
        check_agree(self.comm, "the model, the data and the settings", sig)

    def broadcast_state(self, root: int = 0) -> None:
        """Copy rank ``root``'s parameters and buffers to every rank (one Bcast per dtype)."""
        tensors = list(self.trainer.model.parameters()) + list(self.trainer.model.buffers())
        groups: dict = {}
        for t in tensors:
            if t.data is not None:
                groups.setdefault(t.data.dtype, []).append(t)
        for dt, ts in groups.items():
            flat = np.concatenate([t.data.reshape(-1) for t in ts]) if self.rank == root else \
                np.empty(sum(t.data.size for t in ts), dtype=dt)
            self.comm.Bcast(flat, root=root)
            if self.rank == root:
                continue
            a = 0
            for t in ts:
                v = flat[a:a + t.data.size].reshape(t.data.shape)
                a += t.data.size
                if t.data.flags.writeable:
                    t.data[...] = v
                else:
                    t.data = v.copy()

    def parameters_digest(self) -> str:
        """A hash of this rank's parameters (equal on every rank while training is in sync)."""
        h = hashlib.blake2b(digest_size=16)
        for p in self.trainer.model.parameters():
            h.update(np.ascontiguousarray(p.data).tobytes())
        return h.hexdigest()


def _rank_zero_only(c) -> bool:
    flag = getattr(c, "rank_zero_only", None)
    if flag is not None:
        return bool(flag)
    from ..train.callbacks import Checkpoint, EpochLogger, ProgressBar
    from ..train.tensorboard import TensorBoard

    return isinstance(c, (Checkpoint, EpochLogger, ProgressBar, TensorBoard))


def _derived_stream(state, rank):
    """A generator state for ``rank`` derived from rank 0's generator ``state`` (deterministic)."""
    digest = hashlib.sha256(repr(state).encode()).digest()
    ss = np.random.SeedSequence(int.from_bytes(digest[:16], "little"), spawn_key=(int(rank),))
    return np.random.default_rng(ss).bit_generator.state


class _Sync:
    """fit's first callback in data-parallel mode: same start, per-rank dropout streams, a divergence check."""

    rank_zero_only = False

    def __init__(self, dp: DataParallel):
        self.dp = dp

    def on_train_begin(self, trainer):
        self.dp.broadcast_state(0)

    def on_epoch_begin(self, trainer, epoch):
        from .._core import random as _random

        dp = self.dp
        state = dp.comm.bcast(_random.get_state() if dp.rank == 0 else None, root=0)
        if dp.rank != 0:
            _random.set_state(_derived_stream(state, dp.rank))

    def on_batch_end(self, trainer, step, logs):
        pass

    def on_epoch_end(self, trainer, epoch, logs):
        dp = self.dp
        digests = dp.comm.allgather(dp.parameters_digest())
        if len(set(digests)) > 1:
            bad = [r for r, d in enumerate(digests) if d != digests[0]]
            raise DistributedError(f"distributed: after epoch {epoch + 1} the parameters of rank(s) {bad} differ "
                                   "from rank 0's; every rank must apply the same updates (an optimizer or "
                                   "callback that acts on one rank only?)")

    def on_train_end(self, trainer, logs):
        pass


def attach(trainer, distributed=True) -> DataParallel:
    """Make ``trainer`` data-parallel: ``distributed`` is True, a dict of :class:`DataParallel` options, or one."""
    if isinstance(distributed, DataParallel):
        return distributed
    if distributed is True:
        return DataParallel(trainer)
    if isinstance(distributed, dict):
        return DataParallel(trainer, **distributed)
    raise TypeError(f"Trainer: distributed must be True, a dict of DataParallel options or a DataParallel, "
                    f"got {distributed!r}")
