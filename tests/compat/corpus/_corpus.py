"""The corpus harness: fixture data, each program's header (arguments, expectations) and the checks.

Every ``*.py`` file in this folder not starting with ``_`` is a TF 1.x program written the way public tutorials
write them. It runs with its working directory set to a fresh folder holding (symbolic links to) the fixture data,
so it opens ``MNIST_data/``, ``data-linear.csv``, ... by relative paths as tutorials do, and writes its
checkpoints and event files there. Its header comments say how to run and judge it:

    # args: --learning_rate=0.05 --steps 200     command-line arguments (shell words)
    # needs: tensorboardX                        modules it needs beyond neuralab's core (skipped without them)
    # expect: last("Accuracy") > 0.9             a Python expression over the program's standard output

An expectation is evaluated with these names: ``out`` (the whole standard output), ``lines`` (its lines),
``last(label)`` / ``first(label)`` / ``values(label)`` (the numbers printed after ``label``: ``Accuracy: 0.93``,
``cost= [0.25]``, ``W: np.float32(1.99)``), ``has(text)``, ``count(text)`` and ``files(pattern)`` (paths
under the working directory matching a glob, recursively).

The fixture (:func:`make_fixtures`): ``MNIST_data/`` in the official idx format, 7,000 training images (the
first 5,000 become ``read_data_sets``' validation split, as in TF, leaving 2,000 to train on) and 500 test images,
sliced from the real MNIST when ``$NEURALAB_DATA/mnist`` holds it, else neuralab's bundled 8x8 digits scaled to
28x28 and shifted by a pixel to make up the count (so the corpus runs in CI without MNIST); CSV files drawn from
known models (a line, a three-feature score table, a diabetes-style logistic table, a zoo-style 16-feature table
of 7 classes); iris in TF's ``iris_training.csv`` format; a character corpus and a word corpus.
"""
from __future__ import annotations

import glob
import os
import re
import shlex
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

_NUMBER = r"([-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf)"
_LEAD = r"\s*[:=]?\s*(?:\[|\(|np\.float\d+\(|np\.int\d+\(|array\(|tf\.Tensor\()*\s*"


def programs():
    """The corpus programs (paths), sorted by name."""
    return sorted(p for p in HERE.glob("*.py") if not p.name.startswith("_"))


def header(path):
    """``{"args": [...], "needs": [...], "expect": [...]}`` from the program's ``# key: value`` header lines."""
    info = {"args": [], "needs": [], "expect": []}
    for line in Path(path).read_text().splitlines():
        m = re.match(r"#\s*(args|needs|expect):\s*(.*)$", line)
        if not m:
            continue
        key, value = m.groups()
        if key == "args":
            info["args"] += shlex.split(value)
        elif key == "needs":
            info["needs"] += value.replace(",", " ").split()
        else:
            info["expect"].append(value.strip())
    if not info["expect"]:
        raise ValueError(f"{path}: no '# expect:' line")
    return info


class Output:
    """The names an expectation sees (see the module docstring)."""

    def __init__(self, out, workdir):
        self.out, self.workdir = out, Path(workdir)
        self.lines = out.splitlines()

    def values(self, label):
        return [float(v) for v in re.findall(re.escape(label) + _LEAD + _NUMBER, self.out)]

    def last(self, label):
        vs = self.values(label)
        if not vs:
            raise LookupError(f"no number printed after {label!r}")
        return vs[-1]

    def first(self, label):
        vs = self.values(label)
        if not vs:
            raise LookupError(f"no number printed after {label!r}")
        return vs[0]

    def has(self, text):
        return text in self.out

    def count(self, text):
        return self.out.count(text)

    def files(self, pattern):
        return sorted(glob.glob(str(self.workdir / "**" / pattern), recursive=True))

    def names(self):
        return {"out": self.out, "lines": self.lines, "last": self.last, "first": self.first,
                "values": self.values, "has": self.has, "count": self.count, "files": self.files,
                "abs": abs, "len": len, "all": all, "any": any, "min": min, "max": max, "set": set}


def check(out, expects, workdir):
    """The expectations that do not hold, each as ``"expr -> why"`` (an empty list when all hold)."""
    env = Output(out, workdir).names()
    failed = []
    for expr in expects:
        try:
            ok = eval(expr, {"__builtins__": {}, **env})  # noqa: S307 - our own header lines (globals: comprehensions see them)
        except Exception as e:  # a missing number is a failed expectation, said plainly
            failed.append(f"{expr}  ->  {type(e).__name__}: {e}")
            continue
        if not ok:
            failed.append(f"{expr}  ->  False")
    return failed


# -------------------------------------------------------------------------------------------------
# fixture data
# -------------------------------------------------------------------------------------------------

def _mnist_arrays(n_train, n_test):
    """(train images uint8 (n, 28, 28), labels, test images, labels, source name)."""
    from neuralab.data import data_root, read_idx

    folder = data_root() / "mnist"
    names = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    paths = []
    for n in names:
        found = [folder / (n + ext) for ext in (".gz", "") if (folder / (n + ext)).exists()]
        paths.append(found[0] if found else None)
    if all(paths):
        xtr, ytr, xte, yte = (read_idx(p) for p in paths)
        return xtr[:n_train], ytr[:n_train], xte[:n_test], yte[:n_test], "mnist"
    from neuralab.data import digits

    ds = digits()

    def to28(x):
        img = np.kron(x.reshape(-1, 8, 8), np.ones((1, 3, 3)))  # 24x24, then a 2-pixel border
        return np.round(np.pad(img, ((0, 0), (2, 2), (2, 2))) * 255).astype(np.uint8)

    def shifted(x, y, n):  # the digits and copies moved by one pixel, until there are n
        moves = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1)]
        xs = np.concatenate([np.roll(x, m, axis=(1, 2)) for m in moves])
        return xs[:n], np.concatenate([y] * len(moves))[:n]

    xtr, ytr = shifted(to28(ds.x_train), ds.y_train, n_train)
    xte, yte = shifted(to28(ds.x_test), ds.y_test, n_test)
    return xtr, ytr, xte, yte, "digits"


def _write_csv(path, rows, header=None, fmt="%.4f"):
    with open(path, "w") as f:
        if header:
            f.write(header + "\n")
        for r in rows:
            f.write(",".join(fmt % v if isinstance(v, float) else str(v) for v in r) + "\n")


_WORDS = {
    "animal": ["cat", "dog", "horse", "cow", "sheep"],
    "food": ["fish", "meat", "grass", "hay", "bread"],
    "verb": ["eats", "likes", "wants", "finds"],
    "place": ["house", "field", "barn", "garden"],
}


def word_corpus(n_sentences=1500, seed=0):
    """A word corpus from a tiny grammar: ``the <animal> <verb> <food> in the <place>``."""
    rng = np.random.RandomState(seed)
    out = []
    for _ in range(n_sentences):
        a, v, f, p = (_WORDS[k][rng.randint(len(_WORDS[k]))] for k in ("animal", "verb", "food", "place"))
        out.append(f"the {a} {v} {f} in the {p}")
    return " ".join(out) + "\n"


def make_fixtures(folder, n_train=7000, n_test=500):
    """Write the fixture data into ``folder`` (see the module docstring); returns the MNIST source's name."""
    from neuralab.data import iris, lectures_text, write_idx

    folder = Path(folder)
    mn = folder / "MNIST_data"
    mn.mkdir(parents=True, exist_ok=True)
    xtr, ytr, xte, yte, source = _mnist_arrays(n_train, n_test)
    write_idx(mn / "train-images-idx3-ubyte.gz", xtr)
    write_idx(mn / "train-labels-idx1-ubyte.gz", ytr.astype(np.uint8))
    write_idx(mn / "t10k-images-idx3-ubyte.gz", xte)
    write_idx(mn / "t10k-labels-idx1-ubyte.gz", yte.astype(np.uint8))

    rng = np.random.RandomState(1234)
    # a line: y = 2 x + 1 + noise
    x = rng.uniform(-3, 3, 100)
    _write_csv(folder / "data-linear.csv", zip(x, 2.0 * x + 1.0 + rng.normal(0, 0.1, 100)))
    # three quiz scores -> a final score (a known linear model), with a '#' comment header
    q = rng.uniform(50, 100, (60, 3)).round()
    final = q @ np.array([0.5, 0.3, 0.7]) + 10.0 + rng.normal(0, 1.0, 60)
    _write_csv(folder / "data-scores.csv", np.column_stack([q, final.round(1)]), header="# EXAM1,EXAM2,EXAM3,FINAL",
               fmt="%.1f")
    # diabetes-style: 8 features in [-1, 1], label from a logistic model
    f = rng.uniform(-1, 1, (600, 8))
    w = np.array([1.5, -2.0, 0.8, 0.0, 1.2, -0.7, 2.2, -1.1])
    label = (rng.uniform(size=600) < 1 / (1 + np.exp(-(f @ w * 2.0 - 0.3)))).astype(float)
    _write_csv(folder / "data-diabetes.csv", np.column_stack([f, label]), fmt="%.6f")
    # zoo-style: 16 binary features drawn around one prototype per class (7 classes), label last
    protos = rng.randint(0, 2, (7, 16))
    cls = rng.randint(0, 7, 140)
    feats = np.where(rng.uniform(size=(140, 16)) < 0.1, 1 - protos[cls], protos[cls])
    _write_csv(folder / "data-zoo.csv", np.column_stack([feats, cls]), fmt="%d")
    # iris in TF's format: first line "<rows>,<features>,<class names...>"
    ir = iris()
    names = "setosa,versicolor,virginica"
    for fname, xs, ys in (("iris_training.csv", ir.x_train, ir.y_train), ("iris_test.csv", ir.x_test, ir.y_test)):
        order = rng.permutation(len(xs))  # shuffled, as TF's files are
        rows = [[*(f"{v:.1f}" for v in xs[i]), int(ys[i])] for i in order]
        _write_csv(folder / fname, rows, header=f"{len(rows)},4,{names}")
    (folder / "lectures.txt").write_text(lectures_text() + "\n")
    (folder / "words.txt").write_text(word_corpus())
    return source


def workdir_for(fixtures, workdir):
    """A working directory holding links to every fixture file and folder (programs write beside them)."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for item in Path(fixtures).iterdir():
        target = workdir / item.name
        if not target.exists():
            os.symlink(item, target, target_is_directory=item.is_dir())
    return workdir
