"""Shared pytest fixtures. Keep this file generic: fixtures every test module may use."""
import numpy as np
import pytest

import neuralab as nl


@pytest.fixture(autouse=True)
def _isolated_state():
    """Each test starts with a fresh default graph and gets the default float dtype back afterwards."""
    prev = nl.default_float()
    nl.reset_default_graph()
    yield
    nl.set_default_dtype(prev)
    nl.reset_default_graph()


@pytest.fixture
def rng():
    """A seeded NumPy generator (same numbers in every run)."""
    return np.random.default_rng(0)
