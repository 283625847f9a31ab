"""nn.Embedding and the take primitive: values, scatter-add gradients, padding_idx, errors, PyTorch parity,
eager == compiled == graph; and the bundled sequence data."""
import numpy as np
import pytest

import neuralab as nl
from neuralab import data, nn
from neuralab.data import sequences
from neuralab.ops.indexing import IndexRangeError, scatter_add_rows
from neuralab.testing import gradcheck


def test_lookup_values_and_shapes():
    emb = nn.Embedding(10, 3, dtype="float64")
    ids = np.array([[1, 2, 2], [9, 0, 1]])
    y = emb(ids)
    assert y.shape == (2, 3, 3) and y.dtype == np.float64
    np.testing.assert_array_equal(y.numpy(), emb.weight.numpy()[ids])
    assert emb(np.array(4)).shape == (3,)
    assert repr(emb) == "Embedding(10, 3)"


def test_gradient_is_a_scatter_add_of_repeated_rows():
    emb = nn.Embedding(5, 2, dtype="float64")
    ids = np.array([[0, 3, 3], [3, 1, 0]])
    w = np.arange(12.0).reshape(2, 3, 2)
    with nl.enable_grad():
        nl.sum(emb(ids) * nl.tensor(w)).backward()
    want = np.zeros((5, 2))
    for (i, j), r in np.ndenumerate(ids):
        want[r] += w[i, j]
    np.testing.assert_array_equal(emb.weight.grad.numpy(), want)
    rng = np.random.default_rng(0)
    g, idx = rng.standard_normal((7, 4, 3)), rng.integers(0, 6, (7, 4))
    ref = np.zeros((6, 3))
    np.add.at(ref, idx, g)
    np.testing.assert_allclose(scatter_add_rows(np, g, idx, 6), ref, rtol=1e-12, atol=1e-12)


def test_padding_idx_row_starts_at_zero_and_gets_no_gradient():
    emb = nn.Embedding(6, 4, padding_idx=-1, dtype="float64")
    assert emb.padding_idx == 5 and np.all(emb.weight.numpy()[5] == 0)
    emb.weight.data[5] = 7.0  # the forward still returns the row's values (as PyTorch)
    ids = np.array([5, 2, 5, 0])
    y = emb(ids)
    np.testing.assert_array_equal(y.numpy()[0], np.full(4, 7.0))
    with nl.enable_grad():
        nl.sum(y * y).backward()
    g = emb.weight.grad.numpy()
    assert np.all(g[5] == 0)
    np.testing.assert_allclose(g[2], 2 * emb.weight.numpy()[2])
    assert np.all(g[[1, 3, 4]] == 0)


def test_gradcheck_and_double_backward_of_a_lookup():
    rng = np.random.default_rng(0)
    table, ids = rng.standard_normal((5, 3)), np.array([[0, 4, 4], [2, 0, 1]])
    assert gradcheck(lambda t: nl.embedding(ids, t) ** 2, [table])
    t = nl.tensor(table, requires_grad=True)
    with nl.enable_grad():
        (g,) = nl.gradients(nl.sum(nl.embedding(ids, t) ** 3), [t], create_graph=True)
        (gg,) = nl.gradients(nl.sum(g), [t])
    counts = np.bincount(ids.ravel(), minlength=5)[:, None]
    np.testing.assert_allclose(gg.numpy(), 6 * table * counts, rtol=1e-12)


def test_index_errors_name_the_op_and_the_index():
    emb = nn.Embedding(10, 2)
    with pytest.raises(IndexRangeError, match=r"embedding: index 12 is out of range for a table of 10 rows"):
        emb(np.array([1, 12, 3]))
    with pytest.raises(IndexError, match=r"embedding: index -1 is out of range"):
        emb(np.array([-1, 2]))
    with pytest.raises(nl.DTypeError, match=r"embedding: indices must be integers, got float64"):
        emb(np.array([1.0, 2.0]))
    with pytest.raises(IndexError, match=r"take: index 3 is out of range for a table of 3 rows"):
        nl.take(np.zeros((3, 2)), [0, 3])
    X = nl.placeholder((None,), "int64")  # in a graph the check happens when it runs
    y = emb(X)
    assert y.shape == (None, 2)
    with pytest.raises(IndexRangeError, match="index 10"):
        nl.run(y, {X: [0, 10]})
    with pytest.raises(ValueError, match="padding_idx 10 is out of range"):
        nn.Embedding(10, 2, padding_idx=10)
    with pytest.raises(ValueError, match="embedding_dim"):
        nn.Embedding(10, 0)


def test_from_pretrained_freezes_by_default():
    w = np.arange(6.0).reshape(3, 2)
    emb = nn.Embedding.from_pretrained(w)
    assert not emb.weight.requires_grad and emb.weight.dtype == np.float64
    np.testing.assert_array_equal(emb(np.array([2])).numpy(), [[4.0, 5.0]])
    assert nn.Embedding.from_pretrained(w, freeze=False).weight.requires_grad
    assert nn.Embedding.from_pretrained(w, padding_idx=0).padding_idx == 0


def test_matches_pytorch_embedding_with_padding():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (the optional test oracle)")
    torch.manual_seed(0)
    theirs = torch.nn.Embedding(7, 3, padding_idx=2).double()
    ours = nn.Embedding(7, 3, padding_idx=2, dtype="float64")
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    ids = np.array([[2, 1, 6], [0, 2, 1]])
    u = np.random.default_rng(0).standard_normal((2, 3, 3))
    (theirs(torch.tensor(ids)) * torch.tensor(u)).sum().backward()
    with nl.enable_grad():
        nl.sum(ours(ids) * nl.tensor(u)).backward()
    np.testing.assert_array_equal(ours(ids).numpy(), theirs(torch.tensor(ids)).detach().numpy())
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=0, atol=1e-12)


def test_eager_compiled_and_graph_agree():
    emb = nn.Embedding(8, 4, padding_idx=0)

    def f(ids):
        y = emb(ids)
        return y, nl.gradients(nl.sum(y * y), [emb.weight])[0]

    ids1, ids2 = np.array([[0, 3], [7, 3]]), np.array([[1, 1], [0, 6]])
    cf = nl.compile(f)
    for ids in (ids1, ids2):
        with nl.enable_grad():
            want = [t.numpy() for t in f(nl.tensor(ids))]
        got = [t.numpy() for t in cf(ids)]
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)
    assert cf.trace_count == 1
    with nl.Graph().as_default():
        X = nl.placeholder((2, 2), "int64")
        got = nl.run(list(f(X)), {X: ids1})
    with nl.enable_grad():
        want = [t.numpy() for t in f(nl.tensor(ids1))]
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------------------
# the bundled sequence data
# ---------------------------------------------------------------------------------------

def test_bundled_corpus_and_windows():
    text = data.lectures_text()
    assert len(text) == 1191 and text.startswith("A neural network") and "hihello" in text
    chars, index = data.char_vocab(text)
    ids = sequences.encode(text, chars)
    assert sequences.decode(ids, chars) == text and index[chars[3]] == 3
    x, y = data.windows(ids, 10)
    np.testing.assert_array_equal(x[5, 1:], y[5, :-1])
    with pytest.raises(ValueError, match="not in the vocabulary"):
        sequences.encode("hi!", ["h", "i"])


def test_bundled_stock_csv_is_the_documented_random_walk():
    prices = data.stock_daily()
    assert prices.shape == (500, 5) and prices.dtype == np.float32
    made = sequences.make_stock_daily(500, seed=2017)
    np.testing.assert_allclose(prices, made, rtol=1e-6, atol=0.011)
    o, h, lo, v, c = prices.T
    assert np.all(h >= np.maximum(o, c)) and np.all(lo <= np.minimum(o, c)) and np.all(v > 0)
    x, y = data.windows(prices, 7, target=4)
    assert x.shape == (493, 7, 5) and y.shape == (493,)
    np.testing.assert_array_equal(y[0], prices[7, 4])
