"""The search itself: Optuna studies in stages, local worker processes, pruning, progress, the winner's TOML.

:func:`tune` runs ``len(trials)`` stages. Stage ``k`` is one Optuna study named
``<study>.stage<k>`` in one storage; it stores its search space, its epochs and
its fixed training settings as study attributes, so every worker, on this
machine or another, reads the same stage from the storage alone. A stage:

1. its space is the one given (stage 1) or the previous stage's narrowed
   around its best trials (:meth:`~neuralab.tune.space.SearchSpace.narrow`,
   deterministic, so every machine computes the same one);
2. ``workers`` processes (or this one, for 1) each loop: fail the trials of
   dead workers on this machine, then, while fewer than ``trials`` trials
   are finished or running, run one more through ``study.optimize``. A trial
   samples its configuration, trains it for the stage's epochs with a
   validation split, reports the validation metric after every epoch to
   Optuna's ``MedianPruner`` (a trial worse than the median of the earlier
   trials at the same epoch stops there: *pruned*), logs to TensorBoard
   in ``out/<hparam string>`` and returns the last epoch's metric;
3. the stage ends when enough trials are finished and none is running.

Storages: the default is SQLite in the run folder (``sqlite:///out/study.db``);
``journal`` or a path ending in ``.log``/``.journal`` is Optuna's journal file;
any other URL (``postgresql://...``, ``mysql://...``) is an RDB server. Several
machines share one study by starting the same command against one storage URL
(an RDB server, or a journal file on a shared file system) with ``--resume``
(which creates the study when it does not exist yet), each with its own
``--workers``.

A killed worker loses only its running trial: it is marked failed (at once by
any process on the same machine, which sees that the worker's process is gone;
on RDB storages also by Optuna's heartbeat after ``HEARTBEAT_GRACE`` seconds,
for workers on other machines), it does not count, and another trial takes its
place. ``resume=True`` continues a study whose processes all stopped: finished
trials stay, finished stages are not run again.
"""
from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass

from .space import SearchSpace, hparam_string

#: seconds between the heartbeats of a running trial, and after which a silent trial counts as dead (RDB storages)
HEARTBEAT_INTERVAL, HEARTBEAT_GRACE = 5, 30
#: metrics a study can optimize, with their direction
METRICS = {"val_accuracy": "maximize", "val_loss": "minimize"}
SAMPLERS = ("tpe", "random", "grid")
#: trials the median pruner lets finish before it prunes (per stage)
PRUNER_STARTUP_TRIALS = 3
#: consecutive failed trials after which a worker gives up (the same error every time is a bug, not bad luck)
MAX_CONSECUTIVE_FAILURES = 3


def optuna():
    """The ``optuna`` module (ImportError naming the extra when it is missing)."""
    try:
        import optuna as _optuna
    except ImportError as e:
        raise ImportError("hyperparameter search needs Optuna: `pip install optuna` (from a checkout: "
                          "`pip install \".[tune]\"`)") from e
    _optuna.logging.set_verbosity(_optuna.logging.ERROR)  # neuralab prints its own line per trial
    # heartbeats and fail_stale_trials are marked experimental; they are what makes a killed worker's trial fail
    warnings.filterwarnings("ignore", category=_optuna.exceptions.ExperimentalWarning)
    return _optuna


@dataclass
class TuneSettings:
    """Everything a search needs; ``base`` is a checked ``neuralab train`` configuration (the fixed part)."""

    space: SearchSpace
    base: dict
    trials: list
    epochs: list
    sampler: str = "tpe"
    storage: str | None = None
    workers: int = 1
    out: str = "runs/study"
    study: str = "study"
    metric: str = "val_accuracy"
    pruner: str = "median"
    keep: float = 0.25
    resume: bool = False
    seed: int = 0
    quiet: bool = False

    def __post_init__(self):
        if self.sampler not in SAMPLERS:
            raise ValueError(f"--sampler: choose one of {', '.join(SAMPLERS)}, got {self.sampler!r}")
        if self.metric not in METRICS:
            raise ValueError(f"--metric: choose one of {', '.join(METRICS)}, got {self.metric!r}")
        if self.pruner not in ("median", "none"):
            raise ValueError(f"--pruner: choose median or none, got {self.pruner!r}")
        if len(self.trials) != len(self.epochs) or not self.trials:
            raise ValueError(f"tune: {len(self.trials)} trial counts for {len(self.epochs)} stages")
        for what, vals in (("--trials", self.trials), ("--stage-epochs", self.epochs)):
            if any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in vals):
                raise ValueError(f"{what}: every value must be an integer >= 1, got {vals}")
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1:
            raise ValueError(f"--workers: must be an integer >= 1, got {self.workers!r}")
        if not 0 < self.keep <= 1:
            raise ValueError(f"--keep-fraction: must be in (0, 1], got {self.keep!r}")
        if self.sampler == "grid":
            self.space.grid()  # every parameter a grid or choice, or a clear error now


@dataclass
class TuneResult:
    """What :func:`tune` found: the winner's value, parameters and full ``train`` configuration, and the studies."""

    value: float
    params: dict
    config: dict
    best_toml: str
    studies: list


# -- storages -----------------------------------------------------------------------------------------
def storage_url(spec, out) -> str:
    """The storage a ``--storage`` value names: default SQLite in ``out``; ``journal`` or a .log file; a URL."""
    if spec is None:
        return "sqlite:///" + os.path.abspath(os.path.join(out, "study.db"))
    spec = str(spec)
    if spec == "journal":
        return "journal:" + os.path.abspath(os.path.join(out, "journal.log"))
    if spec.startswith("journal:"):
        return "journal:" + os.path.abspath(spec[len("journal:"):])
    if "://" not in spec and spec.endswith((".log", ".journal")):
        return "journal:" + os.path.abspath(spec)
    if "://" not in spec:
        raise ValueError(f"--storage: expected a database URL (sqlite:///study.db, postgresql://...), `journal`, "
                         f"or a journal file ending in .log, got {spec!r}")
    return spec


def open_storage(url):
    """An Optuna storage for ``url`` (see :func:`storage_url`); RDB storages get Optuna's heartbeat."""
    op = optuna()
    if url.startswith("journal:"):
        path = url[len("journal:"):]
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        from optuna.storages.journal import JournalFileBackend

        return op.storages.JournalStorage(JournalFileBackend(path))
    if url.startswith("sqlite:///"):
        os.makedirs(os.path.dirname(url[len("sqlite:///"):]) or ".", exist_ok=True)
    kw = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else None
    return op.storages.RDBStorage(url, engine_kwargs=kw, heartbeat_interval=HEARTBEAT_INTERVAL,
                                  grace_period=HEARTBEAT_GRACE,
                                  heartbeat_stale_trial_callback=_retry_callback(op))


def _retry_callback(op):
    """Optuna's callback that queues the configuration of a trial its heartbeat failed again (Optuna >= 4.9)."""
    return op.storages.RetryHeartbeatStaleTrialCallback(max_retry=1)


def stage_name(study: str, k: int) -> str:
    return f"{study}.stage{k + 1}"


# -- dead workers -----------------------------------------------------------------------------------------
def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_dead_trials(study) -> list:
    """Mark failed the running trials whose worker process on this machine is gone; returns their numbers.

    Each lost trial's configuration is queued again (another worker runs it).
    Optuna's heartbeat does the same for RDB storages after a grace period
    (for workers on other machines); this check is immediate and also serves
    journal storages.
    """
    from optuna.trial import TrialState

    host = socket.gethostname()
    dead = []
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        a = t.user_attrs
        if a.get("host") == host and isinstance(a.get("pid"), int) and a["pid"] != os.getpid() \
                and not _alive(a["pid"]):
            try:
                study._storage.set_trial_user_attr(t._trial_id, "error", "its worker process died")
                if study._storage.set_trial_state_values(t._trial_id, state=TrialState.FAIL):
                    dead.append(t.number)
                    study.enqueue_trial(t.params, user_attrs={"retry_of": t.number})
            except Exception:  # noqa: BLE001 - another process failed it first
                pass
    return dead


def _counts(study):
    from optuna.trial import TrialState

    c = {s: 0 for s in TrialState}
    for t in study.get_trials(deepcopy=False):
        c[t.state] += 1
    return c


# -- one trial ------------------------------------------------------------------------------------------
_DATA: dict = {}


def _dataset(cfg):
    from ..cli import load_dataset

    key = (cfg["dataset"], cfg["data_root"], cfg["model"] == "cnn", cfg["download"])
    if key not in _DATA:
        _DATA.clear()
        _DATA[key] = load_dataset(cfg)
    return _DATA[key]


def train_config(cfg, logdir=None, report=None):
    """Train the ``neuralab train`` configuration ``cfg`` on its training set minus a validation split.

    ``report(epoch, logs) -> bool`` is called after every epoch and stops
    training when it returns True. Returns the History. Uses the CLI's own
    dataset and model builders, so a configuration trains here exactly as
    ``neuralab train --config best.toml`` trains it.
    """
    import numpy as np

    import neuralab as nl

    from ..cli import build_model
    from ..data import train_val_split
    from ..train import Callback, NaNGuard, Trainer

    nl.seed(cfg["seed"])
    ds = _dataset(cfg)
    (x, y), val = train_val_split(ds.x_train, ds.y_train, float(cfg["validation"]), seed=cfg["seed"])
    model = build_model(cfg, ds.input_shape, ds.num_classes)
    trainer = Trainer(model, optimizer=cfg["optimizer"], lr=cfg["lr"], l2=cfg["l2"], compiled=not cfg["eager"],
                      clip_grad_norm=cfg["clip_grad_norm"])

    class Report(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            if report is not None and report(epoch, logs):
                trainer.stop_training = True

    callbacks = [NaNGuard()] if cfg["nan_guard"] else []
    callbacks.append(Report())
    if logdir is not None:
        tb = _tensorboard(logdir, cfg)
        if tb is not None:
            callbacks.append(tb)
    with np.errstate(**({"all": "ignore"} if cfg["nan_guard"] else {})):
        return trainer.fit(x, y, epochs=cfg["epochs"], batch_size=cfg["batch_size"], validation_data=val,
                           callbacks=callbacks, seed=cfg["seed"], verbose=0)


_warned = []


def _tensorboard(logdir, cfg):
    from ..cli import model_layers
    from ..train.tensorboard import TensorBoard

    hp = {k: cfg[k] for k in ("model", "activation", "init", "dropout", "batch_norm", "optimizer", "batch_size",
                              "seed", "epochs", "l2", "lr")}
    hp["layers"] = ",".join(str(n) for n in model_layers(cfg))
    try:
        return TensorBoard(logdir, hparams=hp, histogram_every=0)
    except ImportError as e:
        if not _warned:
            _warned.append(True)
            print(f"neuralab tune: no TensorBoard logs ({e})", file=sys.stderr)
        return None


class _Surplus(Exception):
    """A trial started after the stage had enough (two workers asked at once); it is dropped."""


def _objective(study, space, base, epochs, metric, target, out, stage, worker):
    op = optuna()
    from ..cli import CLIError, resolve_train_config
    from ..train import NonFiniteError

    def objective(trial):
        a = {"host": socket.gethostname(), "pid": os.getpid(), "stage": stage + 1, "worker": worker}
        for k, v in a.items():
            trial.set_user_attr(k, v)
        from optuna.trial import TrialState

        earlier = [t for t in study.get_trials(deepcopy=False)
                   if t.number < trial.number and t.state != TrialState.FAIL]
        if len(earlier) >= target:
            trial.set_user_attr("surplus", True)
            study.stop()
            raise _Surplus()
        params = space.suggest(trial)
        cfg = dict(base, **params, epochs=epochs)
        try:
            cfg = resolve_train_config(_Args(cfg))
        except CLIError as e:
            trial.set_user_attr("error", str(e))
            raise ValueError(f"trial {trial.number}: {e}") from None
        name = f"s{stage + 1}-t{trial.number:03d},{hparam_string(params)}"
        trial.set_user_attr("logdir", name)
        last = {}

        def report(epoch, logs):
            if metric not in logs:
                raise ValueError(f"tune: metric {metric!r} is not logged (have {sorted(logs)})")
            last.update(logs)
            trial.report(float(logs[metric]), epoch)
            if trial.should_prune():
                trial.set_user_attr("pruned_at_epoch", epoch + 1)
                return True
            return False

        try:
            train_config(cfg, logdir=os.path.join(out, name), report=report)
        except NonFiniteError as e:
            trial.set_user_attr("diverged", str(e))
            raise op.TrialPruned(f"diverged: {e}") from None
        except Exception as e:
            trial.set_user_attr("error", f"{type(e).__name__}: {e}")
            raise
        if "pruned_at_epoch" in trial.user_attrs:
            raise op.TrialPruned()
        return float(last[metric])

    return objective


class _Args:
    """An argparse-like namespace of train settings, for :func:`neuralab.cli.resolve_train_config`."""

    def __init__(self, cfg):
        self.__dict__.update(cfg)
        self.config = None


def _sampler(name, space, seed):
    op = optuna()
    if name in ("grid", "random"):  # a grid stage's trials are queued with their points (prepare_stage)
        return op.samplers.RandomSampler(seed=seed)
    return op.samplers.TPESampler(seed=seed, n_startup_trials=5)


def _pruner(name):
    op = optuna()
    if name == "none":
        return op.pruners.NopPruner()
    return op.pruners.MedianPruner(n_startup_trials=PRUNER_STARTUP_TRIALS, n_warmup_steps=0)


def stage_target(study) -> int:
    """How many trials a stage runs: its ``trials``, or fewer when a grid has fewer points."""
    a = study.user_attrs
    space = SearchSpace.from_dict(a["space"]) if a["space_params"] else None
    n = int(a["trials"])
    if a["sampler"] == "grid" and space is not None:
        n = min(n, space.size())
    return n


def run_worker(url, study_name, worker=0, out=None):
    """Run trials of the stage study ``study_name`` until it has enough; the loop of every worker process."""
    op = optuna()
    from optuna.trial import TrialState

    storage = open_storage(url)
    study = op.load_study(study_name=study_name, storage=storage)
    a = study.user_attrs
    space = SearchSpace.from_dict(a["space"])
    stage = int(a["stage"])
    target = stage_target(study)
    seed = int(a["seed"]) * 1000 + 100 * stage + worker
    study = op.load_study(study_name=study_name, storage=storage, sampler=_sampler(a["sampler"], space, seed),
                          pruner=_pruner(a["pruner"]))
    out = out or a["out"]
    objective = _objective(study, space, a["base"], int(a["epochs"]), a["metric"], target, out, stage, worker)
    quiet = bool(a.get("quiet"))
    failures = 0
    while True:
        fail_dead_trials(study)
        c = _counts(study)
        if c[TrialState.COMPLETE] + c[TrialState.PRUNED] + c[TrialState.RUNNING] >= target:
            return
        before = len(study.get_trials(deepcopy=False))
        study.optimize(objective, n_trials=1, catch=(Exception,),
                       callbacks=[] if quiet else [_progress(a["metric"], stage, target)])
        mine = [t for t in study.get_trials(deepcopy=False)[before:]
                if t.user_attrs.get("pid") == os.getpid() and not t.user_attrs.get("surplus")]
        if mine and mine[-1].state == TrialState.FAIL:
            failures += 1
            if failures >= MAX_CONSECUTIVE_FAILURES:
                raise RuntimeError(f"tune: {failures} trials in a row failed in worker {worker}; the last: "
                                   f"{mine[-1].user_attrs.get('error', 'unknown error')}")
        elif mine:
            failures = 0


def _fmt_params(params: dict) -> str:
    return " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())


def _duration(t) -> float:
    if t.datetime_start is None or t.datetime_complete is None:
        return float("nan")
    return (t.datetime_complete - t.datetime_start).total_seconds()


def _progress(metric, stage, target):
    from optuna.trial import TrialState

    def cb(study, t):
        if t.user_attrs.get("surplus"):
            return
        c = _counts(study)
        done = c[TrialState.COMPLETE] + c[TrialState.PRUNED]
        if t.state == TrialState.COMPLETE:
            what = f"complete  {metric} {t.value:.4f}"
        elif t.state == TrialState.PRUNED:
            vals = t.intermediate_values
            last = f"  {metric} {vals[max(vals)]:.4f}" if vals else ""
            what = "diverged" if "diverged" in t.user_attrs else \
                f"pruned at epoch {t.user_attrs.get('pruned_at_epoch', '?')}{last}"
        else:
            what = f"failed: {t.user_attrs.get('error', 'error')}"
        print(f"[stage {stage + 1}] trial {t.number} {what}  {_fmt_params(t.params)}  {_duration(t):.1f}s  "
              f"({done}/{target} done)", flush=True)

    return cb


# -- stages -----------------------------------------------------------------------------------------------
def _stage_attrs(s: TuneSettings, k: int, space: SearchSpace) -> dict:
    return {"space": space.to_dict(), "space_params": bool(space.params), "epochs": s.epochs[k],
            "trials": s.trials[k], "sampler": s.sampler, "pruner": s.pruner, "metric": s.metric,
            "base": s.base, "seed": s.seed, "stage": k, "out": os.path.abspath(s.out), "quiet": s.quiet}


_MUST_MATCH = ("epochs", "sampler", "pruner", "metric", "base", "seed", "space")


def prepare_stage(storage, s: TuneSettings, k: int, space: SearchSpace):
    """Create (or, resuming, load and check) stage ``k``'s study with its attributes; returns the study."""
    op = optuna()
    name = stage_name(s.study, k)
    names = {x.study_name for x in op.get_all_study_summaries(storage, include_best_trial=False)}
    want = json.loads(json.dumps(_stage_attrs(s, k, space)))
    if name in names:
        if not s.resume and k == 0:
            raise ValueError(f"tune: study {s.study!r} already exists in {s.storage}; pass --resume to continue "
                             "it (or to join it from another machine), or choose another --study")
        study = op.load_study(study_name=name, storage=storage)
        have = study.user_attrs
        if have:
            for key in _MUST_MATCH:
                if have.get(key) != want[key]:
                    raise ValueError(f"tune --resume: stage {k + 1} of study {s.study!r} was started with other "
                                     f"settings ({key}: {have.get(key)!r} there, {want[key]!r} now); resume with "
                                     "the same flags and space, or choose another --study")
            if have.get("trials") != want["trials"]:
                study.set_user_attr("trials", want["trials"])
            return study
    else:
        study = op.create_study(study_name=name, storage=storage, direction=METRICS[s.metric], load_if_exists=True)
    for key, v in want.items():
        study.set_user_attr(key, v)
    if s.sampler == "grid" and not study.get_trials(deepcopy=False) and space.params:
        # every grid point queued once, in a seeded random order: each worker pops the next one, so two
        # workers never run the same point (Optuna's GridSampler may repeat points under concurrency)
        import itertools
        import random

        grid = space.grid()
        points = list(itertools.product(*grid.values()))
        random.Random(s.seed * 1000 + k).shuffle(points)
        for pt in points[:stage_target(study)]:
            study.enqueue_trial(dict(zip(grid, pt)))
    return study


def _ranked(study):
    from optuna.trial import TrialState

    done = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))]
    return sorted(done, key=lambda t: -t.value if study.direction.name == "MAXIMIZE" else t.value)


def _run_stage(url, storage, s: TuneSettings, study):
    from optuna.trial import TrialState

    target = stage_target(study)
    if s.workers == 1:
        run_worker(url, study.study_name, 0, s.out)
    else:
        _run_workers(url, study, s)
    waited = False
    while True:  # trials still running elsewhere (other machines)
        fail_dead_trials(study)
        optuna().storages.fail_stale_trials(study)
        c = _counts(study)
        if c[TrialState.RUNNING] == 0:
            if c[TrialState.COMPLETE] + c[TrialState.PRUNED] >= target:
                return
            run_worker(url, study.study_name, 0, s.out)  # trials lost on the way: make them up here
            continue
        if not waited and not s.quiet:
            print(f"[stage {study.user_attrs['stage'] + 1}] waiting for {c[TrialState.RUNNING]} trial(s) running "
                  "in other processes", flush=True)
            waited = True
        time.sleep(1.0)


def _run_workers(url, study, s: TuneSettings):
    """Start ``s.workers`` worker processes on the stage; replace a killed one while the stage needs trials."""
    from optuna.trial import TrialState

    def start(i):
        cmd = [sys.executable, "-m", "neuralab.tune.worker", url, study.study_name, str(i), s.out]
        return subprocess.Popen(cmd)

    procs = {i: start(i) for i in range(s.workers)}
    restarts = 0
    errors = []
    while procs:
        time.sleep(0.2)
        for i, p in list(procs.items()):
            rc = p.poll()
            if rc is None:
                continue
            del procs[i]
            if rc == 0:
                continue
            lost = fail_dead_trials(study)
            if rc < 0 and not s.quiet:
                print(f"neuralab tune: worker {i} (pid {p.pid}) was killed; its running trial "
                      f"{', '.join(map(str, lost)) or '(none)'} is marked failed", file=sys.stderr, flush=True)
            c = _counts(study)
            need = c[TrialState.COMPLETE] + c[TrialState.PRUNED] + c[TrialState.RUNNING] < stage_target(study)
            if rc < 0 and need and restarts < 2 * s.workers:
                restarts += 1
                procs[i] = start(i)
            elif rc > 0:
                errors.append(f"worker {i} exited with status {rc}")
    if errors and not _ranked(study):
        raise RuntimeError("tune: " + "; ".join(errors))


# -- results ----------------------------------------------------------------------------------------------
_NOT_WRITTEN = ("resume", "logdir", "checkpoint_dir", "distributed")


def toml_value(v) -> str:
    """A TOML literal for a setting (strings quoted, lists of sizes as "256,256")."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ("inf" if v > 0 else "-inf" if v < 0 else "nan")
    if isinstance(v, (list, tuple)):
        return json.dumps(",".join(str(x) for x in v))
    return json.dumps(str(v))


def write_best_toml(path, cfg: dict, value, metric, trial, stage) -> str:
    """Write the winner as a ``[train]`` TOML file that ``neuralab train --config`` reads; returns the path."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    lines = [f"# best of a neuralab tune study: {metric} {value:.6g} (stage {stage}, trial {trial})",
             f"# train it: neuralab train --config {path}", "[train]"]
    for k, v in cfg.items():
        if v is None or k in _NOT_WRITTEN:
            continue
        lines.append(f"{k} = {toml_value(v)}")
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, path)
    return path


def table(study, metric, top=10) -> str:
    """The stage's completed trials ranked: rank, value, time, params; then the pruned and failed counts."""
    from optuna.trial import TrialState

    rows = _ranked(study)
    out = [f"{'rank':>4}  {'trial':>5}  {metric:>12}  {'time':>7}  params"]
    for r, t in enumerate(rows[:top], start=1):
        out.append(f"{r:>4}  {t.number:>5}  {t.value:>12.4f}  {_duration(t):>6.1f}s  {_fmt_params(t.params)}")
    if len(rows) > top:
        out.append(f"  ... {len(rows) - top} more")
    c = _counts(study)
    surplus = sum(1 for t in study.get_trials(deepcopy=False) if t.user_attrs.get("surplus"))
    out.append(f"{c[TrialState.COMPLETE]} complete, {c[TrialState.PRUNED]} pruned, "
               f"{c[TrialState.FAIL] - surplus} failed")
    return "\n".join(out)


def tune(s: TuneSettings) -> TuneResult:
    """Run every stage of the search ``s``; print a line per trial and a final table; write ``out/best.toml``."""
    url = storage_url(s.storage, s.out)
    s.storage = url
    os.makedirs(s.out, exist_ok=True)
    storage = open_storage(url)
    space = s.space
    studies = []
    for k in range(len(s.trials)):
        if k > 0:
            ranked = _ranked(studies[-1])
            if not ranked:
                raise RuntimeError(f"tune: stage {k} finished no trial (all pruned or failed); nothing to narrow "
                                   "around")
            space = space.narrow([t.params for t in ranked], keep=s.keep)
        study = prepare_stage(storage, s, k, space)
        if not s.quiet:
            print(f"[stage {k + 1}] {stage_target(study)} trials of {s.epochs[k]} epoch(s), {s.sampler} sampler"
                  f", space {json.dumps(space.to_dict())}", flush=True)
        if space.params:
            _run_stage(url, storage, s, study)
        studies.append(study)
        if not space.params:  # narrowed to a point: nothing left to search
            break
    last = studies[-1]
    ranked = _ranked(last)
    if not ranked:
        raise RuntimeError(f"tune: the last stage of study {s.study!r} completed no trial")
    best = ranked[0]
    a = last.user_attrs
    params = dict(SearchSpace.from_dict(a["space"]).fixed) if a["space_params"] else dict(a["space"])
    params.update(best.params)
    from ..cli import resolve_train_config

    cfg = resolve_train_config(_Args(dict(s.base, **params, epochs=int(a["epochs"]))))
    path = write_best_toml(os.path.join(s.out, "best.toml"), cfg, best.value, s.metric, best.number,
                           int(a["stage"]) + 1)
    if not s.quiet:
        print(f"\nstage {int(a['stage']) + 1} of study {s.study!r} ({url}):")
        print(table(last, s.metric))
        print(f"best: trial {best.number}, {s.metric} {best.value:.4f}: {_fmt_params(best.params)}")
        print(f"best config written to {path}; train it with: neuralab train --config {path}")
        print(f"TensorBoard: tensorboard --logdir {s.out}")
    return TuneResult(value=float(best.value), params=params, config=cfg, best_toml=path, studies=studies)
