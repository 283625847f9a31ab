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
    tb = TensorBoard(tmp_path, example_input=ds.x_train[:4], hparams={"lr": 1e-2, "hidden": 16})
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
    assert "input" in names and {"Matmul", "Add", "Placeholder"} <= ops
    assert any(n.startswith("sequential/dense/") for n in names)
    assert any(n.startswith("sequential/dense_1/") for n in names)
    assert "0/weight" in names  # parameters appear under their dotted names
    mm = next(n for n in graph.node if n.name == "sequential/dense/MatMul")
    assert list(mm.input) == ["input", "0/weight"]
    hp = event_accumulator.EventAccumulator(str(tmp_path / "hparams"))
    hp.Reload()
    assert "hparam/loss" in hp.Tags()["scalars"]
