"""OpInfo-style records: one per registered op, driving one generic test module.

A record says how to call the op, what NumPy computes for it, which input
shapes to try (including ``()`` scalars and broadcasting pairs), how to sample
values away from kinks, and which bad inputs must raise. Records live in
``neuralab/testing/records_*.py`` modules (one per ops module); the meta-test
fails when a registered op has none.
"""
from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from typing import Any
from collections.abc import Callable

import numpy as np

RECORDS: dict[str, OpRecord] = {}


def _default_sampler(rng, shape, dtype):
    return rng.uniform(-2.0, 2.0, size=shape).astype(dtype)


@dataclasses.dataclass
class OpRecord:
    """How to test one op.

    name: the op's registry name (``Op.opname``).
    fn: ``fn(*tensors) -> Tensor | tuple`` calling the public function with fixed attributes.
    ref: NumPy reference ``ref(*arrays) -> array | tuple`` (None: compare with nothing but itself).
    shapes: list of input-shape tuples, one entry per sample (e.g. ``[((3, 4), (4,)), ((), ())]``).
    sampler: ``sampler(rng, shape, dtype) -> array`` for floating inputs (sample away from kinks).
    make_inputs: optional ``make_inputs(rng, dtype) -> list of input lists`` overriding shapes/sampler
        (for integer indices, masks, ...).
    differentiable: run gradcheck (float64) when True.
    double_backward: also run gradgradcheck.
    dtypes: dtypes to compare against the reference.
    error_inputs: list of ``(inputs, exception type, message substring)`` that must raise.
    graph: compare eager with graph mode and compiled replay.
    grad_tol: overrides for gradcheck (atol/rtol/eps).
    """

    name: str
    fn: Callable
    ref: Callable | None = None
    shapes: list = dataclasses.field(default_factory=list)
    sampler: Callable = _default_sampler
    make_inputs: Callable | None = None
    differentiable: bool = True
    double_backward: bool = True
    dtypes: tuple = (np.float32, np.float64)
    error_inputs: list = dataclasses.field(default_factory=list)
    graph: bool = True
    grad_tol: dict = dataclasses.field(default_factory=dict)
    notes: Any = None

    def samples(self, dtype, seed: int = 0):
        """Concrete input lists (NumPy arrays) for ``dtype``."""
        rng = np.random.default_rng(seed)
        if self.make_inputs is not None:
            return self.make_inputs(rng, np.dtype(dtype))
        out = []
        for shapes in self.shapes:
            out.append([self.sampler(rng, s, np.dtype(dtype)) for s in shapes])
        return out


def register(record: OpRecord) -> OpRecord:
    """Add ``record`` to :data:`RECORDS` (one per op name)."""
    if record.name in RECORDS:
        raise ValueError(f"opinfo: a record for {record.name!r} exists already")
    RECORDS[record.name] = record
    return record


def all_records() -> dict[str, OpRecord]:
    """Import every ``neuralab.testing.records_*`` module and return the records."""
    from .. import testing

    for m in pkgutil.iter_modules(testing.__path__):
        if m.name.startswith("records_"):
            importlib.import_module(f"neuralab.testing.{m.name}")
    return RECORDS
