"""The lecture notes' TensorFlow 1.x programs, run unchanged through neuralab.compat.v1's runner.

Each script under scripts/ is a TF1 program from the seed notes (XOR nets, the
9-layer sigmoid/ReLU nets, "two parts" with placeholders/Variables/assign/
group/optimizers/tf.losses/tf.layers, TensorBoard summaries, the MNIST
programs). They run in-process through ``run_script`` (``import tensorflow``
resolves to the adapter only for the run), one also as a subprocess. MNIST runs
on a small fixture in idx format made from neuralab's bundled 8x8 digits.
"""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from neuralab.compat.v1.runner import run_script

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "scripts")


def _run(capsys, name, *argv):
    run_script(os.path.join(SCRIPTS, name), [str(a) for a in argv])
    return capsys.readouterr().out


def _accuracy(out):
    found = re.findall(r"Accuracy:\s*\[?([0-9.]+)", out)
    assert found, out[-2000:]
    return float(found[-1])


@pytest.fixture(scope="module")
def mnist_dir(tmp_path_factory):
    """A small MNIST stand-in in the official idx format: 600 train / 200 test 28x28 digits."""
    from neuralab.data import digits, write_idx

    folder = tmp_path_factory.mktemp("mnist_fixture")
    ds = digits()

    def to28(x):
        img = np.kron(x.reshape(-1, 8, 8), np.ones((1, 3, 3)))  # 24x24
        img = np.pad(img, ((0, 0), (2, 2), (2, 2)))
        return np.round(img * 255).astype(np.uint8)

    write_idx(folder / "train-images-idx3-ubyte.gz", to28(ds.x_train[:600]))
    write_idx(folder / "train-labels-idx1-ubyte.gz", ds.y_train[:600].astype(np.uint8))
    write_idx(folder / "t10k-images-idx3-ubyte.gz", to28(ds.x_test[:200]))
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", ds.y_test[:200].astype(np.uint8))
    return folder


def test_no_tensorflow_outside_the_runner():
    assert "tensorflow" not in sys.modules
    with pytest.raises(ImportError):
        import tensorflow  # noqa: F401


# -- lecture 10-1: XOR ---------------------------------------------------------------------------

def test_xor_nn_reaches_accuracy_1(capsys):
    out = _run(capsys, "xor_nn.py", "nn", 3001, 7)
    assert _accuracy(out) == 1.0
    assert "tensorflow" not in sys.modules  # restored after the run


def test_xor_wide_deep_reaches_accuracy_1(capsys):
    out = _run(capsys, "xor_nn.py", "wide_deep", 6001, 1)
    assert _accuracy(out) == 1.0


def test_xor_9_sigmoid_layers_stuck_at_chance(capsys):
    """Vanishing gradient: cost stays at ln 2 = 0.6931, every output ~0.5, accuracy 0.5 (the notes' figures)."""
    out = _run(capsys, "xor_deep_9layers.py", "sigmoid", 2001, 1)
    costs = [float(c) for c in re.findall(r"^\d+ \[(?:np\.float32\()?([0-9.e-]+)", out, re.M)]
    assert len(costs) > 2 and all(abs(c - 0.6931) < 1e-3 for c in costs[1:])  # (after the first steps)
    assert _accuracy(out) == 0.5


def test_xor_9_relu_layers_learn(capsys):
    out = _run(capsys, "xor_deep_9layers.py", "relu", 2001, 1)
    costs = [float(c) for c in re.findall(r"^\d+ \[(?:np\.float32\()?([0-9.e-]+)", out, re.M)]
    assert costs[-1] < 1e-2
    assert _accuracy(out) == 1.0


# -- seed 002: computational graphs and "two parts" ---------------------------------------------

def test_computational_graph_and_devices(capsys):
    run_script(os.path.join(SCRIPTS, "computational_graph.py"), ["300", "400"])
    cap = capsys.readouterr()
    assert "grad_x == y: True grad_y == x: True grad_z == 1: True" in cap.out
    assert "/gpu:0 c:" in cap.out


def _losses(out):
    return [float(v) for v in re.findall(r"^\d+ ([0-9.e+-]+)$", out, re.M)]


@pytest.mark.parametrize("variant", ["placeholders", "group", "optimizer", "losses", "layers"])
def test_two_parts_loss_goes_down(capsys, variant):
    out = _run(capsys, "two_parts.py", variant)
    losses = _losses(out)
    assert len(losses) == 50
    assert losses[-1] < 0.9 * losses[0], out[-500:]
    assert "(going down)" in out


def test_two_parts_assign_without_group_does_not_train(capsys):
    """"Problem: loss not going down! Assign calls not actually being executed!""" ""
    out = _run(capsys, "two_parts.py", "assign")
    losses = _losses(out)
    assert len(losses) == 50 and len(set(losses)) == 1
    assert "(NOT going down)" in out


# -- TensorBoard ------------------------------------------------------------------------------------

def test_xor_tensorboard_event_files(capsys, tmp_path):
    pytest.importorskip("tensorboardX")
    ea_mod = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    logdir = tmp_path / "xor_logs"
    out = _run(capsys, "xor_tensorboard.py", logdir, 301)
    assert "Accuracy:" in out
    ea = ea_mod.EventAccumulator(str(logdir), size_guidance={"scalars": 0, "histograms": 0})
    ea.Reload()
    tags = ea.Tags()
    assert set(tags["scalars"]) == {"cost/cost", "accuracy"}
    assert {"layer1/weights1", "layer2/weights2", "layer2/hypothesis"} <= set(tags["histograms"])
    cost = ea.Scalars("cost/cost")
    assert [e.step for e in cost] == list(range(301))
    assert cost[-1].value < cost[0].value
    assert 0.0 <= ea.Scalars("accuracy")[-1].value <= 1.0
    hist = ea.Histograms("layer2/weights2")
    assert len(hist) == 301 and hist[0].histogram_value.num == 2
    assert ea.Histograms("layer1/layer1")[0].histogram_value.num == 8
    assert tags["graph"]
    nodes = {n.name: n for n in ea.Graph().node}
    assert nodes["layer1/weight1"].op == "VariableV2"
    assert list(nodes["layer1/weight1/read"].input) == ["layer1/weight1"]
    assert {"layer1/MatMul", "layer2/Sigmoid", "cost/cost", "x-input"} <= set(nodes)
    assert "layer1/weight1/read" in nodes["layer1/MatMul"].input
    assert any(name.startswith("train/") for name in nodes)


# -- MNIST programs on the small fixture ------------------------------------------------------------

@pytest.mark.parametrize("script,args,least", [
    ("mnist_softmax.py", [50], 0.3),
    ("mnist_nn.py", [8], 0.15),
    ("mnist_xavier.py", [3], 0.5),
    ("mnist_deep_dropout.py", [3, 1.0], 0.5),
    ("mnist_deep_dropout.py", [3, 0.7], 0.4),
    ("mnist_argscope_bn.py", [2], 0.4),
])
def test_mnist_programs_learn(capsys, mnist_dir, script, args, least):
    with pytest.warns(UserWarning):  # the fixture is not the official MNIST
        out = _run(capsys, script, mnist_dir, *args)
    assert "Learning Finished!" in out
    assert re.search(r"Label:\s+\[\d\]", out) and re.search(r"Prediction:\s+\[\d\]", out)
    assert _accuracy(out) > least  # chance is 0.1


def test_mnist_dropout_placeholder_and_eval(capsys, mnist_dir):
    """Lecture 10-3: dropout_rate = tf.placeholder("float") fed 0.7 / 1, accuracy.eval(...), l2reg in the cost."""
    with pytest.warns(UserWarning):
        out = _run(capsys, "mnist_dropout_eval.py", mnist_dir, 3)
    assert _accuracy(out) > 0.5


def test_mnist_tensorboard_cnn_summaries(capsys, mnist_dir, tmp_path):
    """Seed 002's TensorBoard MNIST CNN: image/scalar/histogram summaries every 5 steps, one run per hparam."""
    ea_mod = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    pytest.importorskip("tensorboardX")
    with pytest.warns(UserWarning):
        out = _run(capsys, "mnist_tensorboard_cnn.py", mnist_dir, tmp_path, 6, "1E-3,1E-4", "normal", "small")
    assert "lr_1E-03,conv=1,fc=1 accuracy:" in out and "lr_1E-04,conv=1,fc=1 accuracy:" in out
    run = tmp_path / "lr_1E-03,conv=1,fc=1"
    ea = ea_mod.EventAccumulator(str(run), size_guidance={"images": 0, "scalars": 0, "histograms": 0})
    ea.Reload()
    tags = ea.Tags()
    assert set(tags["images"]) == {"input/image/0", "input/image/1", "input/image/2"}
    assert set(tags["scalars"]) == {"xent/cross_entropy", "accuracy/accuracy"}
    assert {"conv/weights", "fc/activations"} <= set(tags["histograms"])
    assert [e.step for e in ea.Scalars("xent/cross_entropy")] == [0, 5]
    img = ea.Images("input/image/0")[0]
    assert (img.width, img.height) == (28, 28)
    names = {n.name for n in ea.Graph().node}
    assert {"conv/Conv2D", "fc/MatMul", "xent/Mean", "x", "labels"} <= names


def test_runner_as_subprocess(mnist_dir):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "neuralab.compat.v1.runner",
                           os.path.join(SCRIPTS, "mnist_deep_dropout.py"), str(mnist_dir), "4", "0.7"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Learning Finished!" in proc.stdout
    assert _accuracy(proc.stdout) > 0.3
