"""Search spaces: what each hyperparameter may be, in code or in TOML, and the coarse → fine narrowing.

A space maps setting names (those of ``neuralab train``: ``lr``, ``dropout``,
``layers``, ``batch_size``, ...) to a distribution or to a fixed value. In TOML
(a ``[space]`` table, or the whole file)::

    lr = {log_uniform = [1e-4, 1e-1]}               # log-uniform between the bounds
    dropout = {uniform = [0, 0.5]}                  # uniform between the bounds
    batch_size = {int = [16, 128], log = true}      # integers, both bounds included
    layers = {choice = ["256,256", "512,512,512,512"]}
    optimizer = {grid = ["adam", "momentum"]}       # every value once under --sampler grid
    epochs = 3                                      # a plain value is fixed

In code: ``SearchSpace({"lr": LogUniform(1e-4, 1e-1), "layers": Choice(["256,256"])})``
or ``SearchSpace.from_dict`` on the same dict as the TOML.

The notes' advice (random search beats grid search [Bergstra & Bengio 2012],
and search coarse → fine in stages) is :meth:`SearchSpace.narrow`: after a
stage, each parameter's range shrinks around the best trials. **The narrowing
rule.** Take the stage's completed trials, best first, and keep the top
``keep`` fraction of them (at least one; default a quarter). Then

* a numeric parameter (``uniform``, ``log_uniform``, ``int``) gets the range
  spanned by the kept trials' values, widened by a tenth of its old range on
  each side and, if still narrower, to a quarter of its old range centred on
  the best value; the result is clipped to the old range (a range that
  overhangs one end is shifted inside, keeping its width). ``log_uniform``
  and ``int`` with ``log = true`` do this with logarithms; ``int`` rounds
  outwards. A range that shrinks to a point becomes a fixed value.
* ``choice`` and ``grid`` keep the values the kept trials used, in their old
  order (so a grid stays a grid, of the winning values).

So a stage never searches outside the previous one, keeps the best value
inside, and gets at least four times finer per stage on parameters whose best
trials agree.
"""
from __future__ import annotations

import math
import numbers

#: the kinds of distribution a TOML table may name
KINDS = ("log_uniform", "uniform", "int", "choice", "grid")


class Param:
    """One hyperparameter's distribution; subclasses say how Optuna samples it and how it narrows."""

    kind = ""

    def suggest(self, trial, name):  # pragma: no cover - abstract
        raise NotImplementedError

    def to_dict(self) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def __eq__(self, other):
        return type(self) is type(other) and self.to_dict() == other.to_dict()

    def __repr__(self):
        body = self.to_dict()[self.kind]
        extra = ", log=True" if self.to_dict().get("log") else ""
        return f"{type(self).__name__}({body!r}{extra})"


class _Range(Param):
    """A range ``[low, high]`` of floats or ints, on a linear or a log scale."""

    log = False

    def __init__(self, low, high, name="parameter"):
        for what, v in (("low", low), ("high", high)):
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
                raise ValueError(f"{name}: {self.kind} bounds must be finite numbers, got {what} = {v!r}")
        if not low < high:
            raise ValueError(f"{name}: {self.kind} needs low < high, got [{low}, {high}]")
        if self.log and low <= 0:
            raise ValueError(f"{name}: {self.kind} on a log scale needs bounds > 0, got [{low}, {high}]")
        self.low, self.high = low, high

    def _fwd(self, v):
        return math.log(v) if self.log else float(v)

    def _inv(self, u):
        return math.exp(u) if self.log else u

    def narrowed(self, best, kept, name):
        """The range after a stage (see the module's narrowing rule); a fixed value when it collapses."""
        lo, hi = self._fwd(self.low), self._fwd(self.high)
        width = hi - lo
        us = [self._fwd(v) for v in kept]
        b = self._fwd(best)
        a, z = min(us) - 0.1 * width, max(us) + 0.1 * width
        if z - a < 0.25 * width:
            a, z = b - 0.125 * width, b + 0.125 * width
        if a < lo:
            a, z = lo, min(hi, z + (lo - a))
        if z > hi:
            a, z = max(lo, a - (z - hi)), hi
        return self._rebuild(self._inv(a), self._inv(z), name)


class LogUniform(_Range):
    """Floats with ``log x`` uniform in ``[log low, log high]`` (learning rates, regularization strengths)."""

    kind = "log_uniform"
    log = True

    def suggest(self, trial, name):
        return trial.suggest_float(name, self.low, self.high, log=True)

    def to_dict(self):
        return {self.kind: [self.low, self.high]}

    def _rebuild(self, a, z, name):
        a, z = max(a, self.low), min(z, self.high)
        return LogUniform(a, z, name) if a < z else a


class Uniform(_Range):
    """Floats uniform in ``[low, high]`` (dropout rates)."""

    kind = "uniform"

    def __init__(self, low, high, name="parameter"):
        super().__init__(float(low), float(high), name)

    def suggest(self, trial, name):
        return trial.suggest_float(name, self.low, self.high)

    def to_dict(self):
        return {self.kind: [self.low, self.high]}

    def _rebuild(self, a, z, name):
        return Uniform(a, z, name) if a < z else a


class Int(_Range):
    """Integers in ``[low, high]``, both included; ``log=True`` samples ``log n`` uniformly (batch sizes)."""

    kind = "int"

    def __init__(self, low, high, log=False, name="parameter"):
        for what, v in (("low", low), ("high", high)):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise ValueError(f"{name}: int bounds must be integers, got {what} = {v!r}")
        self.log = bool(log)
        super().__init__(int(low), int(high), name)

    def suggest(self, trial, name):
        return trial.suggest_int(name, self.low, self.high, log=self.log)

    def to_dict(self):
        d = {self.kind: [self.low, self.high]}
        if self.log:
            d["log"] = True
        return d

    def _rebuild(self, a, z, name):
        a, z = max(self.low, math.floor(a + 1e-9)), min(self.high, math.ceil(z - 1e-9))
        return Int(a, z, self.log, name) if a < z else a


class Choice(Param):
    """One of a list of values (layer sizes as ``"256,256"``, optimizer names, booleans, numbers)."""

    kind = "choice"

    def __init__(self, values, name="parameter"):
        values = list(values) if isinstance(values, (list, tuple)) else values
        if not isinstance(values, list) or not values:
            raise ValueError(f"{name}: {self.kind} needs a non-empty list of values, got {values!r}")
        for v in values:
            if not isinstance(v, (str, bool, int, float)) or v is None:
                raise ValueError(f"{name}: {self.kind} values must be strings, numbers or booleans, got {v!r}")
        if len(set(map(repr, values))) != len(values):
            raise ValueError(f"{name}: {self.kind} lists a value twice: {values!r}")
        self.values = values

    def suggest(self, trial, name):
        return trial.suggest_categorical(name, self.values)

    def to_dict(self):
        return {self.kind: list(self.values)}

    def narrowed(self, best, kept, name):
        used = {repr(v) for v in kept}
        vals = [v for v in self.values if repr(v) in used]
        return type(self)(vals, name) if len(vals) > 1 else best


class Grid(Choice):
    """Like :class:`Choice`; under ``--sampler grid`` every combination of the grids is tried once."""

    kind = "grid"


_CLASSES = {"log_uniform": LogUniform, "uniform": Uniform, "int": Int, "choice": Choice, "grid": Grid}


def parse_param(name, spec):
    """A :class:`Param` from its TOML form (``{log_uniform = [a, b]}``, ...); anything else is a fixed value."""
    if not isinstance(spec, dict):
        if isinstance(spec, list):
            raise ValueError(f"{name}: a list is ambiguous; write {{choice = [...]}} or {{grid = [...]}}")
        return spec
    kinds = [k for k in spec if k in KINDS]
    extra = [k for k in spec if k not in KINDS and k != "log"]
    if len(kinds) != 1 or extra:
        raise ValueError(f"{name}: expected exactly one of {', '.join(KINDS)} (and `log = true` for int), got "
                         f"{sorted(spec)}")
    kind = kinds[0]
    body = spec[kind]
    if "log" in spec and kind != "int":
        raise ValueError(f"{name}: `log` applies to int only (use log_uniform for floats)")
    if kind in ("log_uniform", "uniform", "int"):
        if not isinstance(body, list) or len(body) != 2:
            raise ValueError(f"{name}: {kind} takes [low, high], got {body!r}")
        if kind == "int":
            return Int(body[0], body[1], log=bool(spec.get("log", False)), name=name)
        return _CLASSES[kind](body[0], body[1], name=name)
    return _CLASSES[kind](body, name=name)


class SearchSpace:
    """Named :class:`Param` distributions plus fixed values; ``allowed`` limits the names (None: any)."""

    def __init__(self, params: dict, allowed=None):
        if not isinstance(params, dict) or not params:
            raise ValueError("search space: expected a non-empty table of settings")
        self.params, self.fixed = {}, {}
        for name, spec in params.items():
            key = str(name).replace("-", "_")
            if allowed is not None and key not in allowed:
                raise ValueError(f"search space: unknown setting {name!r}; tunable: {', '.join(sorted(allowed))}")
            p = spec if isinstance(spec, Param) else parse_param(key, spec)
            (self.params if isinstance(p, Param) else self.fixed)[key] = p
        if not self.params:
            raise ValueError("search space: every setting is fixed; give at least one a distribution, e.g. "
                             "lr = {log_uniform = [1e-4, 1e-1]}")

    @classmethod
    def from_dict(cls, data: dict, allowed=None) -> SearchSpace:
        """From the TOML form (a ``space`` table inside is used when present)."""
        if isinstance(data, dict) and isinstance(data.get("space"), dict):
            data = data["space"]
        return cls(data, allowed)

    @classmethod
    def load(cls, path, allowed=None) -> SearchSpace:
        """Read a TOML file (see the module docstring); errors name the file."""
        import os

        try:
            import tomllib
        except ImportError:  # Python 3.10
            import tomli as tomllib
        if not os.path.isfile(path):
            raise FileNotFoundError(f"--space: file {path} not found")
        try:
            with open(path, "rb") as f:
                data = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise ValueError(f"--space: cannot parse {path}: {e}") from None
        try:
            return cls.from_dict(data, allowed)
        except ValueError as e:
            raise ValueError(f"--space {path}: {e}") from None

    def to_dict(self) -> dict:
        """The TOML form (JSON-compatible: stored with a study so every worker reads the same stage)."""
        d = {k: p.to_dict() for k, p in self.params.items()}
        d.update(self.fixed)
        return d

    def suggest(self, trial) -> dict:
        """One configuration: each parameter sampled by ``trial`` (an Optuna trial), plus the fixed values."""
        out = dict(self.fixed)
        for k, p in self.params.items():
            out[k] = p.suggest(trial, k)
        return out

    def grid(self) -> dict:
        """``{name: values}`` for Optuna's GridSampler; ValueError unless every parameter is a grid or choice."""
        bad = [k for k, p in self.params.items() if not isinstance(p, Choice)]
        if bad:
            raise ValueError(f"--sampler grid needs every parameter to be a grid or a choice; {', '.join(bad)} "
                             f"{'is' if len(bad) == 1 else 'are'} {self.params[bad[0]].kind}")
        return {k: list(p.values) for k, p in self.params.items()}

    def size(self):
        """The number of grid points (None when a parameter is continuous)."""
        n = 1
        for p in self.params.values():
            if not isinstance(p, Choice):
                return None
            n *= len(p.values)
        return n

    def narrow(self, ranked: list, keep: float = 0.25) -> SearchSpace:
        """The next stage's space from ``ranked`` (the completed trials' params, best first); see the module doc."""
        if not ranked:
            raise ValueError("narrow: no completed trial to narrow around")
        if not 0 < keep <= 1:
            raise ValueError(f"narrow: keep must be in (0, 1], got {keep!r}")
        top = ranked[:max(1, math.ceil(keep * len(ranked)))]
        new = dict(self.fixed)
        for k, p in self.params.items():
            vals = [t[k] for t in top if k in t]
            new[k] = p.narrowed(top[0][k], vals, k) if vals else p
        params = {k: v for k, v in new.items() if isinstance(v, Param)}
        space = object.__new__(SearchSpace)
        space.params = params
        space.fixed = {k: v for k, v in new.items() if not isinstance(v, Param)}
        return space

    def __eq__(self, other):
        return isinstance(other, SearchSpace) and self.to_dict() == other.to_dict()

    def __repr__(self):
        return f"SearchSpace({self.to_dict()!r})"


def hparam_string(params: dict) -> str:
    """A folder name from hyperparameters: ``lr=0.0012,dropout=0.12,layers=256x256`` (sorted by nothing: as given).

    >>> hparam_string({"lr": 0.001234, "layers": "256,256", "batch_norm": True})
    'lr=0.00123,layers=256x256,batch_norm=True'
    """
    parts = []
    for k, v in params.items():
        if isinstance(v, float):
            s = f"{v:.3g}"
        else:
            s = str(v).replace(",", "x")
        s = "".join(c if c.isalnum() or c in ".-+_x" else "_" for c in s)
        parts.append(f"{k}={s}")
    return ",".join(parts)
