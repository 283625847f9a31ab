"""The TF 1.x corpus (tests/compat/corpus/) on ``neuralab tf1`` and on TensorFlow 2.21's ``compat.v1``: which stop.

Each corpus program is a small TF 1.x program in a tutorial's style with ``# expect:`` lines saying what it must
print (see tests/compat/corpus/_corpus.py). Here every program runs twice, each time in its own process and in a
fresh working directory holding the corpus fixture data:

- ``neuralab``: ``python -m neuralab.cli tf1 PROGRAM.py ARGS`` (the ``neuralab tf1`` command);
- ``TF 2.21``: the same text run by ``/work/tfvenv/bin/python`` with the two lines every TF 1.x user changes when
  moving to TF 2 replaced — ``import tensorflow as tf`` by ``import tensorflow.compat.v1 as tf;
  tf.disable_v2_behavior()``, and ``from tensorflow.examples.tutorials.mnist import input_data`` (gone from
  TF 2) by the stand-in with TF 1.x's ``read_data_sets`` that bench_tf1_programs.py writes. Nothing else is
  touched: ``tf.contrib``, ``tf.estimator`` and ``tf.layers`` fail there as they fail for a user.

A run is ``ok`` (exit status 0 and every expectation holds), ``wrong`` (it ran to the end but an expectation
failed: a different result) or ``stopped`` (a non-zero exit: the table gives the last line of its error output).
The sides are interleaved (neuralab first for even-numbered programs, TF first for odd ones) and timed from the
parent, wall time including start-up.

    python benchmarks/bench_tf1_corpus.py                  # every program, both sides
    python benchmarks/bench_tf1_corpus.py --only xor_name_scope,vae_mnist
    python benchmarks/bench_tf1_corpus.py --no-tf          # neuralab only
    python benchmarks/bench_tf1_corpus.py --keep /tmp/out  # also keep each run's output there

The table goes to ``benchmarks/results/tf1_corpus.txt`` with the machine, versions and the load average at the
start and the end.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TF_PYTHON = "/work/tfvenv/bin/python"
RESULTS = ROOT / "benchmarks" / "results" / "tf1_corpus.txt"


def _corpus():
    spec = importlib.util.spec_from_file_location("_tf1_corpus", ROOT / "tests" / "compat" / "corpus" / "_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_SHIM = '''\
"""Run a TF 1.x program on TensorFlow 2's compat.v1: the two import lines a TF 2 user changes, nothing else."""
import re
import sys
import types

sys.path.insert(0, {bench_dir!r})
import bench_tf1_programs  # noqa: E402  (its TF 1.x input_data stand-in)

stand_in = types.ModuleType("_tf1_input_data")
exec(bench_tf1_programs._TF_INPUT_DATA, stand_in.__dict__)
sys.modules["_tf1_input_data"] = stand_in
path = sys.argv[1]
sys.argv = sys.argv[1:]
text = open(path).read()
text = re.sub(r"^import tensorflow as tf$", "import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()", text,
              flags=re.M)
text = re.sub(r"^from tensorflow.examples.tutorials.mnist import input_data$", "import _tf1_input_data as input_data",
              text, flags=re.M)
sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(path)))
exec(compile(text, path, "exec"), {{"__name__": "__main__", "__file__": path}})
'''


def _why(stderr):
    """The last line of a traceback that names an error (what a user sees first)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if re.match(r"^[\w.]*(Error|Exception|Exit)\b", ln) or ln.startswith("neuralab tf1:"):
            return ln[:150]
    return (lines[-1] if lines else "")[:150]


def run(cmd, program, corpus, fixtures, env, keep=None):
    """``(status, seconds, why)`` of one program run by ``cmd`` in a fresh working directory.

    With ``keep`` (a path prefix), its standard output and error are written to ``keep + ".out"``/``".err"``.
    """
    info = corpus.header(program)
    work = corpus.workdir_for(fixtures, tempfile.mkdtemp(prefix="tf1_corpus_"))
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([*cmd, str(program), *info["args"]], cwd=work, capture_output=True, text=True,
                              env=env, timeout=900)
    except subprocess.TimeoutExpired:
        return "stopped", time.perf_counter() - t0, "timed out after 900 s"
    seconds = time.perf_counter() - t0
    if keep:
        Path(keep + ".out").write_text(proc.stdout)
        Path(keep + ".err").write_text(proc.stderr)
    if proc.returncode != 0:
        return "stopped", seconds, _why(proc.stderr)
    failed = corpus.check(proc.stdout, info["expect"], work)
    return ("wrong", seconds, failed[0][:150]) if failed else ("ok", seconds, "")


_CAUSES = (  # (what the first error line says, the API family it stops on)
    (r"has no attribute 'contrib'|No module named 'tensorflow.contrib", "tf.contrib (removed in TF 2)"),
    (r"has no attribute 'estimator'|No module named 'tensorflow.estimator", "tf.estimator (gone from TF 2.21)"),
    (r"is not available with Keras 3", "tf.layers / tf.nn.rnn_cell (need Keras 2)"),
    (r"timed out", "timed out"),
)


def _cause(why):
    """The API family a stop comes from, by its first error line (the line itself when no family matches)."""
    for pattern, family in _CAUSES:
        if re.search(pattern, why):
            return family
    return why


def _versions():
    import numpy

    out = [f"python {platform.python_version()}", f"numpy {numpy.__version__}"]
    try:
        tf_v = subprocess.run([TF_PYTHON, "-c", "import tensorflow as tf; print(tf.__version__)"], capture_output=True,
                              text=True, timeout=300).stdout.strip().splitlines()
        out.append(f"tensorflow {tf_v[-1] if tf_v else '?'} ({TF_PYTHON})")
    except (OSError, subprocess.TimeoutExpired):
        out.append("tensorflow: not found")
    return ", ".join(out)


def main(argv=None):
    """Run the corpus on both sides and write the table (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="comma-separated program names (without .py)")
    ap.add_argument("--no-tf", action="store_true", help="run the neuralab side only")
    ap.add_argument("--out", default=str(RESULTS), help="where to write the table")
    ap.add_argument("--keep", default="", help="a folder to keep each run's output in (PROGRAM.nl.out, .tf.err, ...)")
    args = ap.parse_args(argv)

    shared = ROOT.parent / "shared" / "data"
    if "NEURALAB_DATA" not in os.environ and (shared / "mnist").is_dir():  # the real MNIST to slice the fixture from
        os.environ["NEURALAB_DATA"] = str(shared)
    corpus = _corpus()
    programs = corpus.programs()
    if args.only:
        wanted = set(args.only.split(","))
        programs = [p for p in programs if p.stem in wanted]
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
    load0 = os.getloadavg()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", TF_CPP_MIN_LOG_LEVEL="2", TF_NUM_INTEROP_THREADS="1",
               TF_NUM_INTRAOP_THREADS="1")
    nl_cmd = [sys.executable, "-m", "neuralab.cli", "tf1"]
    with tempfile.TemporaryDirectory(prefix="tf1_corpus_data_") as fixtures:
        source = corpus.make_fixtures(fixtures)
        shim = Path(fixtures) / "_tf2_shim.py"
        shim.write_text(_SHIM.format(bench_dir=str(ROOT / "benchmarks")))
        tf_cmd = [TF_PYTHON, str(shim)]
        rows = []
        for i, prog in enumerate(programs):
            sides = [("nl", nl_cmd)] + ([] if args.no_tf else [("tf", tf_cmd)])
            if i % 2:
                sides.reverse()
            keep = {side: os.path.join(args.keep, f"{prog.stem}.{side}") if args.keep else None for side, _ in sides}
            res = {side: run(cmd, prog, corpus, fixtures, env, keep[side]) for side, cmd in sides}
            rows.append((prog.stem, res))
            print(f"{prog.stem:32s} " + "  ".join(f"{s}: {r[0]:7s} {r[1]:6.1f}s" for s, r in res.items()), flush=True)
    load1 = os.getloadavg()
    text = _table(rows, args.no_tf, source, load0, load1)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)
    return 0


def _table(rows, no_tf, source, load0, load1):
    sides = ["nl"] + ([] if no_tf else ["tf"])
    names = {"nl": "neuralab tf1", "tf": "TF 2.21 compat.v1"}
    out = ["The TF 1.x corpus (tests/compat/corpus/): neuralab tf1 vs TensorFlow 2.21 compat.v1 "
           "(disable_v2_behavior, input_data stand-in)",
           f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} CPUs; {_versions()}",
           f"MNIST fixture from: {source}; OPENBLAS_NUM_THREADS=1, TF intra/inter-op threads 1",
           "load average (1, 5, 15 min) at start: " + " ".join(f"{v:.2f}" for v in load0)
           + "; at the end: " + " ".join(f"{v:.2f}" for v in load1), ""]
    head = f"{'program':32s} " + " ".join(f"{names[s]:>24s}" for s in sides) + "   why it stopped / what differed"
    out += [head, "-" * len(head)]
    for name, res in rows:
        cells = " ".join(f"{res[s][0] + f' {res[s][1]:.1f} s':>24s}" for s in sides)
        why = "; ".join(f"{s}: {res[s][2]}" for s in sides if res[s][2])
        out.append(f"{name:32s} {cells}   {why}")
    out.append("")
    n = len(rows)
    for s in sides:
        counts = {k: sum(1 for _, r in rows if r[s][0] == k) for k in ("ok", "wrong", "stopped")}
        total = sum(r[s][1] for _, r in rows)
        out.append(f"{names[s]:20s} ok {counts['ok']:3d} / {n}   wrong {counts['wrong']:3d}   stopped "
                   f"{counts['stopped']:3d}   total wall {total:.0f} s")
    stops = {s: sum(1 for _, r in rows if r[s][0] == "stopped") for s in sides}
    out.append(f"{n} programs: neuralab stops on {stops['nl']}"
               + ("" if no_tf else f", TF 2.21 compat.v1 stops on {stops['tf']}"))
    for s in sides:
        causes = {}
        for _, r in rows:
            if r[s][0] == "stopped":
                cause = _cause(r[s][2])
                causes[cause] = causes.get(cause, 0) + 1
        if causes:
            out.append(f"  {names[s]} stops on: " + ", ".join(f"{c} {k}" for k, c in
                                                             sorted(causes.items(), key=lambda kv: -kv[1])))
    if not no_tf:
        both = [name for name, r in rows if r["tf"][0] != "stopped"]
        agree = [name for name, r in rows if r["tf"][0] != "stopped" and r["nl"][0] == r["tf"][0]]
        out.append(f"programs TF 2.21 runs to the end: {len(both)}; neuralab gives the same verdict on "
                   f"{len(agree)} of them")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
