"""Scenarios the data-parallel tests run under ``mpiexec -n 2 python mpi_scenarios.py NAME JSON OUT``.

Each scenario also runs in a plain process (``run(name, cfg)``) for the
single-process reference. Rank 0 writes the results to OUT (an .npz file);
every rank writes ``OUT.rank<r>.json`` with what only it can tell (its step
count, its parameters' digest, the files it wrote).
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np


def _model(cfg):
    from neuralab import nn

    dt = cfg.get("dtype", "float32")
    hidden = cfg.get("hidden", 32)
    layers = [nn.Dense(64, hidden, activation="relu", dtype=dt)]
    if cfg.get("batch_norm"):
        layers.append(nn.BatchNorm(hidden, dtype=dt))
    if cfg.get("dropout"):
        layers.append(nn.Dropout(cfg["dropout"]))
    layers.append(nn.Dense(hidden, 10, dtype=dt))
    return nn.Sequential(*layers)


def top2(y_true, y_pred):
    """Fraction of rows whose label is among the two largest outputs (a metric computed on outputs)."""
    best = np.argsort(y_pred, axis=-1)[:, -2:]
    return float(np.mean((best == np.asarray(y_true).reshape(-1, 1)).any(axis=1)))


def _stop_on_one_rank(rank, step):
    """A callback asking for a stop on one rank only, at one step: every rank must stop after the same step."""
    from neuralab.train import Callback

    class StopOnOneRank(Callback):
        def on_batch_end(self, trainer, step_, logs):
            if trainer._dist is not None and trainer._dist.rank == rank and step_ == step:
                trainer._dist.request_stop()

    return StopOnOneRank()




def run(name, cfg, distributed):
    """Train as the scenario says; returns (results dict for rank 0, per-rank info dict)."""
    import neuralab as nl
    from neuralab import data
    from neuralab.train import Checkpoint, TensorBoard, Trainer

    nl.seed(cfg.get("seed", 0))
    ds = data.digits()
    n = cfg.get("samples", len(ds.x_train))
    dt = cfg.get("dtype", "float32")
    x, y = ds.x_train[:n].astype(dt), ds.y_train[:n]
    rank = 0
    if distributed:
        from neuralab.distributed import rank as _rank

        rank = _rank()
    if name == "mismatch" and rank == 1:
        cfg = dict(cfg, hidden=cfg.get("hidden", 32) + 1)
    model = _model(cfg)
    dist = False
    if distributed:
        dist = {"bucket_bytes": cfg["bucket_bytes"]} if cfg.get("bucket_bytes") else True
    t = Trainer(model, optimizer=cfg.get("optimizer", "adam"), lr=cfg.get("lr"), compiled=cfg.get("compiled", True),
                metrics=["accuracy", top2] if cfg.get("top2") else None, distributed=dist)
    callbacks = []
    info = {"rank": rank}
    if name == "files":
        folder = os.path.join(cfg["folder"], f"rank{rank}")
        callbacks += [Checkpoint(os.path.join(folder, "ckpt")), TensorBoard(os.path.join(folder, "tb"))]
    if name == "stop":
        callbacks.append(_stop_on_one_rank(1, cfg["stop_step"]))
    h = t.fit(x, y, epochs=cfg.get("epochs", 1), batch_size=cfg.get("batch_size", 100), callbacks=callbacks,
              verbose=cfg.get("verbose", 0), validation_data=(ds.x_test.astype(dt), ds.y_test))
    res = {k: v for k, v in model.state_dict().items()}
    for k, v in h.history.items():
        res["history_" + k] = np.asarray(v)
    res["global_step"] = np.asarray(t.global_step)
    info["global_step"] = t.global_step
    if t._dist is not None:
        info["digest"] = t._dist.parameters_digest()
        info["steps_reduced"] = t._dist.steps
        info["buffers"] = [b.data.tolist() for b in model.buffers()]
    return res, info


def main():
    name, cfg, out = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
    res, info = run(name, cfg, distributed=True)
    if info["rank"] == 0:
        np.savez(out, **res)
    with open(f"{out}.rank{info['rank']}.json", "w") as f:
        json.dump(info, f)


if __name__ == "__main__":
    main()
