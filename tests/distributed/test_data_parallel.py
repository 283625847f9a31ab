"""Data-parallel training over MPI: ``mpiexec -n 2`` against one process, rank-0-only files, errors.

The two-rank runs start ``mpiexec -n 2`` (the mpich wheel's, next to this
Python) on the scenarios in ``mpi_scenarios.py``; the reference runs the same
scenario in this process. Skipped with a reason when mpi4py or mpiexec is absent
(CI installs the ``[mpi]`` extra).
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent
SCRIPT = HERE / "mpi_scenarios.py"
REPO = HERE.parent.parent


def _mpiexec():
    cand = Path(sys.executable).parent / "mpiexec"
    return str(cand) if cand.exists() else shutil.which("mpiexec")


needs_mpi = pytest.mark.skipif(importlib.util.find_spec("mpi4py") is None or _mpiexec() is None,
                               reason="needs mpi4py and mpiexec: pip install \".[mpi]\"")


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    return env


def mpirun(args, n=2, timeout=120):
    """Run ``mpiexec -n n args`` and return the CompletedProcess (a hang fails after ``timeout`` s)."""
    return subprocess.run([_mpiexec(), "-n", str(n), *args], capture_output=True, text=True, env=_env(),
                          timeout=timeout, cwd=str(REPO))


def scenario(tmp_path, name, **cfg):
    """Run scenario ``name`` on 2 ranks; returns (rank 0's results, [info of rank 0, info of rank 1], process)."""
    out = tmp_path / f"{name}.npz"
    r = mpirun([sys.executable, str(SCRIPT), name, json.dumps(cfg), str(out)])
    if r.returncode != 0:
        return None, None, r
    infos = [json.loads(Path(f"{out}.rank{k}.json").read_text()) for k in range(2)]
    return dict(np.load(out)), infos, r


def reference(name, **cfg):
    spec = importlib.util.spec_from_file_location("mpi_scenarios", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    res, _ = mod.run(name, cfg, distributed=False)
    return res


def assert_close(a, b, atol):
    assert set(a) == set(b)
    for k in a:
        np.testing.assert_allclose(a[k], b[k], rtol=0, atol=atol, err_msg=k)


@needs_mpi
@pytest.mark.parametrize("cfg", [
    # the notes' default: float32, Adam; 1438 samples in batches of 100 (the last one 38 rows)
    dict(),
    # a last batch of 1 row (397 = 4 * 99 + 1): one rank runs it with weight 0; SGD; eager step
    dict(samples=397, batch_size=99, optimizer="sgd", lr=0.05, compiled=False),
    # gradients in many buckets (Iallreduce each), metrics computed on the gathered outputs
    dict(bucket_bytes=4096, top2=True, epochs=2, dtype="float64"),
], ids=["adam-float32", "sgd-eager-last-batch-of-1", "buckets-metrics-float64"])
def test_two_ranks_equal_one_process(tmp_path, cfg):
    got, infos, r = scenario(tmp_path, "train", **cfg)
    assert r.returncode == 0, r.stderr[-3000:]
    want = reference("train", **cfg)
    assert_close(got, want, atol=1e-5 if cfg.get("dtype", "float32") == "float32" else 1e-12)
    # every rank ran every step through the allreduce and ended with the same parameters
    steps = int(want["global_step"])
    assert [i["global_step"] for i in infos] == [steps, steps]
    assert [i["steps_reduced"] for i in infos] == [steps, steps]
    assert infos[0]["digest"] == infos[1]["digest"]


@needs_mpi
def test_batch_norm_buffers_agree_and_dropout_runs(tmp_path):
    got, infos, r = scenario(tmp_path, "train", batch_norm=True, dropout=0.3, epochs=3, lr=0.01)
    assert r.returncode == 0, r.stderr[-3000:]
    # running averages are averaged over the ranks in every step: identical on both
    assert infos[0]["buffers"] == infos[1]["buffers"]
    assert infos[0]["digest"] == infos[1]["digest"]
    # per-shard batch statistics and per-rank dropout masks: not the single process's numbers, but it learns as
    # well (one process: 0.936 after these 3 epochs)
    assert got["history_val_accuracy"][-1] > 0.85


@needs_mpi
def test_rank_zero_writes_files_and_prints(tmp_path):
    got, infos, r = scenario(tmp_path, "files", folder=str(tmp_path), verbose=2, epochs=2)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (tmp_path / "rank0" / "ckpt" / "last.safetensors").exists()
    assert list((tmp_path / "rank0" / "tb").glob("events.out.tfevents.*"))
    assert not (tmp_path / "rank1").exists()  # neither a checkpoint nor an (empty) event file
    assert r.stdout.count("Epoch: 0001") == 1 and r.stdout.count("Epoch: 0002") == 1


@needs_mpi
def test_stop_on_one_rank_stops_every_rank_at_the_same_step(tmp_path):
    got, infos, r = scenario(tmp_path, "stop", stop_step=5, epochs=3)
    assert r.returncode == 0, r.stderr[-3000:]
    # the request made on rank 1 during step 5 travels in step 6's buffer: both stop after step 6
    assert [i["global_step"] for i in infos] == [6, 6]


@needs_mpi
def test_ranks_that_disagree_on_shapes_get_one_clear_error(tmp_path):
    _, _, r = scenario(tmp_path, "mismatch")
    assert r.returncode != 0
    assert "distributed: the ranks disagree" in r.stderr
    assert "parameter 0.weight is (64, 33) float32 on rank 1 but (64, 32) float32 on rank 0" in r.stderr


@needs_mpi
def test_cli_distributed_train(tmp_path):
    ck, tb = tmp_path / "ck", tmp_path / "tb"
    r = mpirun([sys.executable, "-m", "neuralab.cli", "train", "--distributed", "--epochs", "2", "--batch-size",
                "64", "--layers", "64", "--checkpoint-dir", str(ck), "--logdir", str(tb)])
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.count("Test accuracy:") == 1 and "2 ranks" in r.stdout
    assert len(list(tb.glob("events.out.tfevents.*"))) == 1
    assert (ck / "model.safetensors").exists() and (ck / "last.safetensors").exists()
    single = subprocess.run([sys.executable, "-m", "neuralab.cli", "train", "--epochs", "2", "--batch-size", "64",
                             "--layers", "64"], capture_output=True, text=True, env=_env(), timeout=120)
    # the same global batches: the same epoch lines to the printed digits and the same test accuracy
    assert single.returncode == 0, single.stderr[-2000:]
    pick = lambda out: [ln for ln in out.splitlines() if ln.startswith(("Epoch:", "Test accuracy"))]  # noqa: E731
    lines_two, lines_one = pick(r.stdout), pick(single.stdout)
    assert [ln.split("cost")[0] for ln in lines_two] == [ln.split("cost")[0] for ln in lines_one]
    assert lines_two[-1] == lines_one[-1]
    for a, b in zip(lines_two[:-1], lines_one[:-1]):
        assert abs(float(a.split()[4]) - float(b.split()[4])) < 1e-5


@needs_mpi
def test_cli_error_on_one_rank_stops_every_rank(tmp_path):
    bad = tmp_path / "file"
    bad.write_text("not a folder")
    # rank 0 alone checks the checkpoint folder: its error must not leave rank 1 waiting
    r = mpirun([sys.executable, "-m", "neuralab.cli", "train", "--distributed", "--epochs", "1",
                "--checkpoint-dir", str(bad)], timeout=60)
    assert r.returncode != 0
    assert "neuralab (rank 0 of 2): error: --checkpoint-dir" in r.stderr


def test_without_mpi4py_the_error_names_the_extra(monkeypatch):
    from neuralab import nn
    from neuralab.distributed import rank, size
    from neuralab.train import Trainer

    monkeypatch.setitem(sys.modules, "mpi4py", None)
    with pytest.raises(ImportError, match=r"pip install mpi4py mpich"):
        Trainer(nn.Sequential(nn.Dense(4, 2)), distributed=True)
    monkeypatch.setenv("PMI_RANK", "3")
    monkeypatch.setenv("PMI_SIZE", "4")
    assert (rank(), size()) == (3, 4)


def test_shards_cover_the_batch_once_with_weights_summing_to_one():
    from neuralab.distributed.data_parallel import DataParallel

    dp = object.__new__(DataParallel)  # shard() needs only rank and size
    x = np.arange(10)
    for n in (1, 3, 7, 10):
        rows, weights = [], []
        for r in range(4):
            dp.rank, dp.size = r, 4
            xs, _, _ = dp.shard(x[:n], None)
            if dp.weight:
                rows.extend(xs.tolist())
            weights.append(dp.weight)
        assert rows == list(range(n))
        assert sum(weights) == pytest.approx(1.0)
        assert max(weights) - min(w for w in weights if w) <= 1.0 / n + 1e-12
