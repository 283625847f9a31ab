"""The GPU backend (issue 13), run on every backend the ``gpu`` fixture offers: ``fake`` (fakecupy: CuPy's
rules, NumPy's arithmetic, so results must equal the NumPy backend's bit for bit) on every machine, and
``cupy`` on a machine with a GPU (skipped with the reason elsewhere; results then agree to float tolerances).

Covered: every op record forward, backward and compiled on the device; the device context, Module.to and
tensor(device=); a training step (optimizers' flat buffers on the device, transfers only at feed/fetch);
graph plans choosing their device; compat.v1's tf.device; the CLI's --device; and the errors without CuPy
or without a GPU."""
import inspect
import sys
import types

import numpy as np
import pytest

import neuralab as nl
from neuralab import backend, nn
from neuralab._core import op as _op
from neuralab.backend import cupy_impl, numpy_impl
from neuralab.testing import all_records, tolerance

RECORDS = all_records()
SKIP = {"assign", "group"}  # state ops: exercised through the training step and tf.Variable tests below


def _outs(y):
    return list(y) if isinstance(y, (tuple, list)) else [y]


def _same(gpu, got, want, what):
    """Device results equal host results: bit for bit on the fake backend, to float tolerance on a GPU."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, what
    if gpu.__name__ == "fakecupy" or want.dtype.kind not in "fc":
        np.testing.assert_array_equal(got, want, err_msg=what)
    else:
        np.testing.assert_allclose(got, want, err_msg=what, **tolerance(want.dtype))


def _on_device(gpu, t):
    assert isinstance(t.data, gpu.ndarray), f"expected a device array, got {type(t.data).__name__}"


# -- without a GPU: imports, signatures, errors (run in CI) -------------------------------------------

def test_cupy_impl_has_numpy_impl_helpers_with_the_same_signatures():
    public = {n for n, f in vars(numpy_impl).items() if callable(f) and not n.startswith("_")
              and getattr(f, "__module__", "") == numpy_impl.__name__}
    assert public <= set(cupy_impl.__all__), public - set(cupy_impl.__all__)
    for name in public:
        assert inspect.signature(getattr(cupy_impl, name)) == inspect.signature(getattr(numpy_impl, name)), name
    assert backend.impl(np) is numpy_impl


def test_every_array_function_neuralab_calls_exists_in_cupy():
    """Each ``xp.name`` (and ``xp.name.attr``) in neuralab's source is in CuPy's API too (runs where CuPy is
    installed, with or without a GPU; the fake backend lets through whatever NumPy has)."""
    import pathlib
    import re

    cupy = pytest.importorskip("cupy", reason="CuPy is not installed (pip install neuralab[gpu])")
    root = pathlib.Path(nl.__file__).parent
    used = set()
    for path in root.rglob("*.py"):
        for m in re.finditer(r"\bxp\.([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?", path.read_text()):
            used.add((m.group(1), m.group(2) or "", path.name))
    missing = [f"xp.{a}{'.' + b if b else ''} ({where})" for a, b, where in sorted(used)
               if not hasattr(cupy, a) or (b and hasattr(getattr(np, a, None), b) and not hasattr(getattr(cupy, a), b))]
    assert len(used) > 50 and not missing, missing


@pytest.fixture
def fresh_backend(monkeypatch):
    """The backend as in a new process (nothing imported, nothing switched on), restored afterwards."""
    saved = dict(backend._state), _op._xp_state["used"]
    backend._state.update(cupy=None, module=None, ndarray=None, used=False, checked=None)
    _op._xp_state["used"] = False
    yield monkeypatch
    backend._state.clear()
    backend._state.update(saved[0])
    _op._xp_state["used"] = saved[1]


def test_without_cupy_asking_for_a_gpu_is_a_clear_error(fresh_backend, capsys):
    fresh_backend.setitem(sys.modules, "cupy", None)
    for ask in (lambda: nl.device("gpu").__enter__(), lambda: nn.Dense(2, 2).to("gpu"),
                lambda: nl.tensor([1.0], device="gpu"), lambda: backend.to_device(np.ones(2), "cuda:0")):
        with pytest.raises(backend.DeviceError, match=r"CuPy is not installed.*pip install neuralab\[gpu\]"):
            ask()
    assert backend.available() == ["numpy"] and not backend.gpu_available()
    assert not _op._xp_state["used"]  # nothing switched the dispatch over
    import neuralab.compat.v1 as tf
    import neuralab.compat.v1.array_ops as A

    A._device_notice["shown"] = False
    with tf.device("/gpu:0"):
        c = tf.constant(2.0) * 3
    with tf.device("/device:GPU:0"):
        c = c + 1
    assert tf.Session().run(c) == 7.0
    err = capsys.readouterr().err
    assert err.count("placing ops on the CPU") == 1 and "CuPy is not installed" in err


def test_cupy_without_a_gpu_is_a_clear_error(fresh_backend):
    stub = types.ModuleType("cupy")
    stub.ndarray = type("ndarray", (), {})
    stub.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=lambda: 0))
    fresh_backend.setitem(sys.modules, "cupy", stub)
    with pytest.raises(backend.DeviceError, match=r"no usable GPU: CuPy sees no GPU"):
        with nl.device("gpu"):
            pass
    assert backend.available() == ["numpy"] and not _op._xp_state["used"]
    with pytest.raises(ValueError, match="expected 'cpu', 'gpu'"):
        backend.as_device("tpu")
    assert backend.as_device("/job:localhost/replica:0/task:0/device:GPU:1".split("/")[-1]) == "gpu:1"


def test_cli_device_gpu_without_a_gpu_is_one_line(fresh_backend, capsys):
    from neuralab import cli

    fresh_backend.setitem(sys.modules, "cupy", None)
    assert cli.main(["train", "--device", "gpu", "--epochs", "1"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("neuralab: error: --device gpu: CuPy is not installed")


# -- on a device -------------------------------------------------------------------------------------

def _record_params():
    return [pytest.param(RECORDS[n], id=n) for n in sorted(RECORDS) if n not in SKIP]


@pytest.fixture
def numpy_kernels():
    """The host side runs the NumPy kernels (not the optional Numba ones, which are CPU-only and agree with them
    to rounding): the reference the device results must equal."""
    from neuralab.backend import kernels

    old = kernels.use("numpy")
    yield
    kernels.use(old)


@pytest.mark.parametrize("rec", _record_params())
def test_op_record_forward_backward_and_compiled_on_the_device(gpu, rec, numpy_kernels):
    dt = np.float64 if np.dtype(np.float64) in [np.dtype(d) for d in rec.dtypes] else rec.dtypes[0]
    for k, sample in enumerate(rec.samples(dt)):
        what = f"{rec.name} sample {k}"
        host = _outs(rec.fn(*[nl.tensor(a) for a in sample]))
        with nl.device("gpu"):  # the inputs, and any constant the op makes, on the device
            dev = _outs(rec.fn(*[nl.tensor(a) for a in sample]))
        for h, d in zip(host, dev):
            _on_device(gpu, d)
            _same(gpu, d.numpy(), h.numpy(), what + " forward")
        if rec.differentiable:
            grads = []
            for where in ("cpu", "gpu"):
                with nl.device(where):
                    ts = [nl.tensor(a) for a in sample]
                    for t in ts:
                        if t.dtype.kind == "f":
                            t.requires_grad_(True)
                    total = None
                    for y in _outs(rec.fn(*ts)):
                        if y.dtype.kind == "f":
                            s = (y * y).sum()
                            total = s if total is None else total + s
                    total.backward()
                grads.append([t.grad for t in ts])
            for i, (h, d) in enumerate(zip(*grads)):
                if h is not None:
                    _on_device(gpu, d)
                    _same(gpu, d.numpy(), h.numpy(), f"{what} gradient {i}")
        f = nl.compile(lambda *xs: rec.fn(*xs))
        compiled = _outs(f(*[backend.to_device(a, "gpu") for a in sample]))
        for h, d in zip(host, compiled):
            _on_device(gpu, d)
            _same(gpu, d.numpy(), h.numpy(), what + " compiled")
        if k >= 1:
            break


def test_device_context_module_to_and_tensor_device(gpu):
    with nl.device("gpu") as dev:
        assert backend.current_device() == dev == "gpu:0"
        t = nl.tensor([1.0, 2.0])
        layer = nn.Dense(3, 2)
        with nl.device("cpu"):
            h = nl.tensor([1.0])
    assert backend.current_device() == "cpu"
    _on_device(gpu, t)
    assert all(isinstance(p.data, gpu.ndarray) for p in layer.parameters())
    assert type(h.data) is np.ndarray
    y = layer(np.ones((4, 3), np.float32))  # host input next to device weights: copied over, result on the device
    _on_device(gpu, y)
    assert type(y.numpy()) is np.ndarray and y.numpy().shape == (4, 2)
    m = nn.Sequential(nn.Dense(3, 4), nn.BatchNorm(4))
    before = m.state_dict()
    m.to("gpu")
    assert all(isinstance(t.data, gpu.ndarray) for _, t in m._named_state(("param", "buffer")))
    assert all(np.array_equal(before[k], v) for k, v in m.state_dict().items())
    m.load_state_dict(before)  # written in place, on the device
    assert all(isinstance(t.data, gpu.ndarray) for _, t in m._named_state(("param", "buffer")))
    m.to(device="cpu")
    assert all(type(t.data) is np.ndarray for _, t in m._named_state(("param", "buffer")))
    _on_device(gpu, nl.tensor(np.arange(3), device="gpu"))
    assert type(nl.tensor(t, device="cpu").data) is np.ndarray


def _cnn():
    return nn.Sequential(nn.Conv2D(1, 4, 3, activation="relu"), nn.BatchNorm(4), nn.MaxPool2D(2), nn.Flatten(),
                         nn.Dropout(0.3), nn.Dense(64, 16, activation="relu"), nn.Dense(16, 3))


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "rmsprop"])
def test_training_steps_on_the_device_match_the_host(gpu, optimizer, numpy_kernels):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 8, 8, 1)).astype(np.float32)
    y = rng.integers(0, 3, 48)
    states = []
    for where in ("cpu", "gpu"):
        nl.seed(0)
        model = _cnn().to(where)
        trainer = nl.Trainer(model, optimizer=optimizer, lr=0.01)
        hist = trainer.fit(x, y, epochs=2, batch_size=16)
        states.append((model.state_dict(), hist.history["loss"] if hasattr(hist, "history") else None))
        if where == "gpu":
            assert all(isinstance(p.data, gpu.ndarray) for p in model.parameters())
            flats = [fl for gs in trainer.optimizer._groups for fl in gs.flats]
            assert flats and all(isinstance(fl.state, gpu.ndarray) for fl in flats)  # moments on the device
    for k in states[0][0]:
        _same(gpu, states[1][0][k], states[0][0][k], f"{optimizer}: {k} after two epochs")


def test_transfers_happen_at_feed_and_fetch_only(gpu):
    if gpu.__name__ != "fakecupy":
        pytest.skip("counting transfers needs the instrumented fake backend")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(32, 8, 8, 1)).astype(np.float32)
    y = rng.integers(0, 3, 32)
    model = _cnn().to("gpu")
    model(backend.to_device(x[:2], "gpu"))
    trainer = nl.Trainer(model, optimizer="adam", lr=0.01)
    xb, yb = nl.tensor(x[:16]), nl.tensor(y[:16])
    trainer._train(xb, yb)  # traces
    before = dict(gpu.stats)
    for _ in range(3):
        trainer._train(xb, yb)
    # x and y once per step, and each dropout mask: drawn from neuralab's host generator (one seed, the same
    # masks on every backend) and copied over; constants were copied once, when the plan first ran
    masks = sum(1 for o in trainer._train.plan_for(xb, yb).ops if o.opname == "bernoulli_mask")
    assert masks == 1 and gpu.stats["to_device"] - before["to_device"] == 3 * (2 + masks)
    assert gpu.stats["to_host"] - before["to_host"] == 3 * masks  # (the mask's keep probability, for the draw)


def test_graph_plans_run_where_their_variables_are(gpu):
    w = nn.Parameter(np.arange(6, dtype=np.float32).reshape(3, 2))
    g = nl.Graph()
    with g.as_default():
        x = nl.placeholder((None, 3))
        out = nl.tanh(x @ w) + 1.0
    xs = np.ones((2, 3), np.float32)
    host = nl.run(out, {x: xs})
    w.data = backend.to_device(w.data, "gpu")
    got = nl.run(out, {x: xs})  # the same cached plan: now on the device, fed a host array, fetched to the host
    assert type(got) is np.ndarray
    _same(gpu, got, host, "nl.run on the device")
    with pytest.raises(backend.DeviceError, match="variables are on the CPU but it was fed GPU arrays"):
        w.data = backend.to_device(w.data, "cpu")
        nl.run(out, {x: backend.to_device(xs, "gpu")})
    v = nn.Parameter(np.ones(2, np.float32))
    v.data = backend.to_device(v.data, "gpu")
    with g.as_default():
        both = nl.sum(x @ w) + nl.sum(v)
    with pytest.raises(backend.DeviceError, match="reads variables on two devices"):
        nl.run(both, {x: xs})


def test_compat_v1_tf_device_places_variables_and_runs_there(gpu):
    import neuralab.compat.v1 as tf

    rng = np.random.default_rng(2)
    xs = rng.normal(size=(32, 6)).astype(np.float32)
    ys = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 32)]
    results = []
    for dev in ("/cpu:0", "/gpu:0"):
        tf.reset_default_graph()
        tf.set_random_seed(0)
        with tf.device(dev):
            X = tf.placeholder(tf.float32, [None, 6])
            Y = tf.placeholder(tf.float32, [None, 3])
            W = tf.Variable(tf.random_normal([6, 3], stddev=0.5, seed=1))
            b = tf.Variable(tf.zeros([3]))
            logits = tf.matmul(X, W) + b
            cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=Y))
        train = tf.train.GradientDescentOptimizer(0.5).minimize(cost)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            costs = [sess.run([cost, train], {X: xs, Y: ys})[0] for _ in range(5)]
            w = sess.run(W)
            if dev == "/gpu:0":
                assert isinstance(sess._store[W._var], gpu.ndarray)  # the session's value lives on the device
            assert type(w) is np.ndarray and isinstance(costs[0], np.floating)
        results.append((np.array(costs), w))
    assert results[0][0][-1] < results[0][0][0]
    _same(gpu, results[1][0], results[0][0], "costs")
    _same(gpu, results[1][1], results[0][1], "W")


def test_notes_cpu_vs_gpu_graph(gpu):
    """The notes' example: the same graph built under tf.device('/cpu:0') and '/gpu:0' (placeholders only)."""
    import neuralab.compat.v1 as tf

    rng = np.random.default_rng(3)
    vals = [rng.normal(size=(30, 40)) for _ in range(3)]
    out = []
    for dev in ("/cpu:0", "/gpu:0"):
        tf.reset_default_graph()
        with tf.device(dev):
            x, y, z = (tf.placeholder(tf.float32) for _ in range(3))
            c = tf.reduce_sum(x * y + z)
        grads = tf.gradients(c, [x, y, z])
        with tf.Session() as sess:
            moved = dict(gpu.stats) if gpu.__name__ == "fakecupy" else None
            out.append(sess.run([c, *grads], dict(zip((x, y, z), vals))))
            if moved is not None:
                assert gpu.stats["to_device"] - moved["to_device"] == (0 if dev == "/cpu:0" else 3)
    for a, b in zip(out[0], out[1]):
        _same(gpu, b, a, "the notes' graph")


def test_cli_train_on_the_device(gpu, capsys):
    from neuralab import cli

    assert cli.main(["train", "--dataset", "xor", "--epochs", "2", "--device", "gpu", "--layers", "8"]) == 0
    assert "Test accuracy:" in capsys.readouterr().out


def test_checkpoints_predict_and_evaluate_on_the_device(gpu, tmp_path):
    pytest.importorskip("safetensors")
    from neuralab.train import Checkpoint

    rng = np.random.default_rng(4)
    x = rng.normal(size=(40, 6)).astype(np.float32)
    y = rng.integers(0, 3, 40)

    def trainer():
        with nl.device("gpu"):
            model = nn.Sequential(nn.Dense(6, 8, activation="relu"), nn.BatchNorm(8), nn.Dense(8, 3))
        return nl.Trainer(model, optimizer="adam", lr=0.01)

    a = trainer()
    a.fit(x, y, epochs=2, batch_size=8, callbacks=[Checkpoint(tmp_path)])
    probs = a.predict(x, probabilities=True)
    assert type(probs) is np.ndarray and probs.shape == (40, 3)
    assert 0.0 <= a.evaluate(x, y)["accuracy"] <= 1.0
    b = trainer()
    b.fit(x, y, epochs=2, batch_size=8, resume_from=str(tmp_path / "last.safetensors"))  # nothing left to train
    assert all(isinstance(fl.state, gpu.ndarray) for gs in b.optimizer._groups for fl in gs.flats)
    for (k, v), w in zip(a.model.state_dict().items(), b.model.state_dict().values()):
        np.testing.assert_array_equal(w, v, err_msg=k)
    for st_a, st_b in zip(a.optimizer.state.values(), b.optimizer.state.values()):
        for key in st_a:
            np.testing.assert_array_equal(backend.to_numpy(st_b[key]), backend.to_numpy(st_a[key]), err_msg=key)
