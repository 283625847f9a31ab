"""Core benchmark: per-op overhead and one memory-bound graph, side by side.

Columns: bare NumPy | neuralab eager | neuralab compiled (whole call, and per
kernel once the fixed call overhead is taken off) | PyTorch eager (optional).

Rows (float32 throughout):

  a    add 4x5, no gradient tracking
  b    add 4x5, inputs require grad (eager records the tape)
  c1   matmul (4,5) @ (5,5), no gradient tracking
  c2   matmul (4,5) @ (5,5), inputs require grad
  e    a chain of 16 adds on 4x5 (whole call; ops = 16 for the per-op figures)
  f    c = sum(x*y + z) at 4x5, forward + backward, grads for x, y, z
  g    c = sum(x @ w) at (4,5)@(5,5), forward + backward, grads for x, w
  d    c = sum(x*y + z) at (3000, 4000), forward + backward, grads for x, y, z

Run from the repository root:

    python benchmarks/bench_core.py              # full run, writes benchmarks/results/core.txt
    python benchmarks/bench_core.py --quick      # fewer repeats, writes results/core_quick.txt
    python benchmarks/bench_core.py --threads 1  # same thread count for NumPy/BLAS and torch
    python benchmarks/bench_core.py --no-torch   # leave the torch column out
    python benchmarks/bench_core.py --profile    # also cProfile the tiny-op paths (results/profile.txt)

Threads: NumPy's BLAS reads OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS
once, when NumPy is imported, so ``--threads N`` sets those variables before this
script imports NumPy, and calls ``torch.set_num_threads(N)``. NumPy's elementwise
ufuncs are single-threaded whatever the setting. Without ``--threads`` both
libraries keep their defaults, which the output records.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import timeit

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_HERE = os.path.dirname(os.path.abspath(__file__))
_CHAIN = 16  # adds in row e
_BIG = (3000, 4000)


def _parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer, shorter repeats (a rough table in seconds)")
    p.add_argument("--threads", type=int, default=None,
                   help="thread count for NumPy's BLAS (via OMP/OPENBLAS/MKL env vars, set before "
                        "NumPy is imported) and for torch (torch.set_num_threads)")
    p.add_argument("--no-torch", action="store_true", help="skip the PyTorch column even if torch is installed")
    p.add_argument("--no-big", action="store_true", help="skip the (3000, 4000) row")
    p.add_argument("--profile", action="store_true", help="also cProfile neuralab's tiny-op paths")
    p.add_argument("--out", default=None,
                   help="where to write the table (default benchmarks/results/core.txt, "
                        "core_quick.txt with --quick)")
    return p.parse_args(argv)


# ---------------------------------------------------------------------------------------
# timing
# ---------------------------------------------------------------------------------------
class Timer:
    """Best of k medians: ``rounds`` rounds, each the median of ``repeat`` timeit repeats.

    ``time_many`` interleaves all statements round by round.

    Every repeat runs the statement ``number`` times (autoranged to about a millisecond, so
    that a repeat usually fits in one scheduler slice). A round's median shrugs off single
    slow repeats; taking the best round shrugs off a whole round spent sharing the CPU with
    another process (this is a 2-core machine). The best single repeat is kept too.
    Times are microseconds per call; the garbage collector is off while timing (timeit's default).
    """

    def __init__(self, quick: bool):
        self.rounds = 8 if quick else 60
        self.repeat = 7
        self.target = 0.001  # seconds per repeat
        self.big_rounds = 2 if quick else 6
        self.big_repeat = 3

    def _number(self, t):
        number = 1
        while True:  # autorange to ~target seconds per repeat
            dt = t.timeit(number)
            if dt >= self.target / 4:
                return max(1, int(number * self.target / dt))
            number *= 4

    def time_many(self, stmts: dict, ns: dict, big: bool = False):
        """{name: (best of the round medians, best single repeat)} in microseconds per call.

        The statements are interleaved round by round, so every column sees the same machine.
        """
        timers = {k: timeit.Timer(s, globals=ns) for k, s in stmts.items() if s is not None}
        if big:
            for t in timers.values():
                t.timeit(1)  # warm-up (page faults of the first allocations)
            numbers = {k: 1 for k in timers}
            rounds, repeat = self.big_rounds, self.big_repeat
        else:
            numbers = {k: self._number(t) for k, t in timers.items()}
            rounds, repeat = self.rounds, self.repeat
        medians = {k: [] for k in timers}
        best = {k: float("inf") for k in timers}
        for _ in range(rounds):
            for k, t in timers.items():
                per = [r / numbers[k] * 1e6 for r in t.repeat(repeat=repeat, number=numbers[k])]
                medians[k].append(statistics.median(per))
                best[k] = min(best[k], min(per))
        out = {k: (min(medians[k]), best[k]) for k in timers}
        out.update({k: (None, None) for k, s in stmts.items() if s is None})
        return out


# ---------------------------------------------------------------------------------------
# the workloads
# ---------------------------------------------------------------------------------------
def _numpy_fwd_bwd(np):
    """Hand-written NumPy forward + backward of c = sum(x*y + z), tight but fair.

    Forward: one fresh product buffer, the add done in place into it, one sum.
    Backward with upstream gradient dc = 1: dx = dc*y, dy = dc*x, dz = dc*1,
    returned as fresh, writable arrays (what a framework hands back in ``.grad``).
    """

    def fwd_bwd(x, y, z):
        b = np.multiply(x, y)
        np.add(b, z, out=b)
        c = b.sum()
        gx = y.copy()        # dc * y with dc == 1: one materializing pass
        gy = x.copy()
        gz = np.ones_like(z)
        return c, gx, gy, gz

    return fwd_bwd


def _numpy_matmul_fwd_bwd(np):
    """Hand-written NumPy forward + backward of c = sum(x @ w)."""

    def fwd_bwd(x, w):
        c = (x @ w).sum()
        g = np.ones((x.shape[0], w.shape[1]), dtype=x.dtype)
        return c, g @ w.T, x.T @ g

    return fwd_bwd


def _build(np, nl, torch, seed=0):
    """Arrays, tensors and compiled functions for every row, in one namespace."""
    rng = np.random.default_rng(seed)
    f32 = np.float32
    ns = {"np": np, "nl": nl}
    a = rng.standard_normal((4, 5)).astype(f32)
    b = rng.standard_normal((4, 5)).astype(f32)
    z = rng.standard_normal((4, 5)).astype(f32)
    w = rng.standard_normal((5, 5)).astype(f32)
    ns.update(a=a, b=b, z=z, w=w, np_fb=_numpy_fwd_bwd(np), np_mm_fb=_numpy_matmul_fwd_bwd(np))
    # neuralab: plain and gradient-tracking tensors
    ns.update(ta=nl.tensor(a), tb=nl.tensor(b), tz=nl.tensor(z), tw=nl.tensor(w))
    for k, v in (("ga", a), ("gb", b), ("gz", z), ("gw", w)):
        ns[k] = nl.tensor(v, requires_grad=True)

    def chain(x, y):
        for _ in range(_CHAIN):
            x = x + y
        return x

    def graph(x, y, z):
        c = (x * y + z).sum()
        return (c, *nl.gradients(c, [x, y, z]))

    def mm_graph(x, w):
        c = (x @ w).sum()
        return (c, *nl.gradients(c, [x, w]))

    ns.update(
        f_add=nl.compile(lambda x, y: x + y),
        f_mm=nl.compile(lambda x, y: x @ y),
        f_chain=nl.compile(chain),
        f_graph=nl.compile(graph),
        f_mm_graph=nl.compile(mm_graph),
        # zero-kernel functions with the same arity and outputs: the fixed cost of a call
        f_id2=nl.compile(lambda x, y: x),
        f_id3x4=nl.compile(lambda x, y, z: (x, x, y, z)),
        f_id2x3=nl.compile(lambda x, w: (x, x, w)),
    )
    if torch is not None:
        t = torch.from_numpy
        ns.update(torch=torch, pa=t(a), pb=t(b), pz=t(z), pw=t(w))
        for k, v in (("qa", a), ("qb", b), ("qz", z), ("qw", w)):
            ns[k] = t(v.copy()).requires_grad_(True)
    return ns


_S = "a" + " + b" * _CHAIN          # numpy chain: 16 adds, left to right
_TS = "ta" + " + tb" * _CHAIN
_PS = "pa" + " + pb" * _CHAIN

# rows: key, label, ops per call (numpy), numpy stmt, eager stmt, compiled stmt, overhead stmt, torch stmt
ROWS = [
    ("a", "add 4x5, no grad", 1, "a + b", "ta + tb", "f_add(ta, tb)", "f_id2(ta, tb)", "pa + pb"),
    ("b", "add 4x5, requires_grad (tape)", 1, "a + b", "ga + gb", "f_add(ga, gb)", "f_id2(ga, gb)", "qa + qb"),
    ("c1", "matmul 4x5@5x5, no grad", 1, "a @ w", "ta @ tw", "f_mm(ta, tw)", "f_id2(ta, tw)", "pa @ pw"),
    ("c2", "matmul 4x5@5x5, requires_grad", 1, "a @ w", "ga @ gw", "f_mm(ga, gw)", "f_id2(ga, gw)", "qa @ qw"),
    ("e", f"chain of {_CHAIN} adds 4x5", _CHAIN, _S, _TS, "f_chain(ta, tb)", "f_id2(ta, tb)", _PS),
    ("f", "sum(x*y+z) 4x5 fwd+bwd (x,y,z)", 3, "np_fb(a, b, z)",
     "ga.grad = gb.grad = gz.grad = None; c = (ga * gb + gz).sum(); c.backward()",
     "f_graph(ta, tb, tz)", "f_id3x4(ta, tb, tz)",
     "qa.grad = qb.grad = qz.grad = None; c = (qa * qb + qz).sum(); c.backward()"),
    ("g", "sum(x@w) 4x5@5x5 fwd+bwd (x,w)", 2, "np_mm_fb(a, w)",
     "ga.grad = gw.grad = None; c = (ga @ gw).sum(); c.backward()",
     "f_mm_graph(ta, tw)", "f_id2x3(ta, tw)",
     "qa.grad = qw.grad = None; c = (qa @ qw).sum(); c.backward()"),
]
BIG_ROW = ("d", f"sum(x*y+z) {_BIG[0]}x{_BIG[1]} fwd+bwd (x,y,z)")


def _row(raw, which):
    """Table rows from the timings; ``which`` 0 = best of round medians, 1 = best single repeat."""
    out = []
    for key, label, ops, kernels, t in raw:
        v = {k: t[k][which] for k in t}
        out.append({
            "key": key, "label": label, "ops": ops, "kernels": kernels, "numpy": v["numpy"], "eager": v["eager"],
            "compiled": v["compiled"], "fixed": v["fixed"], "torch": v["torch"],
            "per_kernel": (v["compiled"] - v["fixed"]) / kernels if kernels else None,
            "c_minus_np_per_op": (v["compiled"] - v["numpy"]) / ops,
        })
    return out


def _compiled_args(key):
    """The args a row's compiled function is called with (for plan inspection)."""
    return {"a": ("ta", "tb"), "b": ("ga", "gb"), "c1": ("ta", "tw"), "c2": ("ga", "gw"), "e": ("ta", "tb"),
            "f": ("ta", "tb", "tz"), "g": ("ta", "tw")}[key]


def _compiled_fn(key):
    return {"a": "f_add", "b": "f_add", "c1": "f_mm", "c2": "f_mm", "e": "f_chain", "f": "f_graph",
            "g": "f_mm_graph"}[key]


def _check_values(np, ns, torch):
    """Every column computes the same numbers (guards against timing the wrong thing)."""
    tol = {"rtol": 1e-4, "atol": 1e-4}
    a, b, z, w = ns["a"], ns["b"], ns["z"], ns["w"]
    np.testing.assert_allclose((ns["ta"] + ns["tb"]).numpy(), a + b, **tol)
    np.testing.assert_allclose(ns["f_add"](ns["ta"], ns["tb"]).numpy(), a + b, **tol)
    np.testing.assert_allclose(ns["f_mm"](ns["ta"], ns["tw"]).numpy(), a @ w, **tol)
    np.testing.assert_allclose(ns["f_chain"](ns["ta"], ns["tb"]).numpy(), eval(_S, ns), **tol)
    ref = ns["np_fb"](a, b, z)
    got = ns["f_graph"](ns["ta"], ns["tb"], ns["tz"])
    for r, g in zip(ref, got):
        np.testing.assert_allclose(np.asarray(g.numpy()), r, **tol)
    ref = ns["np_mm_fb"](a, w)
    got = ns["f_mm_graph"](ns["ta"], ns["tw"])
    for r, g in zip(ref, got):
        np.testing.assert_allclose(np.asarray(g.numpy()), r, **tol)
    if torch is not None:
        np.testing.assert_allclose((ns["pa"] @ ns["pw"]).numpy(), a @ w, **tol)


# ---------------------------------------------------------------------------------------
# big row (d)
# ---------------------------------------------------------------------------------------
def _run_big(np, nl, torch, timer, notes):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(_BIG, dtype=np.float32)
    y = rng.standard_normal(_BIG, dtype=np.float32)
    z = rng.standard_normal(_BIG, dtype=np.float32)
    fb = _numpy_fwd_bwd(np)
    ref = fb(x, y, z)
    gx, gy, gz = (nl.tensor(v, requires_grad=True) for v in (x, y, z))

    def graph(a, b, c_):
        c = (a * b + c_).sum()
        return (c, *nl.gradients(c, [a, b, c_]))

    fg = nl.compile(graph)
    tx, ty, tz = nl.tensor(x), nl.tensor(y), nl.tensor(z)
    ns = {"fb": fb, "x": x, "y": y, "z": z, "gx": gx, "gy": gy, "gz": gz, "fg": fg, "tx": tx, "ty": ty, "tz": tz}
    # check the values and the kind of gradient arrays each column hands back
    c = (gx * gy + gz).sum()
    c.backward()
    for g, r in zip((gx.grad, gy.grad, gz.grad), ref[1:]):
        np.testing.assert_allclose(g.numpy(), r, rtol=1e-5)
    if not all(g.data.flags.writeable and 0 not in g.data.strides for g in (gx.grad, gy.grad, gz.grad)):
        notes.append("d/eager: some .grad is a read-only or broadcast view")
    gx.grad = gy.grad = gz.grad = None
    out = fg(tx, ty, tz)
    np.testing.assert_allclose(float(out[0].item()), float(ref[0]), rtol=1e-3)
    fresh = [o.data.flags.writeable and 0 not in o.data.strides for o in out[1:]]
    if not all(fresh):
        notes.append("d/compiled: the gradient(s) of " + ", ".join(n for n, m in zip("xyz", fresh) if not m)
                     + " come back as a read-only broadcast view (a stride of 0), not a fresh array; the "
                     "compiled (d) figure therefore skips a full-size pass that NumPy and eager pay for")
    kernels = fg.plan_for(tx, ty, tz).num_kernels
    del c, out
    stmts = {
        "numpy": "fb(x, y, z)",
        "eager": "gx.grad = gy.grad = gz.grad = None; c = (gx * gy + gz).sum(); c.backward()",
        "compiled": "fg(tx, ty, tz)",
        "torch": None,
    }
    if torch is not None:
        ns.update(zip(("qx", "qy", "qz"), (torch.from_numpy(v).requires_grad_(True) for v in (x, y, z))))
        stmts["torch"] = "qx.grad = qy.grad = qz.grad = None; c = (qx * qy + qz).sum(); c.backward()"
    res = timer.time_many(stmts, ns, big=True)
    res["compiled_kernels"] = kernels
    return res


# ---------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------
def _cpu_model():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_state():
    """The neuralab commit measured, and whether neuralab/ had uncommitted changes (read-only git calls)."""
    import subprocess

    nl = sys.modules.get("neuralab")
    root = os.path.dirname(os.path.dirname(os.path.abspath(nl.__file__))) if nl else os.path.dirname(_HERE)
    try:
        head = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--", "neuralab"], capture_output=True,
                               text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    if not head:
        return "unknown (not a git checkout)"
    return head + (" + uncommitted changes in neuralab/" if dirty else "")


def _loadavg():
    try:
        with open("/proc/loadavg") as fh:
            return " ".join(fh.read().split()[:3])
    except OSError:
        return "unknown"


def _fmt(v, width=9, prec=2):
    return f"{'-':>{width}}" if v is None else f"{v:>{width}.{prec}f}"


def _ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def _table(results, big, torch_on, which):
    head = (f"{'row':<4}{'what':<38}{'numpy':>9}{'eager':>9}{'comp':>9}{'c.fixed':>9}{'c.kern':>9}"
            f"{'kern':>5}{'torch':>9}{'ops':>4} | {'e/np':>6}{'e/torch':>8}{'c/np':>6}{'c-np/op':>8}")
    lines = [head, "-" * len(head)]
    for r in results:
        cols = (f"{r['key']:<4}{r['label']:<38}{_fmt(r['numpy'])}{_fmt(r['eager'])}{_fmt(r['compiled'])}"
                f"{_fmt(r['fixed'])}{_fmt(r['per_kernel'])}{r['kernels']:>5}"
                f"{_fmt(r['torch']) if torch_on else _fmt(None)}{r['ops']:>4} | "
                f"{_fmt(_ratio(r['eager'], r['numpy']), 6, 1)}{_fmt(_ratio(r['eager'], r['torch']), 8, 2)}"
                f"{_fmt(_ratio(r['compiled'], r['numpy']), 6, 1)}{_fmt(r['c_minus_np_per_op'], 8, 2)}")
        lines.append(cols)
    if big is not None:
        ms = {k: (v[which] / 1e3 if isinstance(v, tuple) and v[which] is not None else None) for k, v in big.items()}
        lines.append("")
        lines.append(f"{'row':<4}{'what (milliseconds)':<38}{'numpy':>9}{'eager':>9}{'comp':>9}{'':>9}{'':>9}"
                     f"{'kern':>5}{'torch':>9}{'':>4} | {'e/np':>6}{'e/torch':>8}{'c/np':>6}{'c/torch':>8}")
        lines.append(f"{BIG_ROW[0]:<4}{BIG_ROW[1]:<38}{_fmt(ms['numpy'])}{_fmt(ms['eager'])}{_fmt(ms['compiled'])}"
                     f"{'':>9}{'':>9}{big['compiled_kernels']:>5}{_fmt(ms.get('torch'))}{'':>4} | "
                     f"{_fmt(_ratio(ms['eager'], ms['numpy']), 6, 2)}{_fmt(_ratio(ms['eager'], ms.get('torch')), 8, 2)}"
                     f"{_fmt(_ratio(ms['compiled'], ms['numpy']), 6, 2)}"
                     f"{_fmt(_ratio(ms['compiled'], ms.get('torch')), 8, 2)}")
    return lines


def _targets(results, big, torch_on):
    out = []
    by = {r["key"]: r for r in results}
    if torch_on:
        for k in ("a", "b", "c1", "c2", "e"):
            r = by[k]
            e, t = r["eager"] / r["ops"], r["torch"] / r["ops"]
            out.append(f"[{'MET ' if e <= t else 'MISS'}] eager <= torch per op, row {k}: {e:.2f} vs {t:.2f} us/op")
    else:
        out.append("[n/a ] eager <= torch per op: torch not installed (or --no-torch)")
    for k in ("a", "c1", "e"):
        r = by[k]
        d_call = r["c_minus_np_per_op"]
        d_kern = r["per_kernel"] - r["numpy"] / r["ops"]
        out.append(f"[{'MET ' if d_call <= 1.0 else 'MISS'}] compiled within 1 us/op of numpy, row {k}: "
                   f"whole call {d_call:+.2f} us/op; per kernel after the fixed call cost {d_kern:+.2f} us/op")
    if big is not None:
        for col in ("eager", "compiled"):
            q = big[col][0] / big["numpy"][0]
            out.append(f"[{'MET ' if q <= 1.2 else 'MISS'}] {col} (3000, 4000) fwd+bwd within 1.2x of "
                       f"hand-written numpy: {q:.2f}x")
    return out


def _header(np, torch, args, timer, load0):
    env = ", ".join(f"{v}={os.environ.get(v, '(unset)')}" for v in _THREAD_VARS)
    lines = [
        f"neuralab core benchmark  {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"cpu: {_cpu_model()}  ({os.cpu_count()} logical cores)",
        f"neuralab {getattr(sys.modules.get('neuralab'), '__version__', '?')} from "
        f"{os.path.dirname(os.path.abspath(sys.modules['neuralab'].__file__))}, commit {_git_state()}",
        f"python {platform.python_version()}  numpy {np.__version__}  "
        f"torch {torch.__version__ if torch is not None else '(absent or --no-torch)'}",
        f"threads: {env}; torch.get_num_threads()={torch.get_num_threads() if torch is not None else '-'}",
        f"load average (1, 5, 15 min) at start: {load0}; at the end: {_loadavg()}; nice {os.nice(0)}",
        f"mode: {'quick' if args.quick else 'full'}; float32; times are the best of {timer.rounds} round medians "
        f"({timer.repeat} repeats a round), microseconds per call unless stated",
    ]
    return lines


LEGEND = """\
columns: numpy = bare NumPy on the same arrays (rows f/g/d: the hand-written forward+backward);
  eager = neuralab eager (rows f/g/d: build the graph, c.backward(), grads reset each call);
  comp = neuralab.compile(fn) whole call; c.fixed = a compiled zero-kernel function of the same
  arity and outputs (signature check, plan call, output wrapping); c.kern = (comp - c.fixed)/kern,
  the replay cost per kernel; kern = kernels in the compiled plan; torch = PyTorch eager;
  every time is a whole call (row e: all 16 adds); ops = the ops a row stands for (1; 16 adds in
  row e; 3 and 2 gradients in rows f and g); e/np, e/torch, c/np = ratios of whole calls;
  c-np/op = (comp - numpy)/ops, the compiled replay's excess over bare NumPy per op.
row b/c2 compiled: a replay never records a tape, so requires_grad inputs change nothing there."""


def _profile(nl, np, path):
    """cProfile of neuralab's tiny-op paths: where the calls and the time go."""
    import cProfile
    import io
    import pstats

    a = np.ones((4, 5), np.float32)
    ta, tb = nl.tensor(a), nl.tensor(a)
    ga, gb = nl.tensor(a, requires_grad=True), nl.tensor(a, requires_grad=True)
    f_add = nl.compile(lambda x, y: x + y)
    f_add(ta, tb)
    n = 200_000
    cases = [
        ("eager add, no grad", "for _ in r: ta + tb"),
        ("eager add, requires_grad", "for _ in r: ga + gb"),
        ("compiled add", "for _ in r: f_add(ta, tb)"),
        ("eager add + sum + backward", "for _ in r:\n    ga.grad = gb.grad = None\n    (ga + gb).sum().backward()"),
    ]
    buf = io.StringIO()
    for name, code in cases:
        ns = {"ta": ta, "tb": tb, "ga": ga, "gb": gb, "f_add": f_add, "r": range(n if "backward" not in code
                                                                                     else n // 10)}
        pr = cProfile.Profile()
        pr.runctx(code, ns, ns)
        buf.write(f"\n===== {name} ({len(ns['r'])} calls) =====\n")
        st = pstats.Stats(pr, stream=buf).strip_dirs().sort_stats("tottime")
        st.print_stats(14)
    with open(path, "w") as fh:
        fh.write("cProfile of neuralab tiny-op paths (profiler overhead inflates every call; read the\n"
                 "call counts and the relative tottime, not the absolute times)\n")
        fh.write(buf.getvalue())
    return path


def main(argv=None):
    args = _parse(argv)
    if args.threads is not None:
        if "numpy" in sys.modules:
            print("warning: NumPy already imported; --threads cannot change its BLAS threads", file=sys.stderr)
        for v in _THREAD_VARS:
            os.environ[v] = str(args.threads)
    import numpy as np

    import neuralab as nl

    torch = None
    if not args.no_torch:
        try:
            import torch  # optional yardstick, never a dependency of neuralab
        except ImportError:
            torch = None
    if torch is not None and args.threads is not None:
        torch.set_num_threads(args.threads)
    torch_on = torch is not None

    timer = Timer(args.quick)
    ns = _build(np, nl, torch)
    _check_values(np, ns, torch)
    notes = []
    load0 = _loadavg()
    # every (row, column) statement in one interleaved schedule: a burst of load from another
    # process then spoils a few rounds of every cell instead of every round of a few cells
    stmts, kernels = {}, {}
    for key, _label, _ops, s_np, s_eager, s_comp, s_fixed, s_torch in ROWS:
        kernels[key] = ns[_compiled_fn(key)].plan_for(*[ns[k] for k in _compiled_args(key)]).num_kernels
        for col, st in (("numpy", s_np), ("eager", s_eager), ("compiled", s_comp), ("fixed", s_fixed),
                        ("torch", s_torch if torch_on else None)):
            stmts[(key, col)] = st
    timed = timer.time_many(stmts, ns)
    raw = [(key, label, ops, kernels[key], {col: timed[(key, col)] for col in
                                            ("numpy", "eager", "compiled", "fixed", "torch")})
           for key, label, ops, *_ in ROWS]
    results = [_row(raw, 0), _row(raw, 1)]
    big = None if args.no_big else _run_big(np, nl, torch, timer, notes)

    lines = _header(np, torch, args, timer, load0) + [""]
    lines += _table(results[0], big, torch_on, 0) + [""] + LEGEND.splitlines()
    lines += ["", "targets (on the table above):"] + _targets(results[0], big, torch_on)
    lines += ["", "the same runs, best single repeat (the least disturbed figure each column reached):", ""]
    lines += _table(results[1], big, torch_on, 1)
    if notes:
        lines += ["", "notes:"] + [f"- {n}" for n in notes]
    text = "\n".join(lines) + "\n"
    print(text)
    out = args.out or os.path.join(_HERE, "results", "core_quick.txt" if args.quick else "core.txt")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as fh:
        fh.write(text)
    print(f"wrote {out}")
    if args.profile:
        print(f"wrote {_profile(nl, np, os.path.join(os.path.dirname(out), 'profile.txt'))}")


if __name__ == "__main__":
    main()
