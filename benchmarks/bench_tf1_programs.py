"""The lectures' TF 1.x MNIST programs run WHOLE: ``neuralab tf1`` against TensorFlow 2.21's ``compat.v1``.

Six programs, written here in the lectures' TF 1.x style (lab 10's MNIST series and lab 11's CNN):

- ``softmax``  784-10 softmax regression, random_normal init;
- ``nn``       784-256-256-10 ReLU, random_normal init;
- ``xavier``   the same with ``get_variable`` + ``xavier_initializer``;
- ``deep``     784-512x4-10 ReLU, Xavier;
- ``dropout``  the deep net with ``tf.nn.dropout``, keep_prob 0.7 in training and 1 at test;
- ``cnn``      2 conv (5x5, 32 and 64 filters, SAME, ReLU, 2x2 max-pool) + 2 fc (3136-1024 ReLU, 1024-10).

All train with Adam (lr 0.001), batch 100, ``c, _ = sess.run([cost, optimizer], feed_dict)`` per step, print
the epoch's average cost, then the accuracy on the 10,000 test images in one fetch and one random prediction.
Each program runs in its own process on the real MNIST and is timed from the parent: wall time including
interpreter start-up, imports, data loading, graph building, training and evaluation. The neuralab side is
``neuralab tf1 PROGRAM.py``; the TF side is the same text with two import lines swapped by this harness
(``import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()``, with ``tf.contrib.layers.xavier_initializer``
set to TF 2's ``glorot_uniform_initializer``, and for ``input_data`` — which TF 2 no longer ships — a small
stand-in with TF 1.x's ``read_data_sets`` semantics written below) run by
``/work/tfvenv/bin/python``. Runs are interleaved (neuralab then TF, TF then neuralab in the next round),
so a burst of load from other processes hits both sides alike; each cell is the median over rounds.

Every program prints ``Learning started.`` before its training loop and ``Learning Finished!`` after it; the
parent timestamps every output line, which splits the wall time into start-up (imports, data, graph), training
(per epoch) and evaluation without touching the program text. The CNN runs fewer epochs by default
(``--cnn-epochs``, 3): its "15-epoch" figure is start-up + 15 x (training time / epochs run) + evaluation, and the
table says so.

    python benchmarks/bench_tf1_programs.py                 # 15 epochs (CNN 3, normalized), 1 round
    python benchmarks/bench_tf1_programs.py --rounds 3      # medians over 3 interleaved rounds
    python benchmarks/bench_tf1_programs.py --quick         # 1 epoch each, a smoke test (~3 min)
    python benchmarks/bench_tf1_programs.py --only deep,dropout --no-tf
    python benchmarks/bench_tf1_programs.py --write-programs DIR   # just write the program files
    python benchmarks/bench_tf1_programs.py --threads 1            # one thread each (robust on a busy machine)
    python benchmarks/bench_tf1_programs.py --native-blas          # OpenBLAS's own kernels (see below)
    python benchmarks/bench_tf1_programs.py --profile deep --epochs 1   # where one program's time goes
    python benchmarks/bench_tf1_programs.py --gemm                 # the deep program's GEMMs, kernels x threads

This project's machine sets ``OPENBLAS_CORETYPE=Haswell`` in its environment, so NumPy's OpenBLAS runs its AVX2
kernels on a CPU with full-width AVX-512 (TensorFlow's oneDNN uses AVX-512); ``--native-blas`` unsets the variable
for the neuralab runs (OpenBLAS then picks its AVX-512 kernels) and the header records which ones ran. With
OpenBLAS's default of one thread per core, another busy process on the two cores slows its GEMMs many times over
(its threads wait for each other); ``--threads 1`` gives both sides one thread.

Results go to ``benchmarks/results/tf1_programs.txt`` (``tf1_programs_quick.txt`` with ``--quick``) with the
machine, library versions, thread settings and the load average at the start and the end.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TF_PYTHON = "/work/tfvenv/bin/python"
EPOCHS = 15

# -------------------------------------------------------------------------------------------------
# the programs (TF 1.x, as the lectures write them; argv: DATA_DIR EPOCHS)
# -------------------------------------------------------------------------------------------------

_HEAD = '''\
import random
import sys

import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

tf.set_random_seed(777)  # reproducibility
random.seed(0)
mnist = input_data.read_data_sets(sys.argv[1], one_hot=True)

# parameters
learning_rate = 0.001
training_epochs = int(sys.argv[2])
batch_size = 100

# input place holders
X = tf.placeholder(tf.float32, [None, 784])
Y = tf.placeholder(tf.float32, [None, 10])
'''

_TRAIN = '''
# define cost/loss & optimizer
cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(
    logits=hypothesis, labels=Y))
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate).minimize(cost)

# initialize
sess = tf.Session()
sess.run(tf.global_variables_initializer())

# train my model
print('Learning started. It takes sometime.')
for epoch in range(training_epochs):
    avg_cost = 0
    total_batch = int(mnist.train.num_examples / batch_size)

    for i in range(total_batch):
        batch_xs, batch_ys = mnist.train.next_batch(batch_size)
        feed_dict = {X: batch_xs, Y: batch_ys%(train_feed)s}
        c, _ = sess.run([cost, optimizer], feed_dict=feed_dict)
        avg_cost += c / total_batch

    print('Epoch:', '%%04d' %% (epoch + 1), 'cost =', '{:.9f}'.format(avg_cost))

print('Learning Finished!')

# Test model and check accuracy
correct_prediction = tf.equal(tf.argmax(hypothesis, 1), tf.argmax(Y, 1))
accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
print('Accuracy:', sess.run(accuracy, feed_dict={
      X: mnist.test.images, Y: mnist.test.labels%(test_feed)s}))

# Get one and predict
r = random.randint(0, mnist.test.num_examples - 1)
print("Label: ", sess.run(tf.argmax(mnist.test.labels[r:r + 1], 1)))
print("Prediction: ", sess.run(
    tf.argmax(hypothesis, 1), feed_dict={X: mnist.test.images[r:r + 1]%(test_feed)s}))
'''


def _program(body, dropout=False):
    feeds = {"train_feed": ", keep_prob: 0.7" if dropout else "", "test_feed": ", keep_prob: 1" if dropout else ""}
    return _HEAD + body + _TRAIN % feeds


_SOFTMAX = '''
# weights & bias for nn layers
W = tf.Variable(tf.random_normal([784, 10]))
b = tf.Variable(tf.random_normal([10]))

hypothesis = tf.matmul(X, W) + b
'''

_NN = '''
# weights & bias for nn layers
W1 = tf.Variable(tf.random_normal([784, 256]))
b1 = tf.Variable(tf.random_normal([256]))
L1 = tf.nn.relu(tf.matmul(X, W1) + b1)

W2 = tf.Variable(tf.random_normal([256, 256]))
b2 = tf.Variable(tf.random_normal([256]))
L2 = tf.nn.relu(tf.matmul(L1, W2) + b2)

W3 = tf.Variable(tf.random_normal([256, 10]))
b3 = tf.Variable(tf.random_normal([10]))
hypothesis = tf.matmul(L2, W3) + b3
'''

_XAVIER = '''
# weights & bias for nn layers
# http://stackoverflow.com/questions/33640581/how-to-do-xavier-initialization-on-tensorflow
W1 = tf.get_variable("W1", shape=[784, 256],
                     initializer=tf.contrib.layers.xavier_initializer())
b1 = tf.Variable(tf.random_normal([256]))
L1 = tf.nn.relu(tf.matmul(X, W1) + b1)

W2 = tf.get_variable("W2", shape=[256, 256],
                     initializer=tf.contrib.layers.xavier_initializer())
b2 = tf.Variable(tf.random_normal([256]))
L2 = tf.nn.relu(tf.matmul(L1, W2) + b2)

W3 = tf.get_variable("W3", shape=[256, 10],
                     initializer=tf.contrib.layers.xavier_initializer())
b3 = tf.Variable(tf.random_normal([10]))
hypothesis = tf.matmul(L2, W3) + b3
'''


def _deep(dropout):
    lines = ["", "# dropout (keep_prob) rate 0.7 on training, but should be 1 for testing",
             "keep_prob = tf.placeholder(tf.float32)", ""] if dropout else [""]
    lines.append("# weights & bias for nn layers")
    prev, fan = "X", 784
    for i in range(1, 5):
        lines += [f'W{i} = tf.get_variable("W{i}", shape=[{fan}, 512],',
                  "                     initializer=tf.contrib.layers.xavier_initializer())",
                  f"b{i} = tf.Variable(tf.random_normal([512]))",
                  f"L{i} = tf.nn.relu(tf.matmul({prev}, W{i}) + b{i})"]
        if dropout:
            lines.append(f"L{i} = tf.nn.dropout(L{i}, keep_prob=keep_prob)")
        lines.append("")
        prev, fan = f"L{i}", 512
    lines += ['W5 = tf.get_variable("W5", shape=[512, 10],',
              "                     initializer=tf.contrib.layers.xavier_initializer())",
              "b5 = tf.Variable(tf.random_normal([10]))",
              "hypothesis = tf.matmul(L4, W5) + b5", ""]
    return "\n".join(lines)


_CNN = '''
# img 28x28x1 (black/white)
X_img = tf.reshape(X, [-1, 28, 28, 1])

# L1 ImgIn shape=(?, 28, 28, 1)
W1 = tf.Variable(tf.random_normal([5, 5, 1, 32], stddev=0.01))
b1 = tf.Variable(tf.zeros([32]))
#    Conv     -> (?, 28, 28, 32)
#    Pool     -> (?, 14, 14, 32)
L1 = tf.nn.conv2d(X_img, W1, strides=[1, 1, 1, 1], padding='SAME')
L1 = tf.nn.relu(L1 + b1)
L1 = tf.nn.max_pool(L1, ksize=[1, 2, 2, 1],
                    strides=[1, 2, 2, 1], padding='SAME')

# L2 ImgIn shape=(?, 14, 14, 32)
W2 = tf.Variable(tf.random_normal([5, 5, 32, 64], stddev=0.01))
b2 = tf.Variable(tf.zeros([64]))
#    Conv      ->(?, 14, 14, 64)
#    Pool      ->(?, 7, 7, 64)
L2 = tf.nn.conv2d(L1, W2, strides=[1, 1, 1, 1], padding='SAME')
L2 = tf.nn.relu(L2 + b2)
L2 = tf.nn.max_pool(L2, ksize=[1, 2, 2, 1],
                    strides=[1, 2, 2, 1], padding='SAME')
L2_flat = tf.reshape(L2, [-1, 7 * 7 * 64])

# fully connected 3136 -> 1024 -> 10
W3 = tf.get_variable("W3", shape=[7 * 7 * 64, 1024],
                     initializer=tf.contrib.layers.xavier_initializer())
b3 = tf.Variable(tf.random_normal([1024], stddev=0.01))
L3 = tf.nn.relu(tf.matmul(L2_flat, W3) + b3)

W4 = tf.get_variable("W4", shape=[1024, 10],
                     initializer=tf.contrib.layers.xavier_initializer())
b4 = tf.Variable(tf.random_normal([10]))
hypothesis = tf.matmul(L3, W4) + b4
'''

#: name -> (table label, program text, TF 2.21 and neuralab wall times of issue 8's table, 15 epochs)
PROGRAMS = {
    "softmax": ("softmax (784-10)", _program(_SOFTMAX), 25.6, 22.8),
    "nn": ("784-256-256-10 ReLU, random normal", _program(_NN), 20.9, 39.6),
    "xavier": ("same, Xavier", _program(_XAVIER), 19.2, 44.9),
    "deep": ("deep 784-512x4-10", _program(_deep(False)), 62.6, 132.1),
    "dropout": ("deep + dropout 0.7", _program(_deep(True), dropout=True), 76.3, 236.3),
    "cnn": ("CNN (2 conv + 2 fc)", _program(_CNN), 149.2, 663.8),
}

# TF 2 no longer ships tensorflow.examples.tutorials.mnist: the TF side gets this stand-in, which does what
# TF 1.x's input_data did (uint8 idx images -> float32 in [0, 1] flattened, float64 one-hot labels, 5,000
# validation images, a permutation per epoch in next_batch), so both sides pay the same for their data.
_TF_INPUT_DATA = '''\
"""A stand-in for TF 1.x's tensorflow.examples.tutorials.mnist.input_data (same split, dtypes and batching)."""
import collections
import gzip
import os

import numpy

Datasets = collections.namedtuple("Datasets", ["train", "validation", "test"])


def _read(path, magic):
    with gzip.open(path, "rb") as fh:
        raw = fh.read()
    if int.from_bytes(raw[:4], "big") != magic:
        raise ValueError(f"bad magic number in {path}")
    n = int.from_bytes(raw[4:8], "big")
    if magic == 2051:
        rows, cols = int.from_bytes(raw[8:12], "big"), int.from_bytes(raw[12:16], "big")
        return numpy.frombuffer(raw, numpy.uint8, offset=16).reshape(n, rows, cols, 1)
    return numpy.frombuffer(raw, numpy.uint8, offset=8)


def _one_hot(labels, num_classes=10):
    out = numpy.zeros((labels.shape[0], num_classes))
    out.flat[numpy.arange(labels.shape[0]) * num_classes + labels.ravel()] = 1
    return out


class DataSet:
    def __init__(self, images, labels):
        self._num_examples = images.shape[0]
        images = images.reshape(images.shape[0], images.shape[1] * images.shape[2])
        self._images = numpy.multiply(images.astype(numpy.float32), 1.0 / 255.0)
        self._labels = labels
        self._epochs_completed = 0
        self._index_in_epoch = 0

    images = property(lambda self: self._images)
    labels = property(lambda self: self._labels)
    num_examples = property(lambda self: self._num_examples)
    epochs_completed = property(lambda self: self._epochs_completed)

    def next_batch(self, batch_size, shuffle=True):
        start = self._index_in_epoch
        if self._epochs_completed == 0 and start == 0 and shuffle:
            perm0 = numpy.arange(self._num_examples)
            numpy.random.shuffle(perm0)
            self._images = self.images[perm0]
            self._labels = self.labels[perm0]
        if start + batch_size > self._num_examples:
            self._epochs_completed += 1
            rest = self._num_examples - start
            images_rest, labels_rest = self._images[start:], self._labels[start:]
            if shuffle:
                perm = numpy.arange(self._num_examples)
                numpy.random.shuffle(perm)
                self._images = self.images[perm]
                self._labels = self.labels[perm]
            start = 0
            self._index_in_epoch = end = batch_size - rest
            return (numpy.concatenate((images_rest, self._images[start:end]), axis=0),
                    numpy.concatenate((labels_rest, self._labels[start:end]), axis=0))
        self._index_in_epoch += batch_size
        end = self._index_in_epoch
        return self._images[start:end], self._labels[start:end]


def read_data_sets(train_dir, one_hot=False, validation_size=5000):
    f = [os.path.join(train_dir, n + ".gz") for n in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                                       "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")]
    xtr, ytr, xte, yte = _read(f[0], 2051), _read(f[1], 2049), _read(f[2], 2051), _read(f[3], 2049)
    if one_hot:
        ytr, yte = _one_hot(ytr), _one_hot(yte)
    return Datasets(train=DataSet(xtr[validation_size:], ytr[validation_size:]),
                    validation=DataSet(xtr[:validation_size], ytr[:validation_size]), test=DataSet(xte, yte))
'''

# TF 2 has no tf.contrib either: the one contrib name the programs use, xavier_initializer() (Glorot uniform, its
# default), is set to TF 2's own glorot_uniform_initializer right after the import
_TF_HEADER = ("import tensorflow.compat.v1 as tf\ntf.disable_v2_behavior()\nimport types as _types\n"
              "tf.contrib = _types.SimpleNamespace(layers=_types.SimpleNamespace("
              "xavier_initializer=tf.glorot_uniform_initializer))\n")
_TF_IMPORTS = {
    "import tensorflow as tf\n": _TF_HEADER,
    "from tensorflow.examples.tutorials.mnist import input_data\n": "import _tf1_input_data as input_data\n",
}


def tf_text(text):
    """The program text for TensorFlow 2's compat.v1: only the two import lines differ (plus tf.contrib's
    xavier_initializer, which TF 2 lacks, named after the import)."""
    for old, new in _TF_IMPORTS.items():
        if old not in text:
            raise ValueError(f"program lacks the line {old!r}")
        text = text.replace(old, new)
    return text


def write_programs(folder, names=None):
    """Write each program (``NAME.py`` for neuralab tf1, ``NAME_tf.py`` for TF 2) and the TF input_data stand-in."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in names or PROGRAMS:
        text = PROGRAMS[name][1]
        (folder / f"{name}.py").write_text(text)
        (folder / f"{name}_tf.py").write_text(tf_text(text))
    (folder / "_tf1_input_data.py").write_text(_TF_INPUT_DATA)
    return folder


# -------------------------------------------------------------------------------------------------
# running and timing
# -------------------------------------------------------------------------------------------------

def _neuralab_cmd():
    exe = Path(sys.executable).with_name("neuralab")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "neuralab.cli"]


def run_program(cmd, env=None, cwd=None, unset=()):
    """Run ``cmd`` (with ``env`` added to the environment and the variables ``unset`` removed); returns a dict:
    wall, CPU, the phases (start-up, training, per epoch, evaluation), accuracy, peak RSS (MiB), return code
    and the output's tail. Every output line is timestamped as it arrives."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    for k in unset:
        env.pop(k, None)
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=cwd, text=True,
                         bufsize=1)
    lines = []
    for line in p.stdout:
        lines.append((time.perf_counter() - t0, line.rstrip("\n")))
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    p.stdout.close()
    res = {"wall": wall, "rc": p.returncode, "rss": usage.ru_maxrss / 1024.0, "cpu": usage.ru_utime + usage.ru_stime,
           "tail": "\n".join(s for _, s in lines[-15:])}
    started = next((t for t, s in lines if s.startswith("Learning started")), None)
    finished = next((t for t, s in lines if s.startswith("Learning Finished")), None)
    epochs = [t for t, s in lines if s.startswith("Epoch:")]
    acc = [s.split(":", 1)[1].strip() for _, s in lines if s.startswith("Accuracy:")]
    res["accuracy"] = float(acc[-1]) if acc else None
    if started is not None and finished is not None and epochs:
        res["startup"] = started
        res["train"] = finished - started
        res["epochs"] = len(epochs)
        res["eval"] = wall - finished
        res["epoch_times"] = [b - a for a, b in zip([started] + epochs[:-1], epochs)]
    return res


def normalized(res, epochs=EPOCHS):
    """Wall time scaled to ``epochs``: start-up + epochs x (training time per epoch run) + evaluation."""
    if "train" not in res:
        return None
    return res["startup"] + res["train"] / res["epochs"] * epochs + res["eval"]


# -------------------------------------------------------------------------------------------------
# profiling one program in-process: where the time of the whole program goes
# -------------------------------------------------------------------------------------------------

class _Acc:
    """CPU-time (all threads of the process) and wall-time accumulators keyed by a label."""

    def __init__(self):
        self.cpu, self.wall, self.calls = {}, {}, {}

    def add(self, key, cpu, wall, n=1):
        self.cpu[key] = self.cpu.get(key, 0.0) + cpu
        self.wall[key] = self.wall.get(key, 0.0) + wall
        self.calls[key] = self.calls.get(key, 0) + n

    def timed(self, key, fn):
        pt, pc = time.process_time, time.perf_counter

        def wrapper(*args, **kwargs):
            c0, w0 = pt(), pc()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(key(args) if callable(key) else key, pt() - c0, pc() - w0)

        return wrapper


def _op_key(op):
    """A profile label for a plan kernel: the op's TF type, with operand layouts for MatMul."""
    t = op.type
    if t == "MatMul":
        def key(args):
            a, b = args[-2], args[-1]

            def lay(x):
                return "C" if x.flags.c_contiguous else ("F" if x.flags.f_contiguous else "S")
            return f"MatMul {a.shape[0]}x{a.shape[1]}{lay(a)} @ {b.shape[0]}x{b.shape[1]}{lay(b)}"
        return key
    if t == "ApplyUpdates" or type(op).__name__ == "ApplyUpdates":
        return f"ApplyUpdates ({type(op.optimizer).__name__})"
    return t


def profile_program(name, data, epochs, threads=None):
    """Run program ``name`` in this process with every plan kernel, Session.run, feed conversion,
    next_batch and summary write timed; returns (phases, kernel table) as dicts of CPU/wall seconds."""
    import neuralab._core.graph as G
    from neuralab.compat.v1 import session as S
    from neuralab.compat.v1.examples.tutorials.mnist import input_data as I
    from neuralab.compat.v1.runner import run_script

    acc, kern = _Acc(), _Acc()
    orig_build = G.Plan._build

    def build(self, order, fed):
        orig_build(self, order, fed)
        ns = self.fn.__globals__
        for j, o in enumerate(order):
            k = f"k{j}"
            if k in ns:
                ns[k] = kern.timed(_op_key(o), ns[k])

    G.Plan._build = build
    S.BaseSession.run = acc.timed("Session.run (total)", S.BaseSession.run)
    S.BaseSession._build = acc.timed("Session.run: building plans", S.BaseSession._build)
    S._check_feed = acc.timed("Session.run: feed checks/conversion", S._check_feed)
    G.Plan.run = acc.timed("Session.run: plan (kernels + store swap)", G.Plan.run)
    S._convert = acc.timed("Session.run: fetch conversion", S._convert)
    I.DataSet.next_batch = acc.timed("next_batch", I.DataSet.next_batch)
    I.read_data_sets = acc.timed("read_data_sets", I.read_data_sets)
    try:
        from neuralab.compat.v1 import summary as SM

        SM.FileWriter.add_summary = acc.timed("FileWriter.add_summary", SM.FileWriter.add_summary)
    except ImportError:
        pass
    folder = Path(tempfile.mkdtemp(prefix="tf1_profile_"))
    try:
        write_programs(folder, [name])
        c0, w0 = time.process_time(), time.perf_counter()
        run_script(str(folder / f"{name}.py"), [data, str(epochs)])
        acc.add("whole program (in-process)", time.process_time() - c0, time.perf_counter() - w0)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return acc, kern


def _profile_report(name, epochs, acc, kern, steps, label):
    lines = [f"== {name}: {label} — {epochs} epoch(s), {steps} training steps; CPU seconds of the whole process "
             "(all threads), wall seconds alongside; per step = CPU / training steps", ""]
    total = acc.cpu.get("whole program (in-process)", 0.0)
    lines.append(f"{'phase':48s} {'calls':>7s} {'CPU s':>8s} {'wall s':>8s} {'% CPU':>6s} {'ms/step':>8s}")
    order = ["whole program (in-process)", "read_data_sets", "next_batch", "Session.run (total)",
             "Session.run: building plans", "Session.run: feed checks/conversion",
             "Session.run: plan (kernels + store swap)", "Session.run: fetch conversion", "FileWriter.add_summary"]
    for k in order:
        if k in acc.cpu:
            lines.append(f"{k:48s} {acc.calls[k]:7d} {acc.cpu[k]:8.2f} {acc.wall[k]:8.2f} "
                         f"{100 * acc.cpu[k] / total:6.1f} {1000 * acc.cpu[k] / steps:8.3f}")
    kt = sum(kern.cpu.values())
    lines += ["", f"plan kernels (sum {kt:.2f} CPU s = {1000 * kt / steps:.3f} ms/step; includes the evaluation "
                  "fetches)", f"{'kernel':48s} {'calls':>7s} {'CPU s':>8s} {'wall s':>8s} {'% kern':>6s} "
                                f"{'ms/step':>8s} {'us/call':>8s}"]
    for k in sorted(kern.cpu, key=kern.cpu.get, reverse=True):
        if kern.cpu[k] < 0.002 * kt:
            continue
        lines.append(f"{k[:48]:48s} {kern.calls[k]:7d} {kern.cpu[k]:8.2f} {kern.wall[k]:8.2f} "
                     f"{100 * kern.cpu[k] / kt:6.1f} {1000 * kern.cpu[k] / steps:8.3f} "
                     f"{1e6 * kern.cpu[k] / kern.calls[k]:8.1f}")
    return lines


# -------------------------------------------------------------------------------------------------
# the deep program's GEMMs: tight loop vs the conditions of a training step
# -------------------------------------------------------------------------------------------------

#: the 14 GEMMs of one 784-512x4-10 training step (batch 100): (label, m, k, n, a transposed?, b transposed?)
DEEP_GEMMS = ([("fwd X@W1", 100, 784, 512, False, False)] + [("fwd H@W", 100, 512, 512, False, False)] * 3
              + [("fwd H@W5", 100, 512, 10, False, False), ("dX G@W5.T", 100, 10, 512, False, True)]
              + [("dX G@W.T", 100, 512, 512, False, True)] * 3
              + [("dW5 H.T@G", 512, 100, 10, True, False)] + [("dW H.T@G", 512, 100, 512, True, False)] * 3
              + [("dW1 X.T@G", 784, 100, 512, True, False)])


def gemm_study(rounds=7, reps=30):
    """Time the deep program's GEMMs per shape and layout: cache-hot tight loop, cold operands (each call on
    another of 16 operand sets, as in a step where ~40 MB pass between two uses of a weight), with a fresh
    output vs ``out=``, transposed views vs contiguous copies, and the whole sequence of one step with the
    elementwise passes between the GEMMs. Returns table lines; median microseconds over ``rounds``."""
    import numpy as np

    rng = np.random.default_rng(0)

    def operands(m, k, n, ta, tb, copies):
        def mk(r, c, t):
            x = rng.standard_normal((c, r) if t else (r, c), dtype=np.float32)
            return x.T if t else x
        return [(mk(m, k, ta), mk(k, n, tb)) for _ in range(copies)]

    def timed(fn, n):
        ts = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            for i in range(n):
                fn(i)
            ts.append((time.perf_counter() - t0) / n * 1e6)
        return statistics.median(ts)

    shapes = {}
    for label, m, k, n, ta, tb in DEEP_GEMMS:
        shapes.setdefault((label, m, k, n, ta, tb), 0)
        shapes[(label, m, k, n, ta, tb)] += 1
    lines = [f"{'GEMM (m x k @ k x n)':34s} {'x/step':>6s} {'hot':>8s} {'GF/s':>6s} {'cold':>8s} {'GF/s':>6s} "
             f"{'cold out=':>9s} {'cold copy':>9s}"]
    total = {"hot": 0.0, "cold": 0.0}
    for (label, m, k, n, ta, tb), count in shapes.items():
        hot = operands(m, k, n, ta, tb, 1)
        cold = operands(m, k, n, ta, tb, 16)
        out = np.empty((m, n), np.float32)
        t_hot = timed(lambda i: hot[0][0].dot(hot[0][1]), reps)
        t_cold = timed(lambda i: cold[i % 16][0].dot(cold[i % 16][1]), reps)
        t_out = timed(lambda i: np.dot(cold[i % 16][0], cold[i % 16][1], out=out), reps)
        t_copy = timed(lambda i: np.ascontiguousarray(cold[i % 16][0]).dot(np.ascontiguousarray(cold[i % 16][1])),
                       reps)
        fl = 2.0 * m * k * n / 1e3
        total["hot"] += count * t_hot
        total["cold"] += count * t_cold
        name = f"{label} {m}x{k}{'ᵀ' if ta else ''} @ {k}x{n}{'ᵀ' if tb else ''}"
        lines.append(f"{name:34s} {count:6d} {t_hot:8.1f} {fl / t_hot:6.0f} {t_cold:8.1f} {fl / t_cold:6.0f} "
                     f"{t_out:9.1f} {t_copy:9.1f}")
    # one step's sequence: the 14 GEMMs in program order with the step's elementwise passes in between
    acts = [rng.standard_normal((100, 512), dtype=np.float32) for _ in range(12)]
    ws = [rng.standard_normal(s, dtype=np.float32) for s in [(784, 512), (512, 512), (512, 512), (512, 512),
                                                              (512, 10)]]
    x = rng.standard_normal((100, 784), dtype=np.float32)
    state = [np.zeros(w.size * 3, np.float32) for w in ws]  # Adam's moments + gradient, passed over once a step

    def step(_):
        h = x
        for w in ws[:4]:
            h = np.maximum(h.dot(w) + acts[0][0], 0)
        g = h.dot(ws[4])
        g = g.dot(ws[4].T)
        for w, a in zip(ws[3:0:-1], acts):
            g = np.where(a > 0, g, 0).dot(w.T)
        for a in acts[:4]:
            a.T.dot(acts[5])
        x.T.dot(acts[6])
        for st in state:
            st *= 0.9  # stands for the optimizer's memory traffic
    t_step = timed(step, 5)
    lines += ["", f"sum of the 14 GEMMs, hot: {total['hot']:.0f} us; cold: {total['cold']:.0f} us; "
                  f"the step-like sequence (GEMMs + ReLU, where and one pass over 14 MB of state): {t_step:.0f} us"]
    return lines


def _thread_env(n, side):
    """Environment variables that give ``side`` (neuralab or tf) ``n`` threads; {} for the libraries' defaults."""
    if n is None:
        return {}
    if side == "neuralab":
        return {k: str(n) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "NUMBA_NUM_THREADS")}
    return {"TF_NUM_INTRAOP_THREADS": str(n), "TF_NUM_INTEROP_THREADS": str(n), "OMP_NUM_THREADS": str(n)}


def _loadavg():
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _cpu():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _versions(tf):
    import numpy as np

    info = [f"Python {platform.python_version()}, NumPy {np.__version__}"]
    try:
        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info.append(f"BLAS {cfg.get('name')} {cfg.get('version')}")
    except Exception:  # noqa: BLE001 - older NumPy: no dict form
        pass
    try:
        import neuralab

        info.append(f"neuralab {getattr(neuralab, '__version__', '?')}")
    except ImportError:
        pass
    if tf:
        r = subprocess.run([TF_PYTHON, "-c", "import tensorflow as tf; print(tf.__version__)"], capture_output=True,
                           text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        info.append(f"TensorFlow {r.stdout.strip() or '?'} ({TF_PYTHON})")
    return ", ".join(info)


def _fmt(x, digits=1):
    return "-" if x is None else f"{x:.{digits}f}"


def _median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=os.path.join(os.environ.get("NEURALAB_DATA", str(ROOT.parent / "shared" /
                                                                                        "data")), "mnist"))
    p.add_argument("--only", help="comma list of programs (default: all): " + ",".join(PROGRAMS))
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--epochs", type=int, default=EPOCHS)
    p.add_argument("--cnn-epochs", type=int, default=3, help="epochs the CNN runs (its row is normalized to --epochs)")
    p.add_argument("--quick", action="store_true", help="1 epoch of each program (the CNN too), a smoke test")
    p.add_argument("--no-tf", action="store_true", help="neuralab only")
    p.add_argument("--threads", type=int, help="threads for both sides: OPENBLAS/OMP/NUMBA_NUM_THREADS for neuralab, "
                   "TF_NUM_INTRAOP_THREADS and OMP_NUM_THREADS for TF (default: each library's own, one per core)")
    p.add_argument("--native-blas", action="store_true", help="unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for the "
                   "neuralab runs (this machine's environment sets OPENBLAS_CORETYPE=Haswell, so NumPy's OpenBLAS "
                   "runs AVX2 kernels; unset, OpenBLAS picks its AVX-512 kernels for this CPU)")
    p.add_argument("--out")
    p.add_argument("--write-programs", metavar="DIR", help="write the program files to DIR and exit")
    p.add_argument("--profile", metavar="NAME", help="profile program NAME in this process (kernels, Session.run, "
                   "feeds, next_batch) for --epochs epochs; prints the table (and appends it to --out if given)")
    p.add_argument("--label", default="", help="a label for the --profile table (e.g. before/after)")
    p.add_argument("--gemm", action="store_true", help="time the deep program's 14 GEMMs per layout, hot and cold, "
                   "with 1 and 2 BLAS threads (threadpoolctl); appends the tables to --out if given")
    p.add_argument("--gemm-worker", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    names = a.only.split(",") if a.only else list(PROGRAMS)
    unknown = [n for n in names if n not in PROGRAMS]
    if unknown:
        p.error(f"unknown program(s) {', '.join(unknown)}; choose from {', '.join(PROGRAMS)}")
    if a.write_programs:
        print(write_programs(a.write_programs, names))
        return 0
    if a.gemm_worker:  # one OpenBLAS kernel set (chosen by the parent through OPENBLAS_CORETYPE), 1 and 2 threads
        import numpy  # noqa: F401 - loads OpenBLAS, so that threadpoolctl finds (and limits) it
        from threadpoolctl import threadpool_info, threadpool_limits

        arch = [d.get("architecture") for d in threadpool_info() if d.get("internal_api") == "openblas"]
        for th in (1, 2):
            with threadpool_limits(th, user_api="blas"):
                print(f"-- OpenBLAS kernels {arch}, {th} thread(s): median microseconds per call")
                print("\n".join(gemm_study()) + "\n", flush=True)
        return 0
    if a.gemm:
        load0 = _loadavg()
        lines = [f"The deep program's GEMMs (float32), {_cpu()}, {_versions(False)}",
                 "OpenBLAS's AVX2 kernels (Haswell: what this machine's environment forces with "
                 f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}) against the AVX-512 kernels "
                 "(SkylakeX: what OpenBLAS picks for this CPU when the variable is unset), each in a fresh process "
                 "(OpenBLAS reads it when NumPy loads it)", ""]
        for core in ("Haswell", "SkylakeX"):
            r = subprocess.run([sys.executable, __file__, "--gemm-worker"], capture_output=True, text=True,
                               env={**os.environ, "OPENBLAS_CORETYPE": core})
            lines += [r.stdout.rstrip(), r.stderr.strip()[-2000:], ""]
        lines.append(f"(load average at start {load0}, at the end {_loadavg()})")
        text = "\n".join(lines) + "\n"
        print(text)
        if a.out:
            with open(a.out, "a") as fh:
                fh.write(text + "\n")
        return 0
    if a.profile:
        if a.profile not in PROGRAMS:
            p.error(f"unknown program {a.profile}; choose from {', '.join(PROGRAMS)}")
        load0 = _loadavg()
        acc, kern = profile_program(a.profile, a.data, a.epochs)
        lines = _profile_report(a.profile, a.epochs, acc, kern, a.epochs * 550, a.label)
        lines.append(f"(load average at start {load0}, at the end {_loadavg()}; OPENBLAS_NUM_THREADS="
                     f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')})")
        text = "\n".join(lines) + "\n"
        print(text)
        if a.out:
            with open(a.out, "a") as fh:
                fh.write(text + "\n")
        return 0
    use_tf = not a.no_tf and os.path.exists(TF_PYTHON)
    epochs = 1 if a.quick else a.epochs
    run_epochs = {n: (1 if a.quick else min(a.cnn_epochs, epochs)) if n == "cnn" else epochs for n in names}
    out = Path(a.out) if a.out else ROOT / "benchmarks" / "results" / (
        "tf1_programs_quick.txt" if a.quick else "tf1_programs.txt")
    load0 = _loadavg()
    tmp = Path(tempfile.mkdtemp(prefix="tf1_programs_"))
    results = {(n, side): [] for n in names for side in ("neuralab", "tf")}
    try:
        write_programs(tmp, names)
        for r in range(a.rounds):
            for n in names:
                sides = ["neuralab", "tf"] if use_tf else ["neuralab"]
                if r % 2:
                    sides.reverse()
                for side in sides:
                    args = [a.data, str(run_epochs[n])]
                    if side == "neuralab":
                        cmd = [*_neuralab_cmd(), "tf1", str(tmp / f"{n}.py"), *args]
                    else:
                        cmd = [TF_PYTHON, str(tmp / f"{n}_tf.py"), *args]
                    res = run_program(cmd, env=_thread_env(a.threads, side), cwd=str(tmp),
                                      unset=("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if a.native_blas and
                                      side == "neuralab" else ())
                    results[(n, side)].append(res)
                    status = "" if res["rc"] == 0 else f" FAILED rc={res['rc']}:\n{res['tail']}"
                    print(f"round {r + 1} {n:8s} {side:8s} wall {res['wall']:7.1f} s  "
                          f"({run_epochs[n]} epochs, accuracy {res['accuracy']}){status}", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    lines = _report(a, names, results, run_epochs, epochs, use_tf, load0)
    text = "\n".join(lines) + "\n"
    print(text)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(f"written to {out}")
    failed = [k for k, v in results.items() if any(x["rc"] != 0 for x in v)]
    return 1 if failed else 0


def _report(a, names, results, run_epochs, epochs, use_tf, load0):
    lines = [
        f"The lectures' TF 1.x MNIST programs run whole: neuralab tf1 vs TensorFlow 2.21 compat.v1 — "
        f"{time.strftime('%Y-%m-%d %H:%M')}",
        f"machine: {_cpu()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        f"versions: {_versions(use_tf)}",
        "threads: " + (f"--threads {a.threads}: {_thread_env(a.threads, 'neuralab')} for neuralab, "
                       f"{_thread_env(a.threads, 'tf')} for TF" if a.threads else
                       "each library's default (one per core); environment: " + ", ".join(
                           f"{k}={os.environ.get(k, 'unset')}" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"))),
        "NumPy's OpenBLAS kernels for neuralab: " + ("OpenBLAS's own choice (--native-blas: OPENBLAS_CORETYPE and "
                                                     "OPENBLAS_L2_SIZE unset)" if a.native_blas else
                                                     f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}"
                                                     f", OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE', 'unset')}"
                                                     " from the environment"),
        f"load average (1, 5, 15 min) at start: {load0}; at the end: {_loadavg()}",
        f"data: {a.data}; {a.rounds} interleaved round(s), medians; each program in its own process, wall time "
        "from the parent (start-up, imports, data loading, graph, training, evaluation)",
        "",
        f"Wall time for {epochs} epoch(s), seconds (rows marked * ran fewer epochs and are normalized: start-up + "
        f"{epochs} x training time per epoch + evaluation)",
        "",
        f"{'program':36s} {'issue TF':>8s} {'issue nl':>8s} | {'TF 2.21':>8s} {'neuralab':>8s} {'nl/TF':>6s} | "
        f"{'acc TF':>6s} {'acc nl':>6s} {'MiB TF':>6s} {'MiB nl':>6s}",
        "-" * 118,
    ]
    for n in names:
        label, _, issue_tf, issue_nl = PROGRAMS[n]
        tf_res, nl_res = results[(n, "tf")], results[(n, "neuralab")]
        norm = run_epochs[n] != epochs

        def wall(rs, norm=norm):
            return _median([normalized(x, epochs) if norm else x["wall"] for x in rs if x["rc"] == 0])

        t_tf, t_nl = wall(tf_res), wall(nl_res)
        ratio = t_nl / t_tf if t_tf and t_nl else None
        star = f" *({run_epochs[n]})" if norm else ""
        i_tf, i_nl = (issue_tf, issue_nl) if epochs == EPOCHS else ("-", "-")
        lines.append(
            f"{(label + star):36s} {i_tf:>8} {i_nl:>8} | "
            f"{_fmt(t_tf):>8s} {_fmt(t_nl):>8s} {_fmt(ratio, 2):>6s} | "
            f"{_fmt(_median([x['accuracy'] for x in tf_res]), 4):>6s} "
            f"{_fmt(_median([x['accuracy'] for x in nl_res]), 4):>6s} "
            f"{_fmt(_median([x['rss'] for x in tf_res]), 0):>6s} {_fmt(_median([x['rss'] for x in nl_res]), 0):>6s}")
    lines += ["", "Phases (medians, seconds): start-up = until 'Learning started' (interpreter, imports, data, graph); "
              "epoch = training time per epoch; eval = after 'Learning Finished!' (10,000-image accuracy, one "
              "prediction, exit); CPU = user + system time of the whole process (all its threads, spinning ones too)",
              "",
              f"{'program':12s} {'start TF':>8s} {'start nl':>8s} {'epoch TF':>8s} {'epoch nl':>8s} "
              f"{'eval TF':>8s} {'eval nl':>8s} {'CPU TF':>8s} {'CPU nl':>8s} | {'walls TF (all rounds)':>22s} "
              f"{'walls nl':>22s}",
              "-" * 130]
    for n in names:
        tf_res, nl_res = results[(n, "tf")], results[(n, "neuralab")]

        def ph(rs, key):
            if key == "epoch":
                return _median([x["train"] / x["epochs"] for x in rs if "train" in x])
            return _median([x.get(key) for x in rs])

        lines.append(f"{n:12s} {_fmt(ph(tf_res, 'startup'), 2):>8s} {_fmt(ph(nl_res, 'startup'), 2):>8s} "
                     f"{_fmt(ph(tf_res, 'epoch'), 2):>8s} {_fmt(ph(nl_res, 'epoch'), 2):>8s} "
                     f"{_fmt(ph(tf_res, 'eval'), 2):>8s} {_fmt(ph(nl_res, 'eval'), 2):>8s} "
                     f"{_fmt(ph(tf_res, 'cpu'), 1):>8s} {_fmt(ph(nl_res, 'cpu'), 1):>8s} | "
                     f"{' '.join(_fmt(x['wall']) for x in tf_res):>22s} "
                     f"{' '.join(_fmt(x['wall']) for x in nl_res):>22s}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
