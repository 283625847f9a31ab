"""neuralab.nn.module: Parameter/Buffer, registration order, state dicts, modes, containers."""
import numpy as np
import pytest

import neuralab as nl
from neuralab import nn
from neuralab.functional.activations import relu


class Block(nn.Module):
    """A child with a parameter, a buffer and a grandchild, assigned in that order."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(np.ones(3))
        self.count = nn.Buffer(np.zeros((), np.int64))
        self.fc = nn.Dense(3, 2)

    def forward(self, x):
        return self.fc(x * self.scale)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = nn.Dense(4, 3)
        self.temperature = nn.Parameter([1.0])
        self.block = Block()
        self.head = nn.Sequential(nn.Dense(2, 2), nn.ReLU(), nn.Dense(2, 1))
        self.note = "plain attributes are not registered"

    def forward(self, x):
        return self.head(self.block(self.first(x) / self.temperature))


KEYS = ["first.weight", "first.bias", "temperature", "block.scale", "block.count", "block.fc.weight",
        "block.fc.bias", "head.0.weight", "head.0.bias", "head.2.weight", "head.2.bias"]


# ------------------------------------------------------------------------------ Parameter
def test_parameter_is_a_trainable_float_tensor():
    p = nn.Parameter([1, 2, 3])
    assert isinstance(p, nl.Tensor) and p.requires_grad and p.is_leaf
    assert p.dtype == np.float32  # ints/lists become the default float
    assert nn.Parameter(np.zeros(2)).dtype == np.float64  # a floating array keeps its dtype
    assert nn.Parameter(np.zeros(2), dtype="float32").dtype == np.float32
    assert not nn.Parameter([1.0], requires_grad=False).requires_grad
    with pytest.raises(TypeError, match="floating"):
        nn.Parameter([1, 2], dtype="int64")
    assert repr(nn.Parameter([1.0])).startswith("Parameter(")


def test_parameter_gradients_accumulate():
    p = nn.Parameter(np.array([1.0, 2.0]))
    (p * p).sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), [2.0, 4.0])


def test_buffer_never_requires_grad():
    b = nn.Buffer(np.arange(3))
    assert b.dtype == np.int64 and not b.requires_grad
    with pytest.raises(TypeError):
        b.requires_grad_(True)
    assert nn.Buffer([0.5]).dtype == np.float32


# --------------------------------------------------------------------------- registration
def test_registration_order_and_dotted_state_dict_keys():
    net = Net()
    assert list(net.state_dict()) == KEYS
    assert [n for n, _ in net.named_parameters()] == [k for k in KEYS if k != "block.count"]
    assert [n for n, _ in net.named_buffers()] == ["block.count"]
    assert [n for n, _ in net.named_children()] == ["first", "block", "head"]
    assert [n for n, _ in net.named_modules()] == ["", "first", "block", "block.fc", "head", "head.0", "head.1",
                                                   "head.2"]
    assert net.modules()[0] is net and len(net.children()) == 3
    assert all(isinstance(p, nn.Parameter) for p in net.parameters())
    assert "note" not in net.state_dict() and net.note.startswith("plain")


def test_state_dict_values_are_numpy_copies():
    net = Net()
    sd = net.state_dict()
    assert all(isinstance(v, np.ndarray) for v in sd.values())
    np.testing.assert_array_equal(sd["first.weight"], net.first.weight.numpy())
    sd["first.weight"][...] = 123.0
    assert not np.any(net.first.weight.numpy() == 123.0)


def test_reassignment_keeps_position_and_kind_changes():
    net = Net()
    net.temperature = nn.Parameter([2.0])  # same slot: position kept
    assert list(net.state_dict()) == KEYS
    with pytest.raises(TypeError, match="parameter 'temperature'"):
        net.temperature = nl.tensor([3.0])  # a plain Tensor is not a Parameter
    net.block.count = np.array(5)  # buffers accept arrays and stay buffers
    assert isinstance(net.block.count, nn.Buffer) and net.state_dict()["block.count"] == 5
    del net.temperature
    assert "temperature" not in net.state_dict()
    with pytest.raises(AttributeError):
        net.temperature  # noqa: B018


def test_shared_parameters_are_listed_once():
    shared = nn.Dense(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(model.parameters()) == 2
    assert model.num_parameters() == 12
    assert list(model.state_dict()) == ["0.weight", "0.bias"]  # the same module object is visited once


def test_assigning_state_before_super_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter([1.0])
            super().__init__()

    with pytest.raises(AttributeError, match="super"):
        Bad()


def test_register_helpers_and_none_slots():
    m = nn.Module()
    m.register_parameter("w", None)
    m.register_buffer("stat", np.zeros(2))
    m.add_module("child", nn.Dense(2, 2))
    assert m.w is None and list(m.state_dict()) == ["stat", "child.weight", "child.bias"]
    m.w = nn.Parameter([1.0, 2.0])
    assert list(m.state_dict()) == ["w", "stat", "child.weight", "child.bias"]  # the reserved slot comes first
    with pytest.raises(KeyError):
        m.register_parameter("a.b", None)
    with pytest.raises(TypeError):
        m.register_parameter("z", nl.tensor([1.0]))


def test_num_parameters_and_freezing():
    net = Net()
    total = 4 * 3 + 3 + 1 + 3 + 3 * 2 + 2 + 2 * 2 + 2 + 2 * 1 + 1
    assert net.num_parameters() == total
    net.first.requires_grad_(False)
    assert net.num_parameters(trainable_only=True) == total - 15


# -------------------------------------------------------------------------- load_state_dict
def test_load_state_dict_round_trip():
    nl.seed(1)
    a, b = Net(), Net()
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    assert not np.allclose(a(x).numpy(), b(x).numpy())
    w_before = b.first.weight
    compiled = nl.compile(lambda t: b(t))
    compiled(x)
    res = b.load_state_dict(a.state_dict())
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert b.first.weight is w_before  # written in place
    np.testing.assert_array_equal(b(x).numpy(), a(x).numpy())
    np.testing.assert_array_equal(compiled(x).numpy(), a(x).numpy())  # compiled replays see the new values
    for k, v in a.state_dict().items():
        np.testing.assert_array_equal(b.state_dict()[k], v)


def test_load_state_dict_accepts_tensors_and_casts():
    m = nn.Dense(2, 2)
    m.load_state_dict({"weight": nl.tensor(np.eye(2)), "bias": np.array([1, 2])})
    assert m.weight.dtype == np.float32 and m.bias.dtype == np.float32
    np.testing.assert_array_equal(m.bias.numpy(), [1.0, 2.0])


def test_load_state_dict_errors_name_the_keys_and_shapes():
    net = Net()
    sd = net.state_dict()
    before = net.state_dict()
    bad = dict(sd)
    del bad["block.fc.bias"]
    bad["extra.weight"] = np.zeros(1)
    bad["first.weight"] = np.zeros((4, 3)) + 7  # would change, but nothing is written on error
    with pytest.raises(nn.StateDictError) as e:
        net.load_state_dict(bad)
    msg = str(e.value)
    assert "missing key(s): 'block.fc.bias'" in msg and "unexpected key(s): 'extra.weight'" in msg
    np.testing.assert_array_equal(net.first.weight.numpy(), before["first.weight"])

    wrong = dict(sd, **{"head.0.weight": np.zeros((3, 2))})
    with pytest.raises(nn.StateDictError, match=r"shape mismatch for 'head.0.weight'.*\(2, 2\).*\(3, 2\)"):
        net.load_state_dict(wrong)
    with pytest.raises(nn.StateDictError, match="shape mismatch"):
        net.load_state_dict(wrong, strict=False)  # shapes are checked even when not strict

    partial = {k: v for k, v in sd.items() if k.startswith("first.")}
    partial["junk"] = np.zeros(1)
    res = net.load_state_dict(partial, strict=False)
    assert "block.fc.bias" in res.missing_keys and res.unexpected_keys == ["junk"]
    assert isinstance(nn.StateDictError("x"), KeyError)


def test_load_state_dict_builds_lazy_layers():
    src = nn.Sequential(nn.Dense(6, 4), nn.BatchNorm(4), nn.Dense(4, 2))
    dst = nn.Sequential(nn.Dense(None, 4), nn.BatchNorm(), nn.Dense(2))
    assert dst.state_dict() == {}
    dst.load_state_dict(src.state_dict())
    assert dst[0].in_features == 6 and dst[1].num_features == 4
    x = np.ones((3, 6), np.float32)
    src.eval(), dst.eval()
    np.testing.assert_array_equal(src(x).numpy(), dst(x).numpy())


# ------------------------------------------------------------------------------ modes, grads
def test_train_eval_propagate_recursively():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.block.train()
    assert net.block.fc.training and not net.head.training and not net.training
    net.train(True)
    assert all(m.training for m in net.modules())


def test_zero_grad():
    net = Net()
    x = np.ones((2, 4), np.float32)
    net(x).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.numpy() == 0) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_call_runs_forward_and_base_forward_raises():
    with pytest.raises(NotImplementedError):
        nn.Module()(1)


def test_to_dtype_converts_state_and_later_builds():
    net = Net().to("float64")
    assert all(t.dtype == np.float64 for _, t in net.named_parameters())
    assert net.block.count.dtype == np.int64  # non-floating buffers are left alone
    lazy = nn.Dense(3).to(np.float64)
    lazy(np.ones((1, 5)))
    assert lazy.weight.dtype == np.float64


def test_functional_call_substitutes_and_restores():
    layer = nn.Dense(3, 2)
    w = nl.tensor(np.ones((3, 2), np.float32), requires_grad=True)
    y = nn.functional_call(layer, {"weight": w}, np.ones((1, 3), np.float32))
    np.testing.assert_allclose(y.numpy(), [[3.0, 3.0]])
    assert isinstance(layer.weight, nn.Parameter) and layer.weight is not w
    y.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.ones((3, 2)))
    net = Net()
    with pytest.raises(KeyError, match="nope"):
        nn.functional_call(net, {"block.nope": w}, np.ones((1, 4)))
    assert isinstance(net.block.fc.weight, nn.Parameter)


# ------------------------------------------------------------------------------ containers
def test_module_list():
    blocks = nn.ModuleList(nn.Dense(2, 2) for _ in range(3))
    assert len(blocks) == 3 and isinstance(blocks[1], nn.Dense)
    extra = nn.Dense(2, 2)
    blocks.append(extra)
    assert blocks[-1] is extra and list(blocks.state_dict())[-1] == "3.bias"
    first = nn.Dense(2, 2)
    blocks.insert(0, first)
    assert blocks[0] is first and [n for n, _ in blocks.named_children()] == ["0", "1", "2", "3", "4"]
    assert len(blocks[1:3]) == 2 and isinstance(blocks[1:3], nn.ModuleList)
    del blocks[0]
    assert blocks[0] is not first and len(blocks) == 4
    with pytest.raises(TypeError):
        blocks.append(lambda x: x)
    with pytest.raises(NotImplementedError):
        blocks(np.ones(2))


def test_sequential_chains_indexes_appends():
    nl.seed(0)
    model = nn.Sequential(nn.Dense(3, 4), relu, nn.Dense(4, 2))
    assert len(model) == 3 and isinstance(model[1], nn.Lambda)
    x = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    w0, b0, w2, b2 = (p.numpy() for p in model.parameters())
    ref = np.maximum(x @ w0 + b0, 0) @ w2 + b2
    np.testing.assert_allclose(model(x).numpy(), ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model[:2](x).numpy(), np.maximum(x @ w0 + b0, 0), rtol=1e-5, atol=1e-6)
    model.append(nn.Softmax())
    assert len(model) == 4
    np.testing.assert_allclose(model(x).numpy().sum(axis=1), 1.0, rtol=1e-5)
    named = nn.Sequential({"fc": nn.Dense(3, 2), "act": nn.Tanh()})
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"] and isinstance(named["act"], nn.Tanh)
    with pytest.raises(TypeError):
        nn.Sequential(3)


def test_repr_is_readable():
    model = nn.Sequential(nn.Dense(784, 256, activation="relu"), nn.Dropout(0.3), nn.Dense(256, 10))
    text = repr(model)
    assert text.splitlines()[0] == "Sequential("
    assert "(0): Dense(in_features=784, out_features=256, activation=relu)" in text
    assert "(1): Dropout(rate=0.3)" in text and text.endswith(")")
    assert "block): Block(" in repr(Net())
    assert repr(nn.Dense(3, 2, activation=nn.PReLU())).splitlines()[:3] == [
        "Dense(", "  in_features=3, out_features=2", "  (activation): PReLU(num_parameters=1, init=0.25)"]


def test_deepcopy_and_pickle_give_independent_models():
    import copy
    import pickle

    model = nn.Sequential(nn.Dense(3, 2, activation="relu"), nn.BatchNorm(2))
    x = np.ones((2, 3), np.float32)
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert list(clone.state_dict()) == list(model.state_dict())
        assert isinstance(clone[0].weight, nn.Parameter) and clone[0].weight is not model[0].weight
        np.testing.assert_array_equal(clone.eval()(x).numpy(), model.eval()(x).numpy())
        clone[0].weight.data[...] = 0
        assert np.any(model[0].weight.numpy() != 0)
