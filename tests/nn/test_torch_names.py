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
