"""PyTorch's names over neuralab's definitions: nn.functional, loss modules, nn.utils (issue 9)."""
import numpy as np
import pytest

import neuralab as nl
import neuralab.nn.functional as F
from neuralab import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(0)
LOGITS = RNG.normal(size=(6, 4))
LABELS = RNG.integers(0, 4, size=6)
LOGITS3 = RNG.normal(size=(2, 4, 3))  # (N, C, T): classes on dimension 1, as in PyTorch
LABELS3 = RNG.integers(0, 4, size=(2, 3))


def _t(a):
    return torch.tensor(a)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_match_torch(reduction):
    cases = [
        (F.cross_entropy, TF.cross_entropy, LOGITS, LABELS),
        (F.cross_entropy, TF.cross_entropy, LOGITS3, LABELS3),
        (F.cross_entropy, TF.cross_entropy, LOGITS, np.eye(4)[LABELS] * 0.7 + 0.075),
        (F.nll_loss, TF.nll_loss, np.log(np.full((6, 4), 0.25)), LABELS),
        (F.mse_loss, TF.mse_loss, LOGITS, LOGITS[::-1].copy()),
        (F.binary_cross_entropy, TF.binary_cross_entropy, 1 / (1 + np.exp(-LOGITS)), (LOGITS > 0) * 1.0),
        (F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits, LOGITS, (LOGITS > 0) * 1.0),
    ]
    for ours, ref, x, y in cases:
        got = ours(nl.tensor(x), nl.tensor(y), reduction=reduction).numpy()
        want = ref(_t(x), _t(y), reduction=reduction).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6, err_msg=ours.__name__)


def test_loss_modules_and_their_gradients_match_torch():
    for ours, ref, y in ((nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), LABELS),
                         (nn.MSELoss(reduction="sum"), torch.nn.MSELoss(reduction="sum"), LOGITS[::-1].copy())):
        x = nl.tensor(LOGITS, requires_grad=True)
        xt = _t(LOGITS).requires_grad_(True)
        loss = ours(x, nl.tensor(y))
        loss.backward()
        lt = ref(xt, _t(y))
        lt.backward()
        np.testing.assert_allclose(loss.numpy(), lt.detach().numpy(), rtol=1e-10)
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert "reduction='sum'" in repr(nn.MSELoss(reduction="sum"))
    with pytest.raises(ValueError, match="reduction"):
        nn.CrossEntropyLoss(reduction="avg")
    with pytest.raises(nl.LabelError):
        nn.CrossEntropyLoss()(nl.tensor(LOGITS), nl.tensor(LABELS + 4))


def test_activations_linear_dropout_and_one_hot():
    x = LOGITS
    for ours, ref in ((F.relu, TF.relu), (F.sigmoid, torch.sigmoid), (F.tanh, torch.tanh), (F.selu, TF.selu),
                      (F.softplus, TF.softplus), (lambda a: F.softmax(a, dim=1), lambda a: TF.softmax(a, dim=1)),
                      (lambda a: F.log_softmax(a, dim=0), lambda a: TF.log_softmax(a, dim=0)),
                      (lambda a: F.leaky_relu(a, 0.2), lambda a: TF.leaky_relu(a, 0.2)),
                      (lambda a: F.elu(a, 0.5), lambda a: TF.elu(a, 0.5))):
        np.testing.assert_allclose(ours(nl.tensor(x)).numpy(), ref(_t(x)).numpy(), rtol=1e-6, atol=1e-7)
    w, b = RNG.normal(size=(3, 4)), RNG.normal(size=3)
    np.testing.assert_allclose(F.linear(nl.tensor(x), nl.tensor(w), nl.tensor(b)).numpy(),
                               TF.linear(_t(x), _t(w), _t(b)).numpy(), rtol=1e-10)
    np.testing.assert_array_equal(F.dropout(nl.tensor(x), p=0.3, training=False).numpy(), x)
    y = F.dropout(nl.tensor(np.ones((200, 50))), p=0.5).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0} and abs(y.mean() - 1.0) < 0.05
    oh = F.one_hot(nl.tensor(LABELS))
    assert oh.dtype == np.int64
    np.testing.assert_array_equal(oh.numpy(), TF.one_hot(_t(LABELS)).numpy())


def test_clip_grad_norm_underscore_matches_torch():
    g = RNG.normal(size=(5,)) * 10
    w = nl.tensor(np.zeros(5), requires_grad=True)
    (w * nl.tensor(g)).sum().backward()
    total = nn.utils.clip_grad_norm_([w], max_norm=1.0)
    wt = torch.zeros(5, dtype=torch.float64, requires_grad=True)
    (wt * _t(g)).sum().backward()
    ref_total = torch.nn.utils.clip_grad_norm_([wt], max_norm=1.0)
    assert total == pytest.approx(float(ref_total), rel=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-6)
    nn.utils.clip_grad_value_([w], 0.01)
    assert np.abs(w.grad.numpy()).max() <= 0.01


# -- core names and rules PyTorch users reach for (issue 9) ---------------------------------------------

def test_view_cat_and_manual_seed():
    x = nl.tensor(np.arange(6.0), requires_grad=True)
    v = x.view(2, 3)
    assert v.shape == (2, 3) and x.view((3, 2)).shape == (3, 2)
    v.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones(6))
    a, b = np.ones((2, 3)), np.zeros((1, 3))
    np.testing.assert_array_equal(nl.cat([nl.tensor(a), nl.tensor(b)]).numpy(),
                                  torch.cat([_t(a), _t(b)]).numpy())
    np.testing.assert_array_equal(nl.cat([nl.tensor(a), nl.tensor(a)], dim=1).numpy(), np.concatenate([a, a], 1))
    nl.manual_seed(5)
    d1 = F.dropout(nl.tensor(np.ones(50)), p=0.5).numpy()
    nl.manual_seed(5)
    np.testing.assert_array_equal(F.dropout(nl.tensor(np.ones(50)), p=0.5).numpy(), d1)


def test_a_second_backward_through_a_released_graph_raises_as_in_pytorch():
    w = nl.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 4.0])
    with pytest.raises(nl.NeuralabError, match="backward through the graph a second time.*retain_graph=True"):
        loss.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 4.0])  # nothing was added again


def test_retain_graph_allows_a_second_backward_that_accumulates():
    w = nl.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * nl.exp(w)).sum()  # exp keeps its output for backward
    loss.backward(retain_graph=True)
    loss.backward()
    wt = torch.tensor([1.0, 2.0], requires_grad=True)
    lt = (wt * torch.exp(wt)).sum()
    lt.backward(retain_graph=True)
    lt.backward()
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-6)
    with pytest.raises(nl.NeuralabError, match="second time"):
        loss.backward()


def test_create_graph_retains_by_default_and_a_fresh_forward_is_fine():
    x = nl.tensor(3.0, requires_grad=True)
    y = x * x * x
    y.backward(create_graph=True)  # dy/dx = 3x² = 27, itself differentiable
    g = x.grad
    x.grad = None
    g.backward()  # d²y/dx² = 6x = 18
    assert float(x.grad) == pytest.approx(18.0)
    for _ in range(3):  # a new graph each iteration: no error
        w = nl.tensor([1.0], requires_grad=True)
        (w * 2).sum().backward()


def test_tensor_of_strings_or_objects_raises():
    for bad in (np.array(["a", "b"]), np.array([1, "x"], dtype=object), ["a"], np.array([{}])):
        with pytest.raises(nl.DTypeError, match="cannot be a tensor"):
            nl.tensor(bad)


def test_he_normal_of_a_1d_shape_raises():
    with pytest.raises(ValueError, match=r"he_normal: needs a weight of at least 2 dimensions.*\(5,\)"):
        nl.init.he_normal((5,))
    with pytest.raises(ValueError):
        torch.nn.init.kaiming_normal_(torch.zeros(5))  # PyTorch refuses it too
    assert nl.init.he_normal((5, 3), rng=0).shape == (5, 3)
