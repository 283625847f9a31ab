"""The list of experiments, in the order of the lectures; their modules are imported on first use."""
from __future__ import annotations

import importlib

from .core import REGISTRY, Experiment

#: experiment modules under neuralab.lab.experiments, in report order
MODULES = ("relu_exercise", "xor", "activation_stats", "vanishing_gradients", "init_activation", "rbm_pretraining",
           "mnist_table", "tf1_mnist", "dropout", "ensemble", "optimizers", "iris_backprop", "hparam_search",
           "batch_norm", "cpu_vs_gpu", "rnn")


def load() -> dict[str, Experiment]:
    """Import every experiment module (each registers itself) and return the registry."""
    for m in MODULES:
        importlib.import_module(f"neuralab.lab.experiments.{m}")
    return REGISTRY


def names() -> list[str]:
    """The experiment names in report order."""
    return [e.name for e in sorted(load().values(), key=lambda e: e.order)]


def get(name) -> Experiment:
    """The experiment called ``name``; a ValueError listing the names when there is none."""
    reg = load()
    if name not in reg:
        raise ValueError(f"lab: unknown experiment {name!r}; choose one of: {', '.join(names())} (or 'all')")
    return reg[name]
