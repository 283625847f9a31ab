"""Seedable random generators. Every random draw in neuralab goes through here."""
from __future__ import annotations

import numpy as np

_global = {"rng": np.random.default_rng(0), "seed": 0}


def seed(value: int) -> None:
    """Seed neuralab's global generator (initializers, dropout, shuffling).

    One seed makes a run repeat bit for bit on the same machine.
    """
    _global["rng"] = np.random.default_rng(int(value))
    _global["seed"] = int(value)


def get_rng(rng=None) -> np.random.Generator:
    """Return ``rng`` if given (a Generator or an int seed), else the global generator."""
    if rng is None:
        return _global["rng"]
    if isinstance(rng, (int, np.integer)):
        return np.random.default_rng(int(rng))
    return rng


def get_state() -> dict:
    """The global generator's state (for checkpoints that resume bit for bit)."""
    return _global["rng"].bit_generator.state


def set_state(state: dict) -> None:
    """Restore the global generator's state saved by :func:`get_state`."""
    _global["rng"].bit_generator.state = state
