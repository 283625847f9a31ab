"""Hyperparameter search on Optuna (the ``[tune]`` extra), coarse to fine, as the notes teach it.

* :mod:`neuralab.tune.space`: search spaces in code or TOML (``log_uniform``,
  ``uniform``, ``int``, ``choice``, ``grid``) and the documented narrowing rule
  between stages;
* :mod:`neuralab.tune.search`: the stages as Optuna studies sharing one storage
  (SQLite by default, a journal file, or any database URL for several
  machines), samplers (TPE, random, grid), median pruning on every epoch's
  validation metric, one TensorBoard folder per trial named by its hyperparameter
  string, worker processes, and the winner written as a ``[train]`` TOML;
* ``neuralab tune`` (:mod:`neuralab.tune.cli`): the command line, taking every
  ``neuralab train`` flag as the fixed part of each trial.

Optuna is imported only when a search runs.
"""
from .search import TuneResult, TuneSettings, fail_dead_trials, storage_url, train_config, tune, write_best_toml
from .space import Choice, Grid, Int, LogUniform, Param, SearchSpace, Uniform, hparam_string

__all__ = ["Choice", "Grid", "Int", "LogUniform", "Param", "SearchSpace", "TuneResult", "TuneSettings", "Uniform",
           "fail_dead_trials", "hparam_string", "storage_url", "train_config", "tune", "write_best_toml"]
