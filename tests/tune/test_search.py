"""Searches on the bundled digits: two stages find a good config, workers share one storage, pruning, a killed
worker, --resume, the command line. Skipped with a reason without Optuna (CI installs the ``[tune]`` extra)."""
from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("optuna") is None,
                                reason="needs Optuna: pip install \".[tune]\"")
REPO = Path(__file__).parent.parent.parent


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    return env


def cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "neuralab.cli", "tune", *args], capture_output=True, text=True,
                          env=_env(), timeout=timeout, cwd=str(REPO))


def settings(tmp_path, space, **kw):
    from neuralab.cli import TRAIN_DEFAULTS
    from neuralab.tune import SearchSpace, TuneSettings

    base = dict(TRAIN_DEFAULTS, validation=0.2, batch_size=64, layers=[32])
    base.update(kw.pop("base", {}))
    for k in ("logdir", "checkpoint_dir", "resume", "distributed"):
        base.pop(k)
    kw.setdefault("quiet", True)
    return TuneSettings(space=SearchSpace(space), base=base, out=str(tmp_path / "run"), **kw)


def load(url, name):
    import optuna

    return optuna.load_study(study_name=name, storage=url)


def test_two_stages_on_digits_find_a_good_config(tmp_path):
    from neuralab.cli import load_config
    from neuralab.tune import tune

    s = settings(tmp_path, {"lr": {"log_uniform": [1e-4, 5e-2]}, "layers": {"choice": ["16", "64"]},
                            "dropout": {"uniform": [0.0, 0.4]}}, trials=[8, 8], epochs=[1, 3], sampler="random")
    r = tune(s)
    s1, s2 = [st.user_attrs["space"] for st in r.studies]
    # stage 2 searches inside stage 1, around its best trial
    best1 = max((t for t in r.studies[0].trials if t.value is not None and t.state.name == "COMPLETE"),
                key=lambda t: t.value)
    lr2 = s2["lr"]["log_uniform"] if isinstance(s2["lr"], dict) else [s2["lr"]] * 2
    assert s1["lr"]["log_uniform"][0] <= lr2[0] <= best1.params["lr"] <= lr2[1] <= s1["lr"]["log_uniform"][1]
    assert r.value > 0.9  # validation accuracy of the winner (held out from the training set)
    # the winner's TOML is a train configuration with the last stage's epochs
    cfg = load_config(r.best_toml)
    assert cfg["epochs"] == 3 and cfg["lr"] == pytest.approx(r.params["lr"]) and cfg["validation"] == 0.2
    assert {"resume", "logdir", "checkpoint_dir"}.isdisjoint(cfg)
    # one TensorBoard folder per trial, named by its hyperparameter string, with event files
    runs = sorted(p.name for p in (tmp_path / "run").iterdir() if p.is_dir())
    assert len(runs) == 16 and runs[0].startswith("s1-t000,lr=")
    assert list((tmp_path / "run" / runs[-1]).glob("events.out.tfevents.*"))


def test_pruning_stops_trials_worse_than_the_median(tmp_path):
    from optuna.trial import TrialState

    from neuralab.tune import tune

    s = settings(tmp_path, {"lr": {"log_uniform": [1e-6, 3e-2]}}, trials=[10], epochs=[4], sampler="random")
    r = tune(s)
    st = r.studies[0]
    done = [t for t in st.trials if t.state == TrialState.COMPLETE]
    pruned = [t for t in st.trials if t.state == TrialState.PRUNED]
    assert pruned, "nothing was pruned"
    for t in pruned:
        epoch = max(t.intermediate_values)
        assert epoch < 3  # stopped before the last epoch
        earlier = [d.intermediate_values[epoch] for d in done if d.number < t.number]
        assert len(earlier) >= 3 and t.intermediate_values[epoch] < np.median(earlier)
    assert len(done) + len(pruned) == 10


@pytest.mark.parametrize("storage", ["journal", "sqlite"])
def test_two_workers_on_one_storage_run_every_trial_exactly_once(tmp_path, storage):
    from optuna.trial import TrialState

    url = "journal" if storage == "journal" else f"sqlite:///{tmp_path}/shared.db"
    (tmp_path / "space.toml").write_text('lr = {grid = [0.003, 0.01, 0.03]}\nlayers = {grid = ["16", "32"]}\n')
    r = cli("--space", str(tmp_path / "space.toml"), "--trials", "6", "--stages", "1", "--sampler", "grid",
            "--workers", "2", "--storage", url, "--out", str(tmp_path / "run"), "--epochs", "1", "--batch-size", "64")
    assert r.returncode == 0, r.stderr[-3000:]
    from neuralab.tune import storage_url
    from neuralab.tune.search import open_storage

    import optuna

    study = optuna.load_study(study_name="digits-mlp.stage1", storage=open_storage(storage_url(url, str(tmp_path /
                                                                                                       "run"))))
    finished = [t for t in study.trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(finished) == 6
    assert sorted((t.params["lr"], t.params["layers"]) for t in finished) == \
        sorted((lr, n) for lr in (0.003, 0.01, 0.03) for n in ("16", "32"))
    assert all(t.state != TrialState.FAIL or t.user_attrs.get("surplus") for t in study.trials)
    # run by the worker processes (which of them took how many depends on the machine's load)
    assert {t.user_attrs["worker"] for t in finished} <= {0, 1} and len({t.user_attrs["pid"] for t in finished}) <= 2
    assert r.stdout.count("[stage 1] trial ") == 6 and "rank  trial  val_accuracy" in r.stdout


def test_a_killed_worker_loses_only_its_trial(tmp_path):
    import optuna
    from optuna.trial import TrialState

    url = f"sqlite:///{tmp_path}/study.db"
    (tmp_path / "space.toml").write_text('lr = {log_uniform = [1e-3, 3e-2]}\n')
    p = subprocess.Popen([sys.executable, "-m", "neuralab.cli", "tune", "--space", str(tmp_path / "space.toml"),
                          "--trials", "4", "--stages", "1", "--workers", "2", "--storage", url, "--pruner", "none",
                          "--out", str(tmp_path / "run"), "--epochs", "60", "--batch-size", "16", "--layers", "64"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(), cwd=str(REPO))
    victim = None
    t0 = time.time()
    try:
        # poll often: on a fast machine a trial lasts about a second
        while victim is None and p.poll() is None and time.time() - t0 < 120:
            time.sleep(0.05)
            try:
                st = optuna.load_study(study_name="digits-mlp.stage1", storage=url)
            except KeyError:
                continue
            running = [t for t in st.get_trials(states=(TrialState.RUNNING,)) if "pid" in t.user_attrs]
            if running:
                victim = running[0]
                os.kill(victim.user_attrs["pid"], signal.SIGKILL)
        out, err = p.communicate(timeout=300)
    finally:
        if p.poll() is None:
            p.kill()
    assert victim is not None, f"no running trial seen; the search printed: {err[-3000:]}"
    assert p.returncode == 0, err[-3000:]
    st = optuna.load_study(study_name="digits-mlp.stage1", storage=url)
    lost = st.trials[victim.number]
    assert lost.state == TrialState.FAIL and lost.user_attrs["error"] == "its worker process died"
    assert sum(t.state == TrialState.COMPLETE for t in st.trials) == 4  # the study went on to 4 trials
    assert f"was killed; its running trial {victim.number} is marked failed" in err
    assert "1 failed" in out


def test_resume_continues_and_a_second_start_without_it_is_refused(tmp_path):
    (tmp_path / "space.toml").write_text('lr = {log_uniform = [1e-3, 3e-2]}\n')
    args = ["--space", str(tmp_path / "space.toml"), "--stages", "1", "--out", str(tmp_path / "run"), "--epochs", "1",
            "--sampler", "random"]
    r = cli(*args, "--trials", "2")
    assert r.returncode == 0, r.stderr[-2000:]
    r2 = cli(*args, "--trials", "3")
    assert r2.returncode == 1 and "already exists" in r2.stderr and "--resume" in r2.stderr
    r3 = cli(*args, "--trials", "3", "--resume")
    assert r3.returncode == 0, r3.stderr[-2000:]
    assert r3.stdout.count("[stage 1] trial ") == 1  # only the new trial ran
    assert "3 complete" in r3.stdout
    r4 = cli(*args, "--trials", "3", "--resume", "--lr", "0.1")  # other fixed settings: refused
    assert r4.returncode == 1 and "was started with other settings (base:" in r4.stderr


@pytest.mark.parametrize("extra, msg", [
    (["--sampler", "grid"], "--sampler grid needs every parameter to be a grid or a choice; lr is log_uniform"),
    (["--checkpoint-dir", "x"], "--checkpoint-dir: not a tune flag"),
    (["--stage-epochs", "1"], "--stage-epochs: expected 2 comma-separated integers"),
])
def test_cli_errors(tmp_path, extra, msg):
    (tmp_path / "space.toml").write_text('lr = {log_uniform = [1e-3, 3e-2]}\n')
    r = cli("--space", str(tmp_path / "space.toml"), "--out", str(tmp_path / "run"), *extra)
    assert r.returncode == 2 and f"neuralab: error: {msg}" in r.stderr, r.stderr


def test_cli_without_optuna_names_the_extra(tmp_path, monkeypatch, capsys):
    from neuralab.cli import main

    (tmp_path / "space.toml").write_text('lr = {log_uniform = [1e-3, 3e-2]}\n')
    monkeypatch.setitem(sys.modules, "optuna", None)
    assert main(["tune", "--space", str(tmp_path / "space.toml"), "--out", str(tmp_path / "run")]) == 1
    assert "hyperparameter search needs Optuna: `pip install optuna`" in capsys.readouterr().err
