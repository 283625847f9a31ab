"""Tolerances keyed by dtype (one table, used by every comparison in the tests)."""
from __future__ import annotations

import numpy as np

TOLERANCES = {
    np.dtype(np.float16): dict(rtol=1e-2, atol=1e-2),
    np.dtype(np.float32): dict(rtol=1e-5, atol=1e-6),
    np.dtype(np.float64): dict(rtol=1e-12, atol=1e-12),
}


def tolerance(dtype) -> dict:
    """``dict(rtol=..., atol=...)`` for comparing two results of ``dtype``."""
    d = np.dtype(dtype)
    return TOLERANCES.get(d, dict(rtol=0, atol=0))
