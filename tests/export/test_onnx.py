"""ONNX export (issue 13): files that pass onnx.checker's full check and that onnxruntime runs with neuralab's
outputs (within 1e-5, on random batches of two sizes), the layout rule (NCHW inside, Transposes only at the
edges), named errors for what cannot be exported, compat.v1 graphs with a Session's values, the CLI command."""
import sys

import numpy as np
import pytest

import neuralab as nl
from neuralab import nn
from neuralab.export import IR_VERSION, OPSET, ExportError, onnx as export_onnx, run_onnx

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

RNG = np.random.default_rng(13)
BATCHES = (1, 37)


def _randomize_bn(model, rng):
    """Give every BatchNorm non-trivial running statistics and affine parameters (as after training)."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm) and m.built:
            c = m.num_features
            m.running_mean.data[...] = rng.normal(size=c)
            m.running_var.data[...] = rng.uniform(0.5, 2.0, size=c)
            m.gamma.data[...] = rng.uniform(0.5, 1.5, size=c)
            m.beta.data[...] = rng.normal(size=c)


def _check_matches(model, proto, example_shape, scale=1.0):
    """onnxruntime's outputs == neuralab's eval-mode outputs within 1e-5, for two batch sizes."""
    model.eval()
    for n in BATCHES:
        x = (RNG.normal(size=(n, *example_shape)) * scale).astype(np.float32)
        with nl.no_grad():
            want = model(x).numpy()
        (got,) = run_onnx(proto, x)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=f"batch of {n}")


def _op_types(proto):
    return [n.op_type for n in proto.graph.node]


def test_mlp_with_batchnorm_and_dropout_matches_onnxruntime(tmp_path):
    model = nn.Sequential(nn.Dense(20, 32, activation="relu"), nn.BatchNorm(32), nn.Dropout(0.4),
                          nn.Dense(32, 16, activation="tanh"), nn.Dropout(0.2), nn.Dense(16, 5), nn.Softmax())
    _randomize_bn(model, RNG)
    model.train()
    path = tmp_path / "mlp.onnx"
    proto = export_onnx(model, path)
    assert model.training and all(m.training for m in model.modules())  # export leaves the mode alone
    assert not any("forward" in m.__dict__ for m in model.modules())  # and no per-instance hooks behind
    loaded = onnx.load(str(path))
    assert loaded.SerializeToString() == proto.SerializeToString()  # the file holds the returned model
    onnx.checker.check_model(loaded, full_check=True)
    assert loaded.ir_version == IR_VERSION == 8
    assert [(o.domain, o.version) for o in loaded.opset_import] == [("", OPSET)] and OPSET == 17
    (inp,) = loaded.graph.input
    dims = inp.type.tensor_type.shape.dim
    assert inp.name == "input" and dims[0].dim_param == "batch" and dims[1].dim_value == 20
    assert "Dropout" not in _op_types(loaded) and "RandomUniformLike" not in _op_types(loaded)
    _check_matches(model, str(path), (20,))
    # the weights are the state dict's, by name
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in loaded.graph.initializer}
    np.testing.assert_array_equal(inits["0.weight"], model[0].weight.numpy())


def test_cnn_with_batchnorm_and_dropout_is_nchw_between_two_transposes():
    model = nn.Sequential(
        nn.Conv2D(1, 6, 3, activation="relu"), nn.BatchNorm(6), nn.MaxPool2D(2, padding="SAME"),
        nn.Conv2D(6, 8, 3, stride=2, padding="VALID"), nn.BatchNorm(8), nn.ReLU(), nn.Dropout(0.3),
        nn.AvgPool2D(2, stride=1, padding="SAME"), nn.Flatten(), nn.Dense(None, 24, activation="elu"),
        nn.Dropout(0.5), nn.Dense(24, 10))
    model.eval()(np.zeros((1, 15, 15, 1), np.float32))  # builds the lazy Dense
    _randomize_bn(model, RNG)
    proto = export_onnx(model, input_shape=(15, 15, 1))
    types = _op_types(proto)
    assert types.count("Transpose") == 2, types  # NHWC -> NCHW at the input, back before the Flatten
    assert types.index("Transpose") < types.index("Conv") and types.count("Conv") == 2
    assert {"MaxPool", "AveragePool", "Reshape", "MatMul"} <= set(types)
    _check_matches(model, proto, (15, 15, 1))


def test_mnist_shaped_cnn_matches():
    model = nn.Sequential(nn.Conv2D(1, 8, 5, activation="relu"), nn.MaxPool2D(2, 2, padding="SAME"),
                          nn.Conv2D(8, 16, 5, activation="relu"), nn.MaxPool2D(2, 2, padding="SAME"),
                          nn.Flatten(), nn.Dense(7 * 7 * 16, 32, activation="relu"), nn.Dense(32, 10))
    _check_matches(model, export_onnx(model, input_shape=(28, 28, 1)), (28, 28, 1))


def test_maxout_and_every_activation():
    layers = [nn.Maxout(12, 10, num_pieces=3), nn.LeakyReLU(0.2), nn.Dense(10, 10), nn.ELU(0.7),
              nn.Dense(10, 10), nn.SELU(), nn.Dense(10, 10), nn.Softplus(), nn.Dense(10, 10), nn.Sigmoid(),
              nn.Dense(10, 10), nn.Tanh(), nn.Dense(10, 10), nn.PReLU(10), nn.Dense(10, 10), nn.ReLU(),
              nn.Dense(10, 6), nn.LogSoftmax()]
    model = nn.Sequential(*layers)
    _check_matches(model, export_onnx(model), (12,), scale=3.0)
    for act in ("relu", "sigmoid", "tanh", "leaky_relu", "elu", "selu", "softplus", "softmax", "log_softmax"):
        m = nn.Sequential(nn.Dense(7, 9, activation=act))
        _check_matches(m, export_onnx(m), (7,), scale=3.0)


@pytest.mark.parametrize("combine", ["mean_prob", "mean_logits"])
def test_ensemble_matches(combine):
    members = [nn.Sequential(nn.Dense(8, 12, activation="relu"), nn.Dropout(0.5), nn.Dense(12, 4))
               for _ in range(3)]
    ens = nn.Ensemble(members, combine=combine)
    _check_matches(ens, export_onnx(ens), (8,))


def test_float64_model_exports_float64():
    model = nn.Sequential(nn.Dense(5, 4, activation="sigmoid", dtype="float64"), nn.Dense(4, 2, dtype="float64"))
    proto = export_onnx(model)
    x = RNG.normal(size=(3, 5))
    np.testing.assert_allclose(run_onnx(proto, x)[0], model(x).numpy(), rtol=1e-12, atol=1e-12)


def test_a_layer_that_cannot_be_exported_is_named_with_its_path():
    model = nn.Sequential(nn.Dense(3, 4), nn.Sequential(nn.Dense(4, 4), nn.Lambda(lambda x: nl.cumsum(x, 1))))
    with pytest.raises(ExportError) as e:
        export_onnx(model)
    msg = str(e.value)
    assert "layer '1.1' (Lambda)" in msg and "'cumsum'" in msg and "(?, 4)" in msg
    rnn = nn.Sequential(nn.Dense(3, 4), nn.LSTM(4, 3, batch_first=True))
    with pytest.raises(ExportError, match=r"layer '1' \(LSTM\).*'recurrence'"):
        export_onnx(rnn, input_shape=(5, 3))
    with pytest.raises(ExportError, match=r"layer '1' \(Embedding\) cannot run on a symbolic input"):
        export_onnx(nn.Sequential(nn.Dense(3, 4), nn.Embedding(10, 3)))
    with pytest.raises(ExportError, match=r"input_shape=\(\.\.\.\)"):
        export_onnx(nn.Sequential(nn.Conv2D(1, 2, 3)))  # no Dense first: the image size must be given


def test_graph_outputs_export_with_their_placeholders():
    g = nl.Graph()
    with g.as_default():
        x = nl.placeholder((None, 6), name="features")
        w = nl.tensor(RNG.normal(size=(6, 3)).astype(np.float32))
        h = nl.tanh(x @ w) * 2.0
        y = nl.logsumexp(h, axis=1, keepdims=True) - nl.max(h, axis=1, keepdims=True)
    proto = export_onnx([h, y])
    assert [i.name for i in proto.graph.input] == ["features"]
    assert [o.name for o in proto.graph.output] == ["output_0", "output_1"]
    xs = RNG.normal(size=(4, 6)).astype(np.float32)
    for got, want in zip(run_onnx(proto, xs), nl.run([h, y], {x: xs})):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_state_changing_ops_are_refused():
    v = nl.tensor(np.zeros(3, np.float32))
    v._variable = True
    g = nl.Graph()
    with g.as_default():
        x = nl.placeholder((None, 3))
        out = nl.assign(v, x[0]) + 1.0
    with pytest.raises(ExportError, match="changes state"):
        export_onnx(out)


def test_missing_onnx_gives_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"pip install neuralab\[onnx\]"):
        export_onnx(nn.Sequential(nn.Dense(2, 2)))


# -- compat.v1 ------------------------------------------------------------------------------------

def _tf():
    import neuralab.compat.v1 as tf

    tf.reset_default_graph()
    tf.set_random_seed(0)
    return tf


def test_compat_v1_mlp_with_dropout_exports_from_a_session():
    tf = _tf()
    X = tf.placeholder(tf.float32, [None, 30], name="X")
    Y = tf.placeholder(tf.float32, [None, 5])
    keep_prob = tf.placeholder(tf.float32)
    W1 = tf.get_variable("W1", shape=[30, 16], initializer=tf.contrib.layers.xavier_initializer())
    b1 = tf.Variable(tf.random_normal([16]))
    L1 = tf.nn.dropout(tf.nn.relu(tf.matmul(X, W1) + b1), keep_prob=keep_prob)
    W2 = tf.get_variable("W2", shape=[16, 5], initializer=tf.contrib.layers.xavier_initializer())
    b2 = tf.Variable(tf.random_normal([5]))
    hypothesis = tf.matmul(L1, W2) + b2
    cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=hypothesis, labels=Y))
    train = tf.train.AdamOptimizer(0.01).minimize(cost)
    xs = RNG.random((64, 30)).astype(np.float32)
    ys = np.eye(5, dtype=np.float32)[RNG.integers(0, 5, 64)]
    with pytest.raises(ExportError, match="session=sess"):
        export_onnx(hypothesis, feed_dict={keep_prob: 1.0})
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(5):
            sess.run(train, {X: xs, Y: ys, keep_prob: 0.7})
        with pytest.raises(ExportError, match="placeholder 'Placeholder_1'.*feed_dict"):
            export_onnx(hypothesis, session=sess, inputs=[X])
        proto = export_onnx(hypothesis, session=sess, feed_dict={keep_prob: 1.0})
        assert [i.name for i in proto.graph.input] == ["X"]
        assert {"W1", "W2"} <= {i.name for i in proto.graph.initializer}
        assert "ConstantOfShape" not in _op_types(proto)  # keep_prob 1: the dropout mask is gone
        for n in BATCHES:
            want = sess.run(hypothesis, {X: xs[:n], keep_prob: 1.0})
            np.testing.assert_allclose(run_onnx(proto, xs[:n])[0], want, rtol=1e-5, atol=1e-5)


def test_compat_v1_cnn_with_batch_norm_exports_in_inference_form():
    tf = _tf()
    X = tf.placeholder(tf.float32, [None, 196])
    is_training = tf.placeholder(tf.bool)
    img = tf.reshape(X, [-1, 14, 14, 1])
    W1 = tf.Variable(tf.random_normal([3, 3, 1, 8], stddev=0.1))
    L1 = tf.nn.max_pool(tf.nn.relu(tf.nn.conv2d(img, W1, strides=[1, 1, 1, 1], padding="SAME")),
                        ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
    c2 = tf.layers.conv2d(L1, 16, [3, 3], padding="same", activation=tf.nn.relu)
    c2 = tf.layers.batch_normalization(c2, training=is_training)
    p2 = tf.layers.max_pooling2d(c2, [2, 2], 2, padding="same")
    logits = tf.layers.dense(tf.reshape(p2, [-1, 4 * 4 * 16]), 10)
    prob = tf.nn.softmax(logits)
    xs = RNG.random((37, 196)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        update = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
        for _ in range(3):  # moves the running statistics away from 0 / 1
            sess.run(update, {X: xs, is_training: True})
        proto = export_onnx(prob, session=sess, feed_dict={is_training: False})
        types = _op_types(proto)
        assert types.count("Transpose") == 2 and types.count("Conv") == 2
        for n in BATCHES:
            want = sess.run(prob, {X: xs[:n], is_training: False})
            np.testing.assert_allclose(run_onnx(proto, xs[:n])[0], want, rtol=1e-5, atol=1e-6)


# -- the command line ------------------------------------------------------------------------------

def test_cli_export_writes_and_verifies(tmp_path, capsys):
    from neuralab import cli

    cfg = dict(cli.TRAIN_DEFAULTS, dataset="digits", model="cnn", batch_norm=True, dropout=0.2)
    ds = cli.load_dataset(cfg)
    model = cli.build_model(cfg, ds.input_shape, ds.num_classes)
    model.eval()(np.zeros((1, *ds.input_shape), np.float32))
    _randomize_bn(model, RNG)
    cli.save_model(tmp_path, model, cfg, {"accuracy": 0.5})
    out = tmp_path / "model.onnx"
    assert cli.main(["export", "--checkpoint-dir", str(tmp_path), "--format", "onnx", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"Wrote {out}: ONNX opset 17, IR version 8" in text and "(batch, 8, 8, 1)" in text
    assert "same predictions: 100/100" in text
    onnx.checker.check_model(onnx.load(str(out)), full_check=True)
    assert cli.main(["export", "--checkpoint-dir", str(tmp_path / "none"), "-o", str(out)]) == 1
    assert "no trained model" in capsys.readouterr().err


@pytest.mark.parametrize("index", [(slice(None), slice(1, None, 2)), (Ellipsis, 0),
                                   (slice(None), None, slice(None, None, -1)), (slice(None), -1, slice(2, -1)),
                                   (slice(None), slice(-3, None), None, 1)])
def test_basic_indexing_exports_as_slices(index):
    g = nl.Graph()
    with g.as_default():
        x = nl.placeholder((None, 5, 4))
        y = x[index] * 2.0
    xs = RNG.normal(size=(3, 5, 4)).astype(np.float32)
    got, want = run_onnx(export_onnx(y), xs)[0], nl.run(y, {x: xs})
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_dilated_convolution_exports():
    model = nn.Sequential(nn.Conv2D(2, 3, 3, dilation=2, activation="relu"), nn.Flatten(), nn.Dense(None, 4))
    model.eval()(np.zeros((1, 9, 9, 2), np.float32))
    _check_matches(model, export_onnx(model, input_shape=(9, 9, 2)), (9, 9, 2))
