"""issue 8 part B through ``neuralab tf1``: tf.estimator, tf.metrics, eager execution, decaying learning rates,
TF's RMSProp/Adadelta formulas and the lecture's L-BFGS (ScipyOptimizerInterface).

The TF 1.x-style programs under scripts/ run through the runner; each result is
checked against a closed form, NumPy/SciPy computing the same thing, or TF's
documented outcome. API-level tests follow for the parts scripts do not reach
(argument errors, streaming semantics, tape semantics).
"""
import math
import os
import re

import numpy as np
import pytest

import neuralab.compat.v1 as tf
from neuralab.compat.v1 import _types
from neuralab.compat.v1.runner import run_script

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "scripts")


def _run(capsys, name, *argv):
    run_script(os.path.join(SCRIPTS, name), [str(a) for a in argv])
    return capsys.readouterr().out


def _floats(pattern, out):
    m = re.search(pattern, out)
    assert m, out[-3000:]
    return [float(v) for v in m.groups()]


# -- learning-rate decay and TF's update formulas -------------------------------------------------------

def test_lr_decay_training_script(capsys):
    out = _run(capsys, "lr_decay_training.py", 300)
    for model in ("decay", "fed", "rmsprop"):
        w, b = _floats(rf"{model}: W = ([-0-9.]+) b = ([-0-9.]+)", out)
        assert abs(w - 3.0) < 1e-4 and abs(b - 2.0) < 1e-4, (model, w, b)
    assert "global_step = 300 step2 = 300" in out
    lr, lr_var = _floats(r"learning_rate = ([0-9.e-]+) lr_var = ([0-9.e-]+)", out)
    assert lr == pytest.approx(float(np.float32(0.1) * np.float32(0.96) ** 3), rel=1e-6)  # 0.1·0.96^⌊300/100⌋
    assert lr_var == pytest.approx(0.001, rel=1e-6)  # the piecewise schedule's last value


def _rmsprop(w, a, lr, decay, momentum, eps, centered, steps=3):
    ms, mg, mom, out = np.ones_like(w), np.zeros_like(w), np.zeros_like(w), []
    for _ in range(steps):
        g = a * w
        ms = decay * ms + (1 - decay) * g * g
        den = ms + eps
        if centered:
            mg = decay * mg + (1 - decay) * g
            den = ms - mg * mg + eps
        mom = momentum * mom + lr * g / np.sqrt(den)
        w = w - mom
        out.append(w)
    return out


def _adadelta(w, a, lr, rho, eps, steps=3):
    acc, upd, out = np.zeros_like(w), np.zeros_like(w), []
    for _ in range(steps):
        g = a * w
        acc = rho * acc + (1 - rho) * g * g
        u = np.sqrt(upd + eps) / np.sqrt(acc + eps) * g
        upd = rho * upd + (1 - rho) * u * u
        w = w - lr * u
        out.append(w)
    return out


def test_optimizer_formulas_script_equals_tf_closed_forms(capsys):
    out = _run(capsys, "optimizer_formulas.py")
    a, w0 = np.array([1.0, 4.0, 0.25]), np.array([1.0, -0.5, 2.0])
    want = {"rmsprop_momentum": _rmsprop(w0, a, 0.05, 0.9, 0.8, 1e-6, False),
            "rmsprop_centered": _rmsprop(w0, a, 0.05, 0.8, 0.0, 1e-6, True),
            "adadelta": _adadelta(w0, a, 1.0, 0.9, 1e-4)}
    for name, steps in want.items():
        for k, w in enumerate(steps, start=1):
            got = _floats(rf"^{name} {k} (\S+) (\S+) (\S+)$".replace("^", "(?m)^"), out)
            np.testing.assert_allclose(got, w, rtol=0, atol=1e-14, err_msg=f"{name} step {k}")
    assert "rmsprop_momentum slots momentum,rms" in out
    assert "rmsprop_centered slots mg,rms" in out  # momentum = 0: no momentum slot is kept
    assert "adadelta slots accum,accum_update" in out


# -- tf.metrics -------------------------------------------------------------------------------------------

def _auc_tf(labels, probs, n=50):
    """TF's AUC independently: confusion counts at its thresholds, trapezoid over (fpr, tpr)."""
    thr = np.array([-1e-7] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1 + 1e-7])
    pos = probs[None, :] > thr[:, None]
    lab = labels.astype(bool)[None, :]
    tp, fn = (pos & lab).sum(1), (~pos & lab).sum(1)
    tn, fp = (~pos & ~lab).sum(1), (pos & ~lab).sum(1)
    tpr = (tp + 1e-6) / (tp + fn + 1e-6)
    fpr = fp / (fp + tn + 1e-6)
    return float(np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2))


def test_metrics_streaming_script(capsys):
    out = _run(capsys, "metrics_streaming.py")
    rng = np.random.RandomState(42)
    x = rng.randn(100, 2).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] + 0.3 * rng.randn(100) > 0).astype(np.int64)
    p = (1 / (1 + np.exp(-(x @ np.array([1.2, 0.4], np.float32))))).astype(np.float32)
    pred = (p > 0.5).astype(np.int64)
    for i in range(4):
        s = slice(0, 25 * (i + 1))  # streaming: everything seen so far
        yy, pp, pr = y[s], pred[s], p[s]
        tp = np.sum((yy == 1) & (pp == 1))
        want = [np.mean(yy == pp), tp / np.sum(pp == 1), tp / np.sum(yy == 1), _auc_tf(yy, pr), np.mean(pr)]
        got = _floats(rf"batch {i} acc (\S+) prec (\S+) rec (\S+) auc (\S+) mean (\S+)", out)
        np.testing.assert_allclose(got, want, rtol=2e-6, err_msg=f"after batch {i}")
    assert "reset acc 0" in out
    got_all = _floats(r"all acc (\S+) prec (\S+) rec (\S+) auc (\S+) mean (\S+)", out)
    got_last = _floats(r"batch 3 acc (\S+) prec (\S+) rec (\S+) auc (\S+) mean (\S+)", out)
    np.testing.assert_allclose(got_all, got_last, rtol=1e-6)  # one big batch = four small ones
    assert "locals ['accuracy/count:0', 'accuracy/total:0', 'auc/false_negatives:0', 'auc/false_positives:0']" in out


# -- eager execution --------------------------------------------------------------------------------------

def test_eager_linear_regression_script(capsys):
    out = _run(capsys, "eager_linear_regression.py", 300)
    assert "Executing eagerly: True" in out
    ref = _floats(r"lstsq: W = (\S+) b = (\S+)", out)
    assert abs(ref[0] - 3.0) < 0.02 and abs(ref[1] - 2.0) < 0.02  # the data's own least-squares solution
    for how in ("tape", "implicit", "minimize"):
        got = _floats(rf"{how}: W = (\S+) b = (\S+)", out)
        np.testing.assert_allclose(got, ref, atol=2e-5, err_msg=how)
    assert "step = 300" in out
    assert "d/dv v^3 = 27.0 d2 = 18.0" in out  # 3v², 6v at v = 3
    assert "gradients_function: [np.float32(20.0), np.float32(4.0)]" in out  # (2pq, p²) at (2, 5)
    assert "tf.Tensor([[1. 2.]], shape=(1, 2), dtype=float32)" in out
    assert "placeholder: tf.placeholder() is not compatible with eager execution." in out
    assert not _types.MODE.eager  # the program's eager mode ended with it


# -- L-BFGS -------------------------------------------------------------------------------------------------

def test_lbfgs_scipy_script_reaches_scipys_answer(capsys):
    from scipy.optimize import minimize

    out = _run(capsys, "lbfgs_scipy.py")
    rng = np.random.RandomState(1)
    X = rng.randn(60, 3)
    y_reg = X @ np.array([0.5, -1.0, 2.0]) + 0.7 + 0.1 * rng.randn(60)
    y_cls = (X @ np.array([1.0, -2.0, 0.5]) + 0.2 + 0.8 * rng.randn(60) > 0).astype(np.float64)

    def quad(v):
        w, b = v[:3], v[3]
        r = X @ w + b - y_reg
        return np.mean(r * r) + 0.01 * w @ w, np.concatenate([2 * X.T @ r / 60 + 0.02 * w, [2 * np.mean(r)]])

    ref = minimize(quad, np.zeros(4), jac=True, method="L-BFGS-B", options={"maxiter": 100})
    got = _floats(r"quadratic (\S+) (\S+) (\S+) (\S+)", out)
    np.testing.assert_allclose(got, ref.x, rtol=0, atol=1e-9)
    n_eval, n_iter = _floats(r"quadratic evaluations (\d+) iterations (\d+)", out)
    assert (n_eval, n_iter) == (ref.nfev, ref.nit)
    assert _floats(r"quadratic cost (\S+)", out)[0] == pytest.approx(ref.fun, rel=1e-10)

    def logistic(v):
        w, b = v[:3], v[3]
        z = X @ w + b
        s = 1 / (1 + np.exp(-z))
        loss = np.mean(np.maximum(z, 0) - z * y_cls + np.log1p(np.exp(-np.abs(z))))
        return loss, np.concatenate([X.T @ (s - y_cls) / 60, [np.mean(s - y_cls)]])

    ref2 = minimize(logistic, np.zeros(4), jac=True, method="L-BFGS-B", options={"maxiter": 200},
                    bounds=[(None, None)] * 3 + [(0.0, 0.1)])
    got2 = _floats(r"logistic (\S+) (\S+) (\S+) (\S+)", out)
    np.testing.assert_allclose(got2, ref2.x, atol=2e-3)  # float32 variables: the same optimum, to float32
    assert got2[3] == pytest.approx(0.1)  # the bound is active


# -- tf.estimator ---------------------------------------------------------------------------------------------

def test_estimator_custom_model_fn_trains_resumes_evaluates_predicts(capsys, tmp_path):
    out = _run(capsys, "estimator_custom.py", tmp_path / "model", 100)
    acc1, loss1, step1 = _floats(r"first: accuracy (\S+) loss (\S+) global_step (\d+)", out)
    acc2, loss2, step2 = _floats(r"second: accuracy (\S+) loss (\S+) global_step (\d+)", out)
    assert (step1, step2) == (100, 200)  # the second train() went on from the checkpoint of step 100
    assert loss2 < loss1 and acc2 >= 0.9
    assert "after max_steps: global_step 200" in out
    acc3, _ = _floats(r"dataset: accuracy (\S+) loss (\S+)", out)
    assert acc3 == acc2  # the same model on the same examples, fed by a tf.data.Dataset
    pred = [int(v) for v in re.search(r"predicted (.*)", out).group(1).split()]
    lab = [int(v) for v in re.search(r"labels +(.*)", out).group(1).split()]
    assert np.mean(np.array(pred) == np.array(lab)) == pytest.approx(acc2, abs=1e-4)
    # keep_checkpoint_max=3 counts the first train()'s checkpoints too
    assert "checkpoints ['model.ckpt-100.safetensors', 'model.ckpt-150.safetensors', 'model.ckpt-200.safetensors']" \
        in out
    assert "latest model.ckpt-200" in out


def test_canned_estimators_script(capsys, tmp_path):
    out = _run(capsys, "estimator_canned.py", tmp_path, 200)
    acc, avg, step = _floats(r"dnn: accuracy (\S+) average_loss (\S+) global_step (\d+)", out)
    assert acc >= 0.9 and step == 200 and avg < 0.5
    classes = [int(c) for c in re.findall(r"class (\d) probability", out)]
    assert classes == [0, 1, 2]
    acc, auc, prec, rec = _floats(r"linear: accuracy (\S+) auc (\S+) precision (\S+) recall (\S+)", out)
    assert acc >= 0.9 and auc >= 0.95
    avg, label_mean = _floats(r"regressor: average_loss (\S+) label/mean (\S+)", out)
    rng = np.random.RandomState(0)
    centers = np.array([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]])
    x = np.concatenate([c + 0.3 * rng.randn(50, 4) for c in centers]).astype(np.float32)
    assert label_mean == pytest.approx(float(np.mean(x[:, 3])), rel=1e-5)
    assert avg < 0.5 * float(np.var(x[:, 3]))  # better than predicting the mean
    assert ("variables global_step,linear/linear_model/PetalLength/weights,linear/linear_model/SepalLength/weights,"
            "linear/linear_model/SepalWidth/weights,linear/linear_model/bias_weights") in out


# ==========================================================================================================
# API-level tests
# ==========================================================================================================

@pytest.fixture
def eager():
    """Eager mode for one test (the adapter's mode is program-wide; restored afterwards)."""
    from neuralab._core import graph as _graph

    _graph.reset_default_graph()
    tf.enable_eager_execution()
    try:
        yield
    finally:
        _types.MODE.eager, _types.MODE.tapes = False, 0
        _graph.reset_default_graph()


def test_enable_eager_must_come_first_and_graph_apis_refuse():
    with tf.Graph().as_default():
        tf.constant(1.0)
        with pytest.raises(ValueError, match="must be called at program startup"):
            tf.enable_eager_execution()
    assert not tf.executing_eagerly()
    with pytest.raises(RuntimeError, match="needs eager execution"):
        tf.GradientTape()


def test_tape_semantics(eager):
    x = tf.constant(3.0)
    w = tf.Variable(2.0)
    y_outside = w * w  # not recorded: no tape was active
    with tf.GradientTape() as tape:
        y = w * x
    assert tape.gradient(y, w).numpy() == 3.0
    with pytest.raises(RuntimeError, match="only be called once on non-persistent tapes"):
        tape.gradient(y, w)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * w
        with tape.stop_recording():
            unrecorded = x * x
    assert tape.gradient(z, x).numpy() == 12.0  # 2xw
    gw, gy = tape.gradient(z, [w, y])
    assert (gw.numpy(), gy.numpy()) == (9.0, 2.0)
    assert tape.gradient(z, {"x": x})["x"].numpy() == 12.0
    assert tape.gradient(unrecorded, x) is None
    assert tape.gradient(y_outside, w) is None
    zero = tape.gradient(y, w, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert zero.numpy() == 0.0
    assert tape.gradient(z, x, output_gradients=tf.constant(2.0)).numpy() == 24.0
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        y = w * w
    assert tape.gradient(y, w) is None
    v = tf.Variable([1.0, 2.0])
    print_repr = repr(v)
    assert print_repr == "<tf.Variable 'Variable:0' shape=(2,) dtype=float32, numpy=array([1., 2.], dtype=float32)>"
    assert repr(tf.constant(3.0)) == "<tf.Tensor: shape=(), dtype=float32, numpy=3.0>"
    assert f"{tf.constant(0.5):.2f}" == "0.50" and float(tf.constant(2.5)) == 2.5 and int(tf.constant(7)) == 7
    with pytest.raises(RuntimeError, match="The Session graph is empty"):
        tf.Session()


def test_eager_optimizer_state_persists_and_slots(eager):
    # Adam: two steps with the same optimizer equal two steps of the rule (its moments persist)
    w = tf.Variable([1.0, -2.0])
    opt = tf.train.AdamOptimizer(0.1)
    for _ in range(2):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * tf.constant([0.5, 1.0]))
        opt.apply_gradients([(tape.gradient(loss, w), w)])
    # g is constant: m̂ = g, v̂ = g², so each step is lr·sign(g)
    np.testing.assert_allclose(w.numpy(), [0.8, -2.2], atol=1e-6)
    np.testing.assert_allclose(opt.get_slot(w, "m").numpy(), [0.5 * 0.19, 0.19], rtol=1e-6)
    assert opt.get_slot_names() == ["m", "v"]
    with pytest.raises(RuntimeError, match="should be a function when eager execution is enabled"):
        opt.minimize(loss)
    lr_calls = []
    sgd = tf.train.GradientDescentOptimizer(lambda: lr_calls.append(1) or 0.5)
    sgd.minimize(lambda: tf.reduce_sum(w * w), var_list=[w])
    assert lr_calls == [1]
    step = tf.train.get_or_create_global_step()
    decayed = tf.train.exponential_decay(1.0, step, 1, 0.5)
    assert callable(decayed) and decayed().numpy() == 1.0
    step.assign_add(2)
    assert decayed().numpy() == 0.25  # evaluated from the step's value at each call


def test_metrics_streaming_semantics():
    with tf.Graph().as_default():
        v = tf.placeholder(tf.float32, [None])
        w = tf.placeholder(tf.float32, [None])
        mean, mean_up = tf.metrics.mean(v, weights=w)
        prec, prec_up = tf.metrics.precision(labels=tf.cast(v, tf.bool), predictions=tf.cast(w, tf.bool))
        assert tf.global_variables() == [] and len(tf.local_variables()) == 4
        assert [x.name for x in tf.get_collection("metric_variables")][:2] == ["mean/total:0", "mean/count:0"]
        with tf.Session() as sess:
            with pytest.raises(tf.errors.FailedPreconditionError):
                sess.run(mean)
            sess.run(tf.local_variables_initializer())
            assert sess.run(mean) == 0.0 and sess.run(prec) == 0.0  # 0/0 is 0 (div_no_nan)
            assert sess.run(mean_up, {v: [1.0, 3.0], w: [1.0, 3.0]}) == pytest.approx(2.5)  # (1 + 9) / 4
            assert sess.run(mean) == pytest.approx(2.5)  # reading does not update
            assert sess.run(mean_up, {v: [5.0], w: [0.0]}) == pytest.approx(2.5)  # weight 0 changes nothing
            assert sess.run(prec_up, {v: [1.0, 0.0, 1.0], w: [1.0, 1.0, 0.0]}) == pytest.approx(0.5)
            sess.run(tf.local_variables_initializer())
            assert sess.run(mean) == 0.0
        p = tf.placeholder(tf.float32, [None])
        _, auc_up = tf.metrics.auc(tf.constant([1, 0]), p)
        with tf.Session() as sess:
            sess.run(tf.local_variables_initializer())
            with pytest.raises(tf.errors.InvalidArgumentError, match="predictions must be in \\[0, 1\\]"):
                sess.run(auc_up, {p: [1.5, 0.2]})
            assert sess.run(auc_up, {p: [0.9, 0.1]}) == pytest.approx(1.0, abs=1e-5)


def test_metrics_refuse_eager(eager):
    with pytest.raises(RuntimeError, match="not supported when eager execution is enabled"):
        tf.metrics.accuracy(tf.constant([1]), tf.constant([1]))


def test_estimator_spec_config_and_input_fn_errors(tmp_path):
    E = tf.estimator
    with pytest.raises(ValueError, match="Missing train_op"):
        E.EstimatorSpec(E.ModeKeys.TRAIN, loss=tf.constant(1.0))
    with pytest.raises(ValueError, match="Missing loss"):
        E.EstimatorSpec(E.ModeKeys.EVAL)
    with pytest.raises(ValueError, match="Missing predictions"):
        E.EstimatorSpec(E.ModeKeys.PREDICT)
    with pytest.raises(TypeError, match="eval_metric_ops must be"):
        E.EstimatorSpec(E.ModeKeys.EVAL, loss=tf.constant(1.0), eval_metric_ops={"a": tf.constant(1.0)})
    with pytest.raises(ValueError, match="Can not provide both save_checkpoints_steps and save_checkpoints_secs"):
        E.RunConfig(save_checkpoints_steps=10, save_checkpoints_secs=10)
    assert E.RunConfig().save_checkpoints_secs == 600 and E.RunConfig(save_checkpoints_steps=5).save_checkpoints_secs \
        is None
    with pytest.raises(ValueError, match="shuffle must be provided explicitly"):
        E.inputs.numpy_input_fn({"x": np.zeros(3)})
    with pytest.raises(ValueError, match="Length of tensors in x and y is mismatched"):
        E.inputs.numpy_input_fn({"x": np.zeros(3)}, np.zeros(4), shuffle=False)
    with pytest.raises(ValueError, match="must include features argument"):
        E.Estimator(lambda inputs, mode: None)
    est = E.Estimator(lambda features, labels, mode: None, model_dir=str(tmp_path))
    with pytest.raises(ValueError, match="Can not provide both steps and max_steps"):
        est.train(lambda: None, steps=1, max_steps=1)
    with pytest.raises(ValueError, match="model_fn should return an EstimatorSpec"):
        est.train(E.inputs.numpy_input_fn({"x": np.zeros(3)}, np.zeros(3), shuffle=False), steps=1)


def _mean_model_fn(features, labels, mode, params):
    """Learns the mean of the labels: loss (c - y)², one variable c, SGD at params['lr']."""
    c = tf.get_variable("c", [], initializer=tf.zeros_initializer())
    pred = c + 0.0 * features["x"]
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"c": pred, "x": features["x"]})
    loss = tf.reduce_mean(tf.square(pred - labels))
    train = tf.train.GradientDescentOptimizer(params["lr"]).minimize(loss, global_step=tf.train.get_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train,
                                      eval_metric_ops={"label_mean": tf.metrics.mean(labels)})


def test_estimator_numbers_hooks_and_batches(tmp_path):
    x = np.arange(10, dtype=np.float32)
    y = np.arange(10, dtype=np.float32) * 2.0  # mean 9
    est = tf.estimator.Estimator(_mean_model_fn, model_dir=str(tmp_path), params={"lr": 0.25},
                                 config=tf.estimator.RunConfig(log_step_count_steps=None))

    class Count(tf.train.SessionRunHook):
        def __init__(self):
            self.calls = []

        def begin(self):
            self.calls.append("begin")

        def before_run(self, run_context):
            return tf.train.SessionRunArgs(tf.train.get_global_step())

        def after_run(self, run_context, run_values):
            self.calls.append(int(run_values.results))

        def end(self, session):
            self.calls.append("end")

    hook = Count()
    # one epoch of batches of 4 (4, 4, 2): the input ends after 3 steps although 10 were asked for
    est.train(tf.estimator.inputs.numpy_input_fn({"x": x}, y, batch_size=4, num_epochs=1, shuffle=False),
              steps=10, hooks=[hook])
    assert hook.calls[0] == "begin" and hook.calls[-1] == "end" and len(hook.calls) == 5
    assert est.get_variable_value("global_step") == 3
    # c after SGD on the batch means 3, 11, 17 with dL/dc = 2(c - m): c ← c - 0.5(c - m) = (c + m)/2
    c = 0.0
    for m in (3.0, 11.0, 17.0):
        c = 0.5 * (c + m)
    assert est.get_variable_value("c") == pytest.approx(c)
    ev = est.evaluate(tf.estimator.inputs.numpy_input_fn({"x": x}, y, batch_size=5, shuffle=False))
    assert ev["label_mean"] == pytest.approx(9.0) and ev["global_step"] == 3
    # loss: the mean over the 2 batches of each batch's mean squared error
    want = np.mean([np.mean((c - y[:5]) ** 2), np.mean((c - y[5:]) ** 2)])
    assert ev["loss"] == pytest.approx(want, rel=1e-6)
    stop = tf.train.StopAtStepHook(num_steps=4)
    est.train(tf.estimator.inputs.numpy_input_fn({"x": x}, y, batch_size=2, num_epochs=None, shuffle=True),
              hooks=[stop])
    assert est.get_variable_value("global_step") == 7
    preds = list(est.predict(tf.estimator.inputs.numpy_input_fn({"x": x[:3]}, batch_size=2, shuffle=False)))
    assert [p["x"] for p in preds] == [0.0, 1.0, 2.0] and all(p["c"] == preds[0]["c"] for p in preds)
    batches = list(est.predict(tf.estimator.inputs.numpy_input_fn({"x": x[:3]}, batch_size=2, shuffle=False),
                               predict_keys=["x"], yield_single_examples=False))
    assert [b["x"].tolist() for b in batches] == [[0.0, 1.0], [2.0]]


def test_numpy_input_fn_batches_run_across_epochs():
    with tf.Graph().as_default():
        feats, labels = tf.estimator.inputs.numpy_input_fn({"a": np.arange(5)}, np.arange(5) * 10, batch_size=3,
                                                           num_epochs=2, shuffle=False)()
        got = []
        with tf.Session() as sess:
            with pytest.raises(tf.errors.OutOfRangeError):
                while True:
                    got.append(sess.run([feats["a"], labels]))
    assert [g[0].tolist() for g in got] == [[0, 1, 2], [3, 4, 0], [1, 2, 3], [4]]
    assert all((g[1] == g[0] * 10).all() for g in got)


def test_feature_columns_input_layer():
    with tf.Graph().as_default():
        cols = [tf.feature_column.numeric_column("b", shape=[2], normalizer_fn=lambda t: t * 2.0),
                tf.feature_column.numeric_column("a")]
        bucket = tf.feature_column.bucketized_column(cols[1], [0.0, 10.0])
        feats = {"a": tf.constant([[-1.0], [5.0], [20.0]]), "b": tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])}
        net = tf.feature_column.input_layer(feats, cols + [bucket])
        with tf.Session() as sess:
            got = sess.run(net)
    # sorted by name: a, a_bucketized (one-hot of [<0, 0..10, >=10]), b (normalized)
    np.testing.assert_array_equal(got, [[-1, 1, 0, 0, 2, 4], [5, 0, 1, 0, 6, 8], [20, 0, 0, 1, 10, 12]])
    with pytest.raises(NotImplementedError, match="default_value"):
        tf.feature_column.numeric_column("x", default_value=0.0)
    with pytest.raises(tf.NotProvidedError, match="tf.feature_column.embedding_column"):
        _ = tf.feature_column.embedding_column


def test_scipy_interface_errors():
    with tf.Graph().as_default():
        w = tf.Variable(1.0)
        loss = tf.square(w - 2.0)
        with pytest.raises(NotImplementedError, match="method='CG' is not supported"):
            tf.contrib.opt.ScipyOptimizerInterface(loss, method="CG")
        with pytest.raises(NotImplementedError, match="equalities/inequalities"):
            tf.contrib.opt.ScipyOptimizerInterface(loss, inequalities=[w])
        opt = tf.contrib.opt.ScipyOptimizerInterface(loss)
        with tf.Session() as sess:
            with pytest.raises(tf.errors.FailedPreconditionError):
                opt.minimize(sess)
            sess.run(tf.global_variables_initializer())
            opt.minimize(sess)
            assert sess.run(w) == pytest.approx(2.0, abs=1e-6)
            assert math.isclose(float(opt.result.fun), 0.0, abs_tol=1e-10)


def test_tfe_iterator_over_a_dataset(eager):
    tfe = tf.contrib.eager
    ds = tf.data.Dataset.from_tensor_slices((np.arange(6, dtype=np.float32), np.arange(6) * 2)).batch(4)
    got = [(x.numpy().tolist(), y.numpy().tolist()) for x, y in tfe.Iterator(ds)]
    assert got == [([0.0, 1.0, 2.0, 3.0], [0, 2, 4, 6]), ([4.0, 5.0], [8, 10])]
    it = tfe.Iterator(ds)
    it.get_next()
    it.get_next()
    with pytest.raises(tf.errors.OutOfRangeError):
        it.get_next()
    w = tf.Variable(1.0)
    x, y = next(iter(ds))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(w * x - tf.cast(y, tf.float32)))
    assert tape.gradient(loss, w).numpy() == pytest.approx(-7.0)  # mean(2(wx - 2x)x) = -2·mean(x²) at w = 1


def test_train_and_evaluate_locally(tmp_path):
    x = np.arange(8, dtype=np.float32)
    y = np.full(8, 4.0, dtype=np.float32)
    est = tf.estimator.Estimator(_mean_model_fn, model_dir=str(tmp_path), params={"lr": 0.25})
    train = tf.estimator.TrainSpec(tf.estimator.inputs.numpy_input_fn({"x": x}, y, batch_size=4, num_epochs=None,
                                                                      shuffle=True), max_steps=6)
    evals = tf.estimator.EvalSpec(tf.estimator.inputs.numpy_input_fn({"x": x}, y, batch_size=4, shuffle=False))
    result, exports = tf.estimator.train_and_evaluate(est, train, evals)
    assert result["global_step"] == 6 and exports == []
    # c ← (c + 4)/2 six times from 0: c = 4 (1 - 2^-6); the loss is (c - 4)²
    assert result["loss"] == pytest.approx((4.0 * 2.0 ** -6) ** 2, rel=1e-5)
    with pytest.raises(ValueError, match="max_steps > 0"):
        tf.estimator.TrainSpec(train.input_fn, max_steps=0)


def test_pr_auc_careful_interpolation_equals_the_closed_form():
    rng = np.random.RandomState(0)
    lab = rng.randint(0, 2, size=(3, 8))[0]
    prob = np.clip(lab * 0.35 + rng.rand(3, 8)[0] * 0.65, 0, 1).astype(np.float32)
    n = 30
    thr = np.array([-1e-7] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1 + 1e-7])
    pos = prob[None, :] > thr[:, None]
    tp = (pos & (lab[None, :] == 1)).sum(1).astype(float)
    fp = (pos & (lab[None, :] == 0)).sum(1).astype(float)
    fn = (~pos & (lab[None, :] == 1)).sum(1).astype(float)
    # Davis-Goadrich: tp linear in p = tp + fp between thresholds; ∫ precision d(recall) in closed form
    want = 0.0
    for i in range(n - 1):
        dtp, dp = tp[i] - tp[i + 1], (tp[i] + fp[i]) - (tp[i + 1] + fp[i + 1])
        if dp <= 0 or tp[i + 1] + fn[i + 1] <= 0:
            continue
        slope = dtp / dp
        icpt = tp[i + 1] - slope * (tp[i + 1] + fp[i + 1])
        p0, p1 = tp[i] + fp[i], tp[i + 1] + fp[i + 1]
        ratio = p0 / p1 if p0 > 0 and p1 > 0 else 1.0
        want += slope * (dtp + icpt * math.log(ratio)) / (tp[i + 1] + fn[i + 1])
    with tf.Graph().as_default():
        _, up = tf.metrics.auc(tf.constant(lab), tf.constant(prob), num_thresholds=n, curve="PR",
                               summation_method="careful_interpolation")
        with tf.Session() as sess:
            sess.run(tf.local_variables_initializer())
            got = sess.run(up)
    assert got == pytest.approx(want, rel=1e-6)
    assert got == pytest.approx(0.986765087, rel=1e-6)  # TensorFlow 2.21's tf.compat.v1.metrics.auc on this data


def test_logging_tensor_hook_and_training_log(tmp_path, caplog):
    x = np.arange(4, dtype=np.float32)
    est = tf.estimator.Estimator(_mean_model_fn, model_dir=str(tmp_path), params={"lr": 0.25},
                                 config=tf.estimator.RunConfig(log_step_count_steps=2))

    def model_with_hook(features, labels, mode, params):
        spec = _mean_model_fn(features, labels, mode, params)
        if mode != tf.estimator.ModeKeys.TRAIN:
            return spec
        hook = tf.train.LoggingTensorHook({"the_loss": spec.loss}, every_n_iter=2)
        return spec._replace(training_hooks=(hook,))

    est._model_fn = model_with_hook
    with caplog.at_level("INFO", logger="tensorflow"):
        est.train(tf.estimator.inputs.numpy_input_fn({"x": x}, x, batch_size=4, num_epochs=None, shuffle=False),
                  steps=4)
    text = caplog.text
    assert len(re.findall(r"the_loss = ", text)) == 2  # iterations 0 and 2
    assert "loss = " in text and "step = 4" in text and "Saving checkpoints for 4 into" in text
    with pytest.raises(ValueError, match="exactly one of every_n_iter and every_n_secs"):
        tf.train.LoggingTensorHook({"a": tf.constant(1.0)})
