"""The machinery every experiment shares: the registry, the run context, the results dict and its checks.

An experiment is a function ``fn(ctx)`` registered with :func:`experiment`. It reads
``ctx.quick`` (the reduced version CI runs) and ``ctx.seeds``, computes, and records
into ``ctx.result``:

* :meth:`Result.check`: one number the notes print, beside neuralab's (the mean
  ± std over the seeds when it is stochastic), a tolerance and the verdict;
* :meth:`Result.finding`: a qualitative claim of the notes and whether the run
  shows it (what the quick versions assert in CI);
* :meth:`Result.table`, :meth:`Result.figure` (through :meth:`Context.figure`),
  :meth:`Result.note`, and raw numbers in ``result.data``.

:func:`run_experiment` times it, catches a :class:`Skip` (missing data or
hardware: recorded with its reason) or an error (recorded with its traceback),
and writes ``<out>/<name>/results.json`` next to the experiment's PNGs.
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import platform
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["REGISTRY", "Context", "Experiment", "Result", "Skip", "experiment", "run_experiment", "verdict"]

PASS, FAIL, NOT_JUDGED = "✓", "✗", "–"
KINDS = ("abs", "rel", "ge", "le", "within", "equal", "converges")


class Skip(Exception):
    """Raised by an experiment that cannot run here (no data set, no GPU); the message says why."""


@dataclass
class Experiment:
    """A registered experiment: ``fn(ctx)`` and how to show it."""

    name: str
    title: str
    fn: object
    source: str  # what the notes say and where (lecture, table), in words
    seeds: tuple = (1, 1)  # default number of seeds (quick, full)
    stochastic: bool = True
    order: int = 0


REGISTRY: dict[str, Experiment] = {}


def experiment(name, title, source, seeds=(1, 1), stochastic=True):
    """Register ``fn(ctx)`` as experiment ``name`` (``neuralab lab run name``)."""

    def deco(fn):
        if name in REGISTRY and REGISTRY[name].fn is not fn:
            raise ValueError(f"lab: experiment {name!r} is registered twice")
        REGISTRY[name] = Experiment(name, title, fn, source, tuple(seeds), stochastic, len(REGISTRY))
        return fn

    return deco


def _num(v):
    """JSON-safe scalar: floats stay floats (NaN/inf as strings), NumPy scalars become Python ones."""
    if isinstance(v, (np.floating, float)):
        v = float(v)
        return v if math.isfinite(v) else str(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    return _num(obj)


def verdict(kind, notes, mean, tol=None):
    """Whether ``mean`` agrees with the notes' value under ``kind`` and ``tol`` (True/False).

    * ``abs``: ``|mean - notes| <= tol``; ``rel``: ``|mean - notes| <= tol·|notes|``
      (``tol`` may be ``(rel, abs)``: either suffices);
    * ``ge``/``le``: ``mean >= notes - tol`` / ``mean <= notes + tol``;
    * ``within``: ``tol = (low, high)``, ``low <= mean <= high`` (an interval the notes' claim allows);
    * ``equal``: equal values (strings, exact numbers);
    * ``converges``: the notes' cell and ours are both numbers (training
      converged) or both ``"n/c"``.
    """
    if kind == "equal":
        return notes == mean
    if kind == "converges":
        return (notes == "n/c") == (mean == "n/c")
    if isinstance(mean, str) or mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return False
    if kind == "within":
        lo, hi = tol
        return lo <= mean <= hi
    t = 0.0 if tol is None else tol
    if kind == "abs":
        return abs(mean - notes) <= t
    if kind == "rel":
        r, a = (t, 0.0) if not isinstance(t, (tuple, list)) else t
        return abs(mean - notes) <= max(r * abs(notes), a)
    if kind == "ge":
        return mean >= notes - t
    if kind == "le":
        return mean <= notes + t
    raise ValueError(f"lab: unknown check kind {kind!r}; choose one of {KINDS}")


def _tol_text(kind, notes, tol):
    if tol is None and kind not in ("equal", "converges"):
        tol = 0.0
    if kind == "equal":
        return "equal"
    if kind == "converges":
        return "converges ⇔ notes converge"
    if kind == "within":
        return f"in [{tol[0]:g}, {tol[1]:g}]"
    if kind == "rel":
        if isinstance(tol, (tuple, list)):
            return f"±{tol[0]:.0%} or ±{tol[1]:g}"
        return f"±{tol:.0%}"
    if kind == "ge":
        return f"≥ notes − {tol:g}" if tol else "≥ notes"
    if kind == "le":
        return f"≤ notes + {tol:g}" if tol else "≤ notes"
    return f"±{tol:g}"


class Result:
    """What one run of an experiment found; :meth:`to_dict` is ``results.json``."""

    def __init__(self, name, title, source):
        self.name, self.title, self.source = name, title, source
        self.checks, self.findings, self.tables, self.figures, self.notes = [], [], [], [], []
        self.data = {}

    def check(self, what, notes, values, tol=None, kind="abs", unit="", judged=True, fmt=None, why=""):
        """Put the notes' number ``notes`` beside ours (``values``: one value or one per seed).

        ``kind``/``tol`` as in :func:`verdict`. ``judged=False`` shows the pair
        without a verdict (a quick run on other data than the notes'); ``why``
        says what the comparison means when that is not obvious.
        """
        if kind not in KINDS:
            raise ValueError(f"lab: unknown check kind {kind!r}; choose one of {KINDS}")
        vals = list(values) if isinstance(values, (list, tuple, np.ndarray)) else [values]
        numeric = all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in vals)
        if numeric and vals:
            arr = np.asarray(vals, dtype=np.float64)
            mean = float(arr.mean())
            std = float(arr.std(ddof=1)) if len(arr) > 1 else 0.0
        else:
            mean, std = (vals[0] if len(set(map(str, vals))) == 1 else vals), None
            if kind == "converges" and len(vals) > 1:  # n/c when any seed did not converge
                nums = [v for v in vals if v != "n/c"]
                mean = "n/c" if len(nums) < len(vals) else float(np.mean(nums))
                std = None if mean == "n/c" else float(np.std(nums, ddof=1))
        ok = verdict(kind, notes, mean, tol) if judged else None
        self.checks.append({"what": what, "notes": notes, "values": vals, "mean": mean, "std": std, "n": len(vals),
                            "kind": kind, "tol": tol, "tolerance": _tol_text(kind, notes, tol), "unit": unit,
                            "judged": bool(judged), "ok": ok, "verdict": NOT_JUDGED if ok is None else
                            (PASS if ok else FAIL), "fmt": fmt, "why": why})
        return ok

    def finding(self, claim, ok, detail=""):
        """A qualitative statement of the notes (``claim``) and whether this run shows it."""
        self.findings.append({"claim": claim, "ok": bool(ok), "verdict": PASS if ok else FAIL, "detail": detail})
        return bool(ok)

    def table(self, title, columns, rows, note=""):
        """A table of ``rows`` (lists of cells) under ``columns``."""
        self.tables.append({"title": title, "columns": list(columns), "rows": [list(r) for r in rows], "note": note})

    def figure(self, file, caption):
        """Record a PNG written next to results.json."""
        self.figures.append({"file": file, "caption": caption})

    def note(self, text):
        """A remark on how this run differs from the notes, or how to read it."""
        self.notes.append(text)

    def to_dict(self) -> dict:
        return _jsonable({"name": self.name, "title": self.title, "source": self.source, "checks": self.checks,
                          "findings": self.findings, "tables": self.tables, "figures": self.figures,
                          "notes": self.notes, "data": self.data})


def write_palette_png(path, png_bytes):
    """Write the PNG ``png_bytes`` to ``path`` as a 256-colour palette PNG (atomically).

    Line plots use few colours, so the palette keeps them visually the same at about a third of the size
    (the report embeds every figure, and the committed report stays well under a megabyte).
    """
    from PIL import Image  # matplotlib's own dependency

    im = Image.open(io.BytesIO(png_bytes)).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    im.save(out, format="PNG", optimize=True)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(out.getvalue())
    os.replace(tmp, path)


def plotting():
    """matplotlib's ``Figure`` class (the ``[lab]`` extra); figures render with the Agg canvas, no pyplot state."""
    try:
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError("neuralab lab: the plots need matplotlib: `pip install \"neuralab[lab]\"` (from a "
                          "checkout: `pip install -e \".[lab]\"`)") from e
    return Figure


class Context:
    """What an experiment sees: ``quick``, ``seeds``, ``out`` (its folder), ``result``, data and figures."""

    def __init__(self, exp: Experiment, quick: bool, seeds, out: Path, data_root=None, log=None):
        self.exp, self.quick, self.seeds = exp, bool(quick), list(seeds)
        self.out = Path(out)
        self.data_root = data_root
        self.result = Result(exp.name, exp.title, exp.source)
        self._log = log or (lambda msg: None)

    def log(self, msg):
        """A progress line (printed by ``neuralab lab run``)."""
        self._log(f"[{self.exp.name}] {msg}")

    @contextlib.contextmanager
    def figure(self, name, caption, nrows=1, ncols=1, figsize=(6.4, 3.6), adjust=None, **kw):
        """``with ctx.figure("curves", "caption") as (fig, axes):`` draws and saves ``<out>/curves.png``.

        ``adjust``: ``subplots_adjust`` arguments instead of the (slower) tight layout, for many panels.
        """
        Figure = plotting()
        fig = Figure(figsize=figsize, dpi=80)
        axes = fig.subplots(nrows, ncols, squeeze=True, **kw)
        yield fig, axes
        if adjust:
            fig.subplots_adjust(**adjust)
        else:
            fig.tight_layout()
        self.out.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=80, metadata={"Software": None})
        write_palette_png(self.out / f"{name}.png", buf.getvalue())
        self.result.figure(f"{name}.png", caption)

    def mnist(self):
        """The real MNIST (``$NEURALAB_DATA/mnist`` or ``data_root``); :class:`Skip` with the reason when absent."""
        from ..data import DataNotFoundError, mnist

        try:
            return mnist(root=self.data_root, download=False)
        except DataNotFoundError as e:
            raise Skip(f"the full run needs the real MNIST ({' '.join(str(e).split())})") from None

    def classification_data(self):
        """(dataset, description): the bundled digits in a quick run, the real MNIST in a full one."""
        if self.quick:
            from ..data import digits

            return digits(), "bundled 8x8 digits (1,437 train / 360 test)"
        return self.mnist(), "real MNIST (60,000 train / 10,000 test)"


def _machine() -> dict:
    info = {"platform": platform.platform(), "python": platform.python_version(), "numpy": np.__version__,
            "cpus": os.cpu_count()}
    with contextlib.suppress(OSError, AttributeError):
        info["load_start"] = round(os.getloadavg()[0], 2)
    return info


def run_experiment(name, quick=False, seeds=None, out="lab/results", data_root=None, log=print,
                   threads="auto") -> dict:
    """Run experiment ``name`` and write ``<out>/<name>/results.json``; returns the results dict.

    ``seeds``: how many seeds (0, 1, ..., K-1) a stochastic experiment runs
    (default: its own, for quick or full). ``threads``: BLAS/kernel threads
    during the run (:func:`neuralab.backend.threads.num_threads`); "auto" is 1
    for a quick run (its matrices are small, and a second thread only waits)
    and the libraries' default for a full one; None leaves them alone. The
    dict has ``status`` "ok", "skipped" (with ``reason``) or "error" (with ``traceback``).
    """
    from ..backend.threads import get_num_threads, num_threads

    from . import registry

    exp = registry.get(name)
    k = exp.seeds[0 if quick else 1] if seeds is None else int(seeds)
    if k < 1:
        raise ValueError(f"lab: --seeds must be at least 1, got {k}")
    seed_list = list(range(k)) if exp.stochastic else [0]
    folder = Path(out) / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):  # figures of an earlier run would otherwise linger
        old.unlink()
    ctx = Context(exp, quick, seed_list, folder, data_root, log)
    info = _machine()
    n_threads = (1 if quick else None) if threads == "auto" else threads
    if n_threads is not None:
        # threadpoolctl limits the BLAS libraries loaded when the limit is set; SciPy's own OpenBLAS (L-BFGS)
        # loads on first use, so load it first or it keeps one thread per core (8x slower on a busy machine)
        with contextlib.suppress(ImportError):
            import scipy.optimize  # noqa: F401
    t0 = time.perf_counter()
    status, reason, tb = "ok", None, None
    try:
        with num_threads(n_threads):
            info["threads"] = get_num_threads()
            exp.fn(ctx)
    except Skip as e:
        status, reason = "skipped", str(e)
    except Exception as e:  # noqa: BLE001 - recorded, the other experiments still run
        status, reason, tb = "error", f"{type(e).__name__}: {e}", traceback.format_exc()
    wall = time.perf_counter() - t0
    with contextlib.suppress(OSError, AttributeError):
        info["load_end"] = round(os.getloadavg()[0], 2)
    d = ctx.result.to_dict()
    quick_flag = " --quick" if quick else ""
    seeds_flag = f" --seeds {k}" if exp.stochastic else ""
    d.update(status=status, reason=reason, traceback=tb, quick=bool(quick), seeds=seed_list, wall_s=round(wall, 2),
             machine=info, order=exp.order, command=f"neuralab lab run {name}{quick_flag}{seeds_flag}",
             finished=time.strftime("%Y-%m-%d %H:%M:%S"))
    (folder / "results.json").write_text(json.dumps(d, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return d

