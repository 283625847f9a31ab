"""TensorBoard event files written by fit(), read back with tensorboard's own reader."""
import numpy as np
import pytest

import neuralab as nl
from neuralab import data, nn
from neuralab.train import Trainer

pytest.importorskip("tensorboardX")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def test_fit_writes_scalars_histograms_images_graph_and_hparams(tmp_path):
    from neuralab.train.tensorboard import TensorBoard

    nl.seed(0)
    ds = data.digits()
    model = nn.Sequential(nn.Dense(64, 16, activation="relu"), nn.Dense(16, 10))
    t = Trainer(model, optimizer="adam", lr=1e-2)
    tb = TensorBoard(tmp_path, example_input=ds.x_train[:4], hparams={"lr": None, "hidden": 16},
                     log_every_n_steps=2, test_data=ds.test)
    t.fit(ds.x_train[:200], ds.y_train[:200], epochs=3, batch_size=50, validation_data=ds.test, callbacks=[tb],
          verbose=0)
    ea = event_accumulator.EventAccumulator(str(tmp_path), size_guidance={"histograms": 0, "images": 0,
                                                                           "scalars": 0})
    ea.Reload()
    tags = ea.Tags()
    assert {"epoch/loss", "epoch/accuracy", "epoch/val_loss", "epoch/val_accuracy"} <= set(tags["scalars"])
    losses = [e.value for e in ea.Scalars("epoch/loss")]
    assert [e.step for e in ea.Scalars("epoch/loss")] == [1, 2, 3]
    np.testing.assert_allclose(losses, t.history.history["loss"], rtol=1e-6)
    assert {"weights/0.weight", "gradients/0.weight", "activations/0_Dense"} <= set(tags["histograms"])
    h = ea.Histograms("weights/1.bias")[-1].histogram_value
    assert h.num == 10 and np.isclose(h.sum, model[1].bias.numpy().sum(), atol=1e-4)
    assert tags["images"] == ["input"]
    img = ea.Images("input")[0]
    assert img.height == 8 and img.width == 3 * 8  # max_images=3 digits side by side
    graph = ea.Graph()
    names = {n.name for n in graph.node}
    ops = {n.op for n in graph.node}
    assert "input" in names and {"MatMul", "Add", "Placeholder", "Maximum"} <= ops  # TensorFlow's op names
    assert any(n.startswith("sequential/dense/") for n in names)
    assert any(n.startswith("sequential/dense_1/") for n in names)
    assert "0/weight" in names  # parameters appear under their dotted names
    mm = next(n for n in graph.node if n.name == "sequential/dense/MatMul")
    assert list(mm.input) == ["input", "0/weight"]
    # per-step loss and learning rate, one tag scheme <when>/<what>
    assert [e.step for e in ea.Scalars("step/loss")] == [2, 4, 6, 8, 10, 12]
    assert [e.value for e in ea.Scalars("step/lr")] == pytest.approx([1e-2] * 6)
    assert [e.value for e in ea.Scalars("epoch/lr")] == pytest.approx([1e-2] * 3)
    hp = event_accumulator.EventAccumulator(str(tmp_path / "hparams"))
    hp.Reload()
    held_out = set(hp.Tags()["scalars"])
    assert {"hparam/val_loss", "hparam/val_accuracy", "hparam/test_loss", "hparam/test_accuracy"} == held_out
    test_acc = hp.Scalars("hparam/test_accuracy")[0].value
    assert test_acc == pytest.approx(t.evaluate(*ds.test)["accuracy"])


def test_hparams_hold_the_real_learning_rate(tmp_path):
    from tensorboard.plugins.hparams import plugin_data_pb2

    from neuralab.train.tensorboard import TensorBoard

    nl.seed(0)
    ds = data.iris()
    t = Trainer(nn.Sequential(nn.Dense(4, 3)), optimizer="sgd")  # lr None: sgd's default 0.01
    t.fit(ds.x_train, ds.y_train, epochs=1, verbose=0, callbacks=[TensorBoard(tmp_path, hparams={"lr": None})])
    ea = event_accumulator.EventAccumulator(str(tmp_path / "hparams"))
    ea.Reload()
    content = ea.PluginTagToContent("hparams")
    info = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_start_info"])
    assert info.session_start_info.hparams["lr"].number_value == pytest.approx(0.01)
    assert set(ea.Tags()["scalars"]) == {"hparam/train_loss"}  # nothing held out: named as training loss
