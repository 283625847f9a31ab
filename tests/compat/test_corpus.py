"""A learner's second program: the corpus of small TF 1.x programs (tests/compat/corpus/) through ``neuralab tf1``.

Each program is written the way public TF 1.x tutorials write them (placeholders without shapes, get_variable
and variable scopes, tf.layers, tf.contrib.layers, InteractiveSession and ``.eval()``, tf.app.run with FLAGS,
Saver, summaries, estimators, eager, tf.data, queue readers, ...). It runs in-process through the runner
(``import tensorflow`` resolves to neuralab.compat.v1 for that run only) in a fresh working directory holding
the fixture data, and its ``# expect:`` header lines are checked against what it printed (see
corpus/_corpus.py). A failure names the program, says whether it stopped (and where) or printed a wrong
result, and shows the end of its output. NumPy's and Python's global generators are seeded before each
program, so a program prints the same whichever programs ran before it. Two programs also run as
``neuralab tf1 PROGRAM.py`` subprocesses.
"""
import contextlib
import importlib.util
import os
import random
import subprocess
import sys
import time
import traceback
from pathlib import Path

import numpy as np
import pytest

from neuralab.backend.threads import num_threads
from neuralab.compat.v1.runner import run_script

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("_tf1_corpus", HERE / "corpus" / "_corpus.py")
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)

PROGRAMS = corpus.programs()


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tf1_corpus_data")
    corpus.make_fixtures(folder)
    return folder


def _tail(text, n=40):
    lines = text.splitlines()
    return "\n".join(lines[-n:])


def _one_blas_thread():
    """One BLAS thread while a program runs (OPENBLAS_NUM_THREADS set now would come too late: NumPy has loaded
    OpenBLAS). The programs are small, and OpenBLAS's spinning threads next to the other tests' processes on
    this machine's two cores make a program many times slower (10 s instead of 2)."""
    if importlib.util.find_spec("threadpoolctl") is None:
        return contextlib.nullcontext()
    return num_threads(1)


def _user_frames(tb):
    """The traceback's frames, the program's own first: where in the program it stopped."""
    return "".join(traceback.format_exception(type(tb), tb, tb.__traceback__)[-12:])


def test_corpus_is_big_enough():
    assert len(PROGRAMS) >= 40
    for p in PROGRAMS:
        corpus.header(p)  # every program says what it expects


def test_expectation_helpers_read_tf_prints(tmp_path):
    out = ("Accuracy: 0.93\nstep 10 cost= [0.25]\nW: np.float32(1.99) b: [array([0.5], dtype=float32)]\n"
           "loss=1e-3\n")
    o = corpus.Output(out, tmp_path)
    assert o.last("Accuracy") == 0.93 and o.last("cost") == 0.25 and o.last("W") == 1.99
    assert o.last("b") == 0.5 and o.last("loss") == 1e-3
    assert corpus.check(out, ['last("Accuracy") > 0.9', 'has("cost=")'], tmp_path) == []
    failed = corpus.check(out, ['last("Accuracy") > 0.95', 'last("missing") > 0'], tmp_path)
    assert len(failed) == 2 and "False" in failed[0] and "LookupError" in failed[1]


@pytest.mark.filterwarnings("ignore:read_data_sets")  # the fixture's MNIST files are not the official ones
@pytest.mark.parametrize("path", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_corpus_program(path, fixtures, tmp_path, monkeypatch, capsys):
    info = corpus.header(path)
    for mod in info["needs"]:
        pytest.importorskip(mod)
    workdir = corpus.workdir_for(fixtures, tmp_path / "run")
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    np.random.seed(0)  # input_data's shuffles and the programs' own np.random draws: the same in any order
    random.seed(0)
    start = time.perf_counter()
    stopped = None
    try:
        with _one_blas_thread():
            run_script(path, info["args"])
    except SystemExit as e:  # tf.app.run() ends the program with sys.exit(main(argv))
        if e.code not in (None, 0):
            stopped = e
    except Exception as e:  # noqa: BLE001 - reported below with the program's name and output
        stopped = e
    seconds = time.perf_counter() - start
    out = capsys.readouterr().out
    if stopped is not None:
        pytest.fail(f"{path.name} STOPPED after {seconds:.1f} s: {type(stopped).__name__}: {stopped}\n"
                    f"--- where ---\n{_user_frames(stopped)}--- output (end) ---\n{_tail(out)}", pytrace=False)
    failed = corpus.check(out, info["expect"], workdir)
    if failed:
        pytest.fail(f"{path.name} ran ({seconds:.1f} s) but printed a wrong result:\n  " + "\n  ".join(failed)
                    + f"\n--- output (end) ---\n{_tail(out)}", pytrace=False)


@pytest.mark.parametrize("name", ["mnist_mlp_app_flags.py", "linear_regression_csv.py"])
def test_corpus_program_through_the_cli(name, fixtures, tmp_path):
    """``neuralab tf1 PROGRAM.py ARGS`` (``python -m neuralab.cli tf1``) in a subprocess, judged the same way."""
    path = HERE / "corpus" / name
    info = corpus.header(path)
    workdir = corpus.workdir_for(fixtures, tmp_path / "run")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "neuralab.cli", "tf1", str(path), *info["args"]], cwd=workdir,
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert corpus.check(proc.stdout, info["expect"], workdir) == [], proc.stdout[-3000:]
