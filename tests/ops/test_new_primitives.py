"""The primitives added for TF 1.x programs, beyond what their OpInfo records check.

Values against hand-computed results where TF's semantics differ from or refine
NumPy's (floormod's sign, round half to even, top_k's tie rule, cumsum's
exclusive/reverse flags), gradients at the hard points (prod with zeros, mod's
d/db), graph mode on placeholders of unknown sizes and unknown rank giving the
values and gradients of known shapes, run-time shapes (shape_of, reshape to a
shape tensor, full/zeros/ones, random draws), dropout's noise_shape, and the
errors naming the op, the argument and the shapes.
"""
import numpy as np
import pytest

import neuralab as nl
from neuralab.functional import dropout
from neuralab.ops.shape import DynamicReshape, Reshape
from neuralab.testing import gradcheck, gradgradcheck

F64 = np.float64


def _graph_values_and_grads(fn, values, shapes):
    """fn's output and d sum(fn * w) / d inputs from a graph on placeholders of ``shapes``."""
    with nl.Graph().as_default():
        phs = [nl.placeholder(s, v.dtype) for s, v in zip(shapes, values)]
        y = fn(*phs)
        w = nl.tensor(np.random.default_rng(0).standard_normal(np.shape(fn(*[nl.tensor(v) for v in values]))))
        grads = nl.gradients(nl.sum(y * w), [p for p, v in zip(phs, values) if v.dtype.kind == "f"])
        return nl.run([y] + grads, dict(zip(phs, values)))


def _eager_values_and_grads(fn, values):
    ts = [nl.tensor(v, requires_grad=v.dtype.kind == "f") for v in values]
    with nl.enable_grad():
        y = fn(*ts)
        w = nl.tensor(np.random.default_rng(0).standard_normal(y.shape))
        grads = nl.gradients(nl.sum(y * w), [t for t in ts if t.requires_grad])
    return [y.numpy()] + [g.numpy() for g in grads]


# ---------------------------------------------------------------------------------------
# elementwise
# ---------------------------------------------------------------------------------------

def test_mod_takes_the_sign_of_the_divisor_like_python_and_tf_floormod():
    a = np.array([-7.0, 7.0, -7.0, 7.0, 5.5, -5.5])
    b = np.array([3.0, -3.0, -3.0, 3.0, 2.0, 2.0])
    np.testing.assert_array_equal(nl.mod(nl.tensor(a), nl.tensor(b)).numpy(), [2, -2, -1, 1, 1.5, 0.5])
    ints = nl.mod(nl.tensor([-7, 7, -7, 7]), nl.tensor([3, -3, -3, 3]))
    assert ints.dtype == np.int64
    np.testing.assert_array_equal(ints.numpy(), [(-7) % 3, 7 % -3, (-7) % -3, 7 % 3])
    np.testing.assert_array_equal(nl.floor_divide(nl.tensor([-7, 7, -7, 7]), nl.tensor([2, -2, -2, 2])).numpy(),
                                  [-7 // 2, 7 // -2, -7 // -2, 7 // 2])
    np.testing.assert_array_equal(nl.floor_divide(nl.tensor(a), nl.tensor(b)).numpy(), [-3, -3, 2, 2, 2, -3])


def test_mod_gradient_is_one_and_minus_floor_of_the_quotient():
    a, b = np.array([7.0, -7.0, 2.5]), np.array([3.0, 3.0, -2.0])
    for got in (_eager_values_and_grads(nl.mod, [a, b]), _graph_values_and_grads(nl.mod, [a, b], [(3,), (3,)])):
        w = np.random.default_rng(0).standard_normal(3)
        np.testing.assert_allclose(got[1], w)
        np.testing.assert_allclose(got[2], -w * np.floor(a / b))  # -floor: [-2, 3, 2]


def test_round_halves_to_even_and_rounding_ops_keep_integers():
    x = nl.tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49, 2.51])
    np.testing.assert_array_equal(nl.round(x).numpy(), [0, 2, 2, -0.0, -2, -2, 0, 3])
    assert nl.round(x).dtype == np.float32
    np.testing.assert_array_equal(nl.floor(nl.tensor([-1.5, 1.5])).numpy(), [-2, 1])
    np.testing.assert_array_equal(nl.ceil(nl.tensor([-1.5, 1.5])).numpy(), [-1, 2])
    for op in (nl.floor, nl.ceil, nl.round):
        y = op(nl.tensor(np.array([3, -4], np.int32)))
        assert y.dtype == np.int32 and y.numpy().tolist() == [3, -4]


@pytest.mark.parametrize("op", [nl.floor, nl.ceil, nl.round], ids=["floor", "ceil", "round"])
def test_rounding_passes_no_gradient(op):
    x = np.array([0.3, 1.7, -2.2])
    t = nl.tensor(x, requires_grad=True)
    with nl.enable_grad():
        assert nl.gradients(nl.sum(op(t) * 2.0), [t]) == [None]
        (gx,) = nl.gradients(nl.sum(op(t) * t), [t])  # only the second factor's path carries a gradient
    np.testing.assert_array_equal(gx.numpy(), op(nl.tensor(x)).numpy())
    assert not op(t).requires_grad


@pytest.mark.parametrize("op, name", [(nl.floor_divide, "floor_divide"), (nl.mod, "mod")])
def test_integer_division_by_zero_raises_eagerly_and_when_a_graph_runs(op, name):
    a, b = np.array([7, -7, 1]), np.array([2, 0, 0])
    with pytest.raises(nl.IntegerDivisionError, match=f"{name}: integer division by zero.*2 zero entries"):
        op(nl.tensor(a), nl.tensor(b))
    with nl.Graph().as_default():
        pa, pb = nl.placeholder((3,), np.int64), nl.placeholder((None,), np.int64)
        y = op(pa, pb)
        np.testing.assert_array_equal(nl.run(y, {pa: a, pb: [1, 2, 3]}), op(nl.tensor(a), nl.tensor([1, 2, 3])).numpy())
        with pytest.raises(ZeroDivisionError, match=name):
            nl.run(y, {pa: a, pb: b})
    with np.errstate(divide="ignore", invalid="ignore"):  # floats follow IEEE (inf for //, nan for %), as TF
        y = op(nl.tensor([1.0]), nl.tensor([0.0])).numpy()[0]
    assert np.isinf(y) if name == "floor_divide" else np.isnan(y)


def test_predicates_on_specials_and_integers():
    x = nl.tensor([np.nan, np.inf, -np.inf, 0.0, -1.5])
    assert nl.isnan(x).numpy().tolist() == [True, False, False, False, False]
    assert nl.isinf(x).numpy().tolist() == [False, True, True, False, False]
    assert nl.isfinite(x).numpy().tolist() == [False, False, False, True, True]
    i = nl.tensor([1, -2])
    assert nl.isnan(i).numpy().tolist() == [False, False] and nl.isfinite(i).numpy().tolist() == [True, True]
    assert nl.logical_xor(nl.tensor([True, True, False]), nl.tensor([True, False, False])).numpy().tolist() == \
        [False, True, False]


def test_sin_cos_values_and_second_derivatives():
    x = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(nl.sin(nl.tensor(x)).numpy(), np.sin(x), rtol=1e-15)
    t = nl.tensor(x, requires_grad=True)
    with nl.enable_grad():
        (g1,) = nl.gradients(nl.sum(nl.sin(t)), [t], create_graph=True)
        (g2,) = nl.gradients(nl.sum(g1), [t])
    np.testing.assert_allclose(g1.numpy(), np.cos(x), rtol=1e-14)
    np.testing.assert_allclose(g2.numpy(), -np.sin(x), rtol=1e-14, atol=1e-15)
    assert nl.cos(nl.tensor([1, 2])).dtype == nl.default_float()  # integers promote, as for exp


# ---------------------------------------------------------------------------------------
# reductions and scans
# ---------------------------------------------------------------------------------------

def test_prod_gradient_is_the_product_of_the_others_with_zeros():
    for x, want in [([2.0, 0.0, 3.0, 0.5], [0, 3, 0, 0]), ([0.0, 4.0, 0.0], [0, 0, 0]),
                    ([2.0, 3.0, 4.0], [12, 8, 6])]:
        for t in [nl.tensor(np.array(x), requires_grad=True), nl.placeholder((None,), F64)]:
            with nl.enable_grad():
                (g,) = nl.gradients(nl.prod(t), [t])
            got = g.numpy() if t.data is not None else nl.run(g, {t: np.array(x)})
            np.testing.assert_array_equal(got, want)
    # along an axis and over two axes, rows with zeros included, eager and graph agree with finite differences
    x = np.array([[[0.0, 1.5], [2.0, -1.0]], [[0.0, 0.0], [0.5, 3.0]], [[1.0, 2.0], [-0.5, 0.0]]])
    for axis in [1, (0, 2), None, (1, 2)]:
        gradcheck(lambda t: nl.prod(t, axis=axis), [x])
        gradgradcheck(lambda t: nl.prod(t, axis=axis), [x])
        e = _eager_values_and_grads(lambda t: nl.prod(t, axis=axis), [x])
        g = _graph_values_and_grads(lambda t: nl.prod(t, axis=axis), [x], [x.shape])
        for a, b in zip(e, g):
            np.testing.assert_allclose(a, b, rtol=1e-14)


def test_prod_second_derivative_at_zeros_matches_the_hessian():
    # f = x0 x1 x2 at (0, 0, 2): the Hessian [[0, x2, x1], [x2, 0, x0], [x1, x0, 0]] is [[0, 2, 0], [2, 0, 0], 0]
    t = nl.tensor(np.array([0.0, 0.0, 2.0]), requires_grad=True)
    with nl.enable_grad():
        (g,) = nl.gradients(nl.prod(t), [t], create_graph=True)
        rows = [nl.gradients(g[i], [t], create_graph=True)[0].numpy() for i in range(3)]
    np.testing.assert_array_equal(g.numpy(), [0, 0, 0])
    np.testing.assert_array_equal(np.stack(rows), [[0, 2, 0], [2, 0, 0], [0, 0, 0]])


def test_prod_dtypes_follow_numpy():
    assert nl.prod(nl.tensor(np.array([2, 3], np.int32))).dtype == np.prod(np.array([2, 3], np.int32)).dtype
    assert nl.prod(nl.tensor(np.ones(3, np.float32))).dtype == np.float32
    assert nl.prod(nl.tensor(np.zeros((2, 0)))).numpy() == 1.0


def test_any_all():
    x = np.array([[0, 2, 0], [0, 0, 0]])
    assert nl.any(nl.tensor(x)).numpy() and not nl.all(nl.tensor(x)).numpy()
    assert nl.any(nl.tensor(x), axis=1).numpy().tolist() == [True, False]
    assert nl.all(nl.tensor(x == 0), axis=0, keepdims=True).numpy().tolist() == [[True, False, True]]
    assert nl.all(nl.tensor(x)).dtype == np.bool_


def test_cumsum_flags_follow_tf():
    x = nl.tensor(np.array([1, 2, 3, 4]))
    assert nl.cumsum(x, 0).numpy().tolist() == [1, 3, 6, 10]
    assert nl.cumsum(x, 0, exclusive=True).numpy().tolist() == [0, 1, 3, 6]
    assert nl.cumsum(x, 0, reverse=True).numpy().tolist() == [10, 9, 7, 4]
    assert nl.cumsum(x, 0, exclusive=True, reverse=True).numpy().tolist() == [9, 7, 4, 0]
    m = nl.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(nl.cumsum(m).numpy(), [0, 1, 3, 6, 10, 15])  # axis None: flattened, as NumPy
    np.testing.assert_array_equal(nl.cumsum(m, axis=-1, exclusive=True).numpy(), [[0, 0, 1], [0, 3, 7]])
    assert nl.cumsum(nl.tensor(np.array([1, 2], np.int32)), 0).dtype == np.cumsum(np.array([1], np.int32)).dtype
    assert nl.cumsum(nl.tensor([True, True]), 0).numpy().tolist() == [1, 2]


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumsum_gradient_is_the_opposite_scan(exclusive, reverse):
    w = np.array([1.0, 10.0, 100.0, 1000.0])
    t = nl.tensor(np.zeros(4), requires_grad=True)
    with nl.enable_grad():
        (g,) = nl.gradients(nl.sum(nl.cumsum(t, 0, exclusive=exclusive, reverse=reverse) * nl.tensor(w)), [t])
    # d/dx_j sum_i w_i y_i = sum of the w_i whose y_i includes x_j
    incl = np.array([[(j <= i if not reverse else j >= i) and (i != j or not exclusive) for i in range(4)]
                     for j in range(4)])
    np.testing.assert_array_equal(g.numpy(), incl.astype(float) @ w)


def test_top_k_ties_go_to_the_lower_index_first():
    v, i = nl.top_k(nl.tensor([1.0, 3.0, 3.0, 2.0, 3.0]), 3)
    assert v.numpy().tolist() == [3, 3, 3] and i.numpy().tolist() == [1, 2, 4]  # what TF gives
    v, i = nl.top_k(nl.tensor(np.array([[5, 1, 5, 5], [0, 0, 0, 0]], np.int32)), 2)
    assert v.dtype == np.int32 and i.dtype == np.int64
    assert v.numpy().tolist() == [[5, 5], [0, 0]] and i.numpy().tolist() == [[0, 2], [0, 1]]
    v, i = nl.top_k(nl.tensor([2.0, -1.0, 7.0]), 3)  # k == n: the whole row sorted descending
    assert v.numpy().tolist() == [7, 2, -1] and i.numpy().tolist() == [2, 0, 1]
    v, i = nl.top_k(nl.tensor(np.ones((2, 3))), 0)
    assert v.shape == (2, 0) and i.shape == (2, 0)


def test_top_k_scatters_the_gradient_back_to_the_chosen_positions():
    x = np.array([[1.0, 3.0, 3.0, 2.0], [4.0, -1.0, 0.0, 4.0]])
    w = np.array([[10.0, 20.0], [30.0, 40.0]])
    want = np.array([[0, 10, 20, 0], [30, 0, 0, 40]])
    fn = lambda t: nl.top_k(t, 2)[0] * nl.tensor(w)  # noqa: E731
    for shapes in [x.shape, (None, 4), (None, None), None]:
        with nl.Graph().as_default():
            p = nl.placeholder(shapes, F64)
            (g,) = nl.gradients(nl.sum(fn(p)), [p])
            np.testing.assert_array_equal(nl.run(g, {p: x}), want)
    t = nl.tensor(x, requires_grad=True)
    with nl.enable_grad():
        (g,) = nl.gradients(nl.sum(fn(t)), [t])
    np.testing.assert_array_equal(g.numpy(), want)


def test_top_k_of_unknown_rank():
    p = nl.placeholder(None, F64)
    v, i = nl.top_k(p, 2)
    assert v.dtype == F64 and i.dtype == np.int64 and v.shape is None
    got = nl.run([v, i], {p: np.array([[1.0, 5.0, 3.0], [2.0, 2.0, 0.0]])})
    np.testing.assert_array_equal(got[0], [[5, 3], [2, 2]])
    np.testing.assert_array_equal(got[1], [[1, 2], [0, 1]])


def test_top_k_errors_name_k_and_the_shape():
    with pytest.raises(nl.ShapeError, match=r"top_k: k = 5 .* \(2, 3\)"):
        nl.top_k(nl.tensor(np.zeros((2, 3))), 5)
    with pytest.raises(nl.ShapeError, match=r"top_k: k = 5 .* \(\?, 3\)"):
        nl.top_k(nl.placeholder((None, 3)), 5)
    p = nl.placeholder((2, None))
    v, _ = nl.top_k(p, 5)
    assert v.shape == (2, 5)
    with pytest.raises(nl.ShapeError, match=r"top_k: k = 5 .* \(2, 3\)"):
        nl.run(v, {p: np.zeros((2, 3), np.float32)})
    with pytest.raises(nl.ShapeError, match="top_k: k must be >= 0"):
        nl.top_k(nl.tensor([1.0]), -1)


def test_take_along_axis_accumulates_repeated_indices():
    x = np.arange(6.0).reshape(2, 3)
    idx = np.array([[2, 2, 0, -1]])  # broadcast over the rows; -1 is the last column
    np.testing.assert_array_equal(nl.take_along_axis(nl.tensor(x), idx, 1).numpy(), np.take_along_axis(x, idx, 1))
    t = nl.tensor(x, requires_grad=True)
    with nl.enable_grad():
        (g,) = nl.gradients(nl.sum(nl.take_along_axis(t, idx, 1)), [t])
    np.testing.assert_array_equal(g.numpy(), [[1, 0, 3], [1, 0, 3]])


# ---------------------------------------------------------------------------------------
# shape ops
# ---------------------------------------------------------------------------------------

def test_tile_sums_the_gradient_over_the_copies():
    x = np.array([[1.0, 2.0]])
    y = nl.tile(nl.tensor(x), (3, 2))
    np.testing.assert_array_equal(y.numpy(), np.tile(x, (3, 2)))
    w = np.arange(12.0).reshape(3, 4)
    t = nl.tensor(x, requires_grad=True)
    with nl.enable_grad():
        (g,) = nl.gradients(nl.sum(nl.tile(t, (3, 2)) * nl.tensor(w)), [t])
    np.testing.assert_array_equal(g.numpy(), [[w[:, 0::2].sum(), w[:, 1::2].sum()]])
    assert nl.tile(nl.tensor([1, 2]), 2).numpy().tolist() == [1, 2, 1, 2]  # an int: one repetition count
    assert nl.tile(nl.tensor([1, 2]), (2, 1)).shape == (2, 2)  # longer reps: leading axes, as NumPy


def test_flip_and_its_tf_name_reverse():
    x = np.arange(6).reshape(2, 3)
    assert nl.reverse is nl.flip
    np.testing.assert_array_equal(nl.reverse(nl.tensor(x), [1]).numpy(), x[:, ::-1])
    np.testing.assert_array_equal(nl.flip(nl.tensor(x)).numpy(), x[::-1, ::-1])
    np.testing.assert_array_equal(nl.flip(nl.tensor(x), -2).numpy(), x[::-1])


def test_shape_of_gives_the_run_time_shape():
    assert nl.shape_of(nl.tensor(np.zeros((2, 3)))).numpy().tolist() == [2, 3]
    assert nl.shape_of(nl.tensor(np.zeros((2, 3))), dtype=np.int64).dtype == np.int64
    with nl.Graph().as_default():
        p, q = nl.placeholder((None, 3)), nl.placeholder(None)
        s, r = nl.shape_of(p), nl.shape_of(q)
        assert s.shape == (2,) and s.dtype == np.int32 and r.shape == (None,)
        assert nl.run(s, {p: np.zeros((5, 3))}).tolist() == [5, 3]
        assert nl.run(r, {q: np.zeros((1, 2, 3, 4))}).tolist() == [1, 2, 3, 4]
        assert nl.run(r, {q: np.float32(1.0)}).tolist() == []
    with pytest.raises(nl.DTypeError, match="shape_of: dtype must be an integer type, got float32"):
        nl.shape_of(nl.tensor([1.0]), dtype=np.float32)


@pytest.mark.parametrize("static", [(None, 3, 4), (None, None, None), None], ids=["none-batch", "all-none", "no-rank"])
def test_reshape_to_a_shape_tensor_in_a_graph(static):
    x = np.arange(24.0).reshape(2, 3, 4)
    like = np.zeros((4, 6))
    with nl.Graph().as_default():
        p, q = nl.placeholder(static, F64), nl.placeholder((None, None), F64)
        y = nl.reshape(p, nl.shape_of(q))  # tf.reshape(x, tf.shape(y))
        z = nl.reshape(p, [nl.shape_of(p)[0], -1])  # tf.reshape(x, [tf.shape(x)[0], -1])
        assert isinstance(y.op, DynamicReshape) and y.op.type == "Reshape"
        assert y.shape == (None, None) and z.shape == (None, None)
        w = nl.tensor(np.arange(24.0).reshape(4, 6))
        (g,) = nl.gradients(nl.sum(y * w), [p])
        yv, zv, gv = nl.run([y, z, g], {p: x, q: like})
    np.testing.assert_array_equal(yv, x.reshape(4, 6))
    np.testing.assert_array_equal(zv, x.reshape(2, 12))
    np.testing.assert_array_equal(gv, np.arange(24.0).reshape(x.shape))  # the gradient is reshaped back
    assert gv.shape == x.shape


def test_reshape_keeps_the_static_path_for_known_shapes():
    x = nl.tensor(np.arange(6.0))
    assert isinstance(nl.reshape(nl.placeholder((6,)), (2, 3)).op, Reshape)
    assert nl.reshape(x, nl.tensor([3, 2])).shape == (3, 2)  # a concrete shape tensor: the static op
    assert nl.reshape(x, [nl.tensor(2), 3]).shape == (2, 3)
    assert nl.reshape(x, np.array([1, 6])).shape == (1, 6)
    assert nl.reshape(nl.placeholder((None, 6)), nl.placeholder((1,), np.int32)).shape == (None,)
    assert nl.reshape(nl.placeholder((2, 3)), nl.placeholder((1,), np.int32)).shape == (6,)


def test_reshape_to_a_shape_tensor_errors_name_reshape_and_the_shapes():
    with nl.Graph().as_default():
        p, s = nl.placeholder((None, 3)), nl.placeholder((2,), np.int64)
        y = nl.reshape(p, s)
        with pytest.raises(nl.ShapeError, match=r"reshape: cannot reshape a tensor of shape \(2, 3\) \(6 elements\) "
                                                r"into the run-time shape \(4, 2\)"):
            nl.run(y, {p: np.zeros((2, 3)), s: [4, 2]})
        with pytest.raises(nl.ShapeError, match=r"reshape: invalid shape \(-1, -1\)"):
            nl.run(y, {p: np.zeros((2, 3)), s: [-1, -1]})
        with pytest.raises(nl.DTypeError, match="reshape: the shape must be an integer tensor, got float32"):
            nl.reshape(p, nl.placeholder((2,)))
        with pytest.raises(nl.ShapeError, match=r"reshape: entry 1 of the shape must be a scalar integer"):
            nl.reshape(p, [nl.shape_of(p)[0], nl.placeholder((2,), np.int32)])


def test_full_zeros_ones_with_tuple_shapes_are_concrete():
    z = nl.zeros((2, 3))
    assert not z.is_symbolic and z.dtype == np.float32 and z.numpy().tolist() == [[0] * 3] * 2
    assert nl.ones(4, dtype="int32").numpy().tolist() == [1, 1, 1, 1] and nl.ones(4, dtype="int32").dtype == np.int32
    assert nl.full((2,), 7).dtype == np.int64 and nl.full((2,), 7.5).dtype == np.float32
    assert nl.full((), True).dtype == np.bool_
    assert nl.full((1, 2), 2, dtype=F64).numpy().tolist() == [[2.0, 2.0]]
    assert nl.zeros((0, 3)).shape == (0, 3)


def test_full_with_a_symbolic_shape_and_its_gradient_to_the_value():
    with nl.Graph().as_default():
        p = nl.placeholder((None, None))
        v = nl.placeholder((), F64)
        y = nl.full(nl.shape_of(p), v)
        z, o = nl.zeros(nl.shape_of(p), dtype=np.int32), nl.ones([nl.shape_of(p)[1], 2])
        assert y.shape == (None, None) and y.dtype == F64 and z.dtype == np.int32
        w = nl.tensor(np.arange(6.0).reshape(2, 3))
        (g,) = nl.gradients(nl.sum(y * w), [v])
        yv, zv, ov, gv = nl.run([y, z, o, g], {p: np.zeros((2, 3), np.float32), v: 1.5})
    np.testing.assert_array_equal(yv, np.full((2, 3), 1.5))
    np.testing.assert_array_equal(zv, np.zeros((2, 3), np.int32))
    np.testing.assert_array_equal(ov, np.ones((3, 2), np.float32))
    assert gv == 15.0  # sum of w
    t = nl.tensor(2.0, dtype=F64, requires_grad=True)  # eagerly, with a tuple shape and a tensor value
    with nl.enable_grad():
        (g,) = nl.gradients(nl.sum(nl.full((2, 2), t) * nl.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))), [t])
    assert g.numpy() == 10.0


def test_full_errors():
    with pytest.raises(nl.ShapeError, match=r"full: the fill value must be a scalar, got shape \(2,\)"):
        nl.full((3,), nl.tensor([1.0, 2.0]))
    with pytest.raises(nl.ShapeError, match=r"full: invalid shape \(2, -1\) \(sizes must be >= 0\)"):
        nl.zeros((2, -1))
    with pytest.raises(nl.DTypeError, match="full: the shape must be an integer tensor, got float32"):
        nl.zeros(nl.placeholder((2,)))
    s = nl.placeholder((2,), np.int32)
    with pytest.raises(nl.ShapeError, match=r"full: invalid shape \(-3, 1\)"):
        nl.run(nl.ones(s), {s: [-3, 1]})


def test_slice_follows_tf_slice():
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(nl.slice(nl.tensor(x), [1, 0, 2], [1, -1, 2]).numpy(), x[1:2, 0:, 2:4])
    t = nl.tensor(x, requires_grad=True)
    with nl.enable_grad():
        (g,) = nl.gradients(nl.sum(nl.slice(t, [0, 1, 0], [2, 1, 3])), [t])
    want = np.zeros_like(x)
    want[:, 1:2, :3] = 1
    np.testing.assert_array_equal(g.numpy(), want)
    p = nl.placeholder((None, 3, 4))
    y = nl.slice(p, [0, 1, 1], [-1, 2, 2])
    assert y.shape == (None, 2, 2)
    np.testing.assert_array_equal(nl.run(y, {p: x}), x[:, 1:3, 1:3])


def test_slice_errors_name_the_argument_and_shape():
    x = nl.tensor(np.zeros((2, 3)))
    with pytest.raises(nl.ShapeError, match=r"slice: begin \(1 entries\) and size \(2 entries\) .* \(2, 3\)"):
        nl.slice(x, [0], [1, 1])
    with pytest.raises(nl.ShapeError, match=r"slice: begin 2 and size 2 do not fit axis 1 of .* shape \(2, 3\)"):
        nl.slice(x, [0, 2], [1, 2])
    with pytest.raises(nl.ShapeError, match="slice: the rank of x must be known"):
        nl.slice(nl.placeholder(None), [0], [1])
    with pytest.raises(nl.ShapeError, match="slice: `begin` must be known"):
        nl.slice(x, nl.placeholder((2,), np.int32), [1, 1])
    with pytest.raises(nl.ShapeError, match="slice: `size` entries must be integers"):
        nl.slice(x, [0, 0], [1.0, 1])


# ---------------------------------------------------------------------------------------
# unknown sizes and unknown rank: the same values and gradients as known shapes
# ---------------------------------------------------------------------------------------

_DYNAMIC = {
    "prod": (lambda x: nl.prod(x, axis=1), [(3, 4)]),
    "prod-all": (lambda x: nl.prod(x), [(3, 4)]),
    "cumsum": (lambda x: nl.cumsum(x, axis=-1, exclusive=True, reverse=True), [(3, 4)]),
    "top_k": (lambda x: nl.top_k(x, 2)[0], [(3, 4)]),
    "tile": (lambda x: nl.tile(x, (2, 3)), [(3, 4)]),
    "flip": (lambda x: nl.flip(x, 0), [(3, 4)]),
    "mod": (lambda a, b: nl.mod(a, b), [(3, 4), (4,)]),
    "sin-cos": (lambda x: nl.sin(x) * nl.cos(x), [(3, 4)]),
    "take_along_axis": (lambda x: nl.take_along_axis(x, np.array([[0, 3, 3]]), 1), [(3, 4)]),
    "slice": (lambda x: nl.slice(x, [1, 0], [-1, 2]), [(3, 4)]),
    "full-like": (lambda x: x * nl.full(nl.shape_of(x), 2.0, dtype=F64), [(3, 4)]),
    "reshape-to-shape": (lambda x: nl.reshape(x, nl.shape_of(nl.transpose(x))), [(3, 4)]),
}


@pytest.mark.parametrize("name", sorted(_DYNAMIC))
def test_unknown_shapes_give_the_values_and_gradients_of_known_ones(name):
    fn, shapes = _DYNAMIC[name]
    rng = np.random.default_rng(1)
    values = [rng.uniform(0.6, 1.4, size=s) * np.where(rng.random(s) < 0.5, -1, 1) for s in shapes]
    if name == "mod":
        values = [values[0] * 3.0 + 0.05, np.array([1.3, -0.7, 2.1, -1.9])]
    eager = _eager_values_and_grads(fn, values)
    variants = [[v.shape for v in values], [(None,) + v.shape[1:] for v in values],
                [tuple(None for _ in v.shape) for v in values]]
    if name != "slice":  # (slice needs the rank: tested below)
        variants.append([None for _ in values])
    for static in variants:
        got = _graph_values_and_grads(fn, values, static)
        assert len(got) == len(eager)
        for a, b in zip(got, eager):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=f"{name} with placeholders {static}")


_DYNAMIC_VALUES = {  # ops without a gradient: values only
    "floor-ceil-round": (lambda x: nl.floor(x) + nl.ceil(x) * 10 + nl.round(x) * 100, [(3, 4)]),
    "floor_divide": (lambda a, b: nl.floor_divide(a, b), [(3, 4), (4,)]),
    "predicates": (lambda x: nl.logical_xor(nl.isnan(nl.where(x > 0, x, float("nan"))),
                                            nl.isinf(nl.where(x > 1, float("inf"), x))), [(3, 4)]),
    "any-all": (lambda x: nl.concatenate([nl.any(x > 0, axis=1), nl.all(x > -1, axis=1)]), [(3, 4)]),
    "top_k-indices": (lambda x: nl.top_k(x, 3)[1], [(3, 4)]),
    "shape_of": (lambda x: nl.shape_of(x), [(3, 4)]),
    "zeros-ones": (lambda x: nl.zeros(nl.shape_of(x), dtype=np.int32) + nl.ones(nl.shape_of(x)[1:], np.int32),
                   [(3, 4)]),
    "x.reshape": (lambda x: x.reshape(nl.shape_of(nl.transpose(x))), [(3, 4)]),
}


@pytest.mark.parametrize("name", sorted(_DYNAMIC_VALUES))
def test_unknown_shapes_give_the_values_of_known_ones(name):
    fn, shapes = _DYNAMIC_VALUES[name]
    rng = np.random.default_rng(2)
    values = [np.round(rng.uniform(-3, 3, size=s) * 2) / 2 + (i * 0.3 + 0.1) for i, s in enumerate(shapes)]
    expected = fn(*[nl.tensor(v) for v in values]).numpy()
    for static in ([v.shape for v in values], [(None,) + v.shape[1:] for v in values],
                   [tuple(None for _ in v.shape) for v in values], [None for _ in values]):
        with nl.Graph().as_default():
            phs = [nl.placeholder(s, F64) for s in static]
            y = fn(*phs)
            assert y.dtype == expected.dtype, f"{name}: static dtype {y.dtype}, run-time {expected.dtype}"
            got = nl.run(y, dict(zip(phs, values)))
        np.testing.assert_array_equal(got, expected, err_msg=f"{name} with placeholders {static}")


def test_tf_type_names():
    p = nl.placeholder((2, 3))
    i = nl.placeholder((2, 3), np.int64)
    assert nl.mod(p, p).op.type == "FloorMod" and nl.floor_divide(i, i).op.type == "FloorDiv"
    assert nl.top_k(p, 1)[0].op.type == "TopKV2" and nl.flip(p).op.type == "ReverseV2"
    assert nl.shape_of(p).op.type == "Shape" and nl.isnan(p).op.type == "IsNan" and nl.round(p).op.type == "Round"
    assert nl.prod(p).op.type == "Prod" and nl.cumsum(p, 1).op.type == "Cumsum" and nl.tile(p, 2).op.type == "Tile"
    assert nl.full(nl.shape_of(p), 1.0).op.type == "Fill"
    assert nl.random_normal(nl.shape_of(p)).op.type == "RandomStandardNormal"
    assert nl.random_uniform(nl.shape_of(p)).op.type == "RandomUniform"


# ---------------------------------------------------------------------------------------
# random draws with a run-time shape
# ---------------------------------------------------------------------------------------

def test_random_draws_have_the_asked_distribution():
    z = nl.random_normal((200, 100), mean=1.0, std=2.0, dtype=F64, rng=0).numpy()
    assert z.dtype == F64 and abs(z.mean() - 1.0) < 0.05 and abs(z.std() - 2.0) < 0.05  # 20000 draws: se 0.014
    u = nl.random_uniform((20000,), -1.0, 3.0, rng=1).numpy()
    assert u.dtype == np.float32 and u.min() >= -1.0 and u.max() < 3.0
    assert abs(u.mean() - 1.0) < 0.05 and abs(u.var() - 16 / 12) < 0.05
    assert nl.random_normal((2,), dtype=np.float16).dtype == np.float16


def test_random_seeding_repeats_bit_for_bit():
    a = nl.random_normal((3, 2), rng=5).numpy()
    np.testing.assert_array_equal(a, nl.random_normal((3, 2), rng=5).numpy())  # an int seed: a fresh Generator
    g = np.random.default_rng(7)
    b, c = nl.random_uniform((4,), rng=g).numpy(), nl.random_uniform((4,), rng=g).numpy()
    assert not np.array_equal(b, c)  # a Generator advances
    g = np.random.default_rng(7)
    np.testing.assert_array_equal(nl.random_uniform((4,), rng=g).numpy(), b)
    nl.seed(3)
    d = nl.random_normal((5,)).numpy()
    nl.seed(3)
    np.testing.assert_array_equal(nl.random_normal((5,)).numpy(), d)


def test_random_draws_in_graphs_are_fresh_at_every_run_and_follow_the_run_time_shape():
    with nl.Graph().as_default():
        p = nl.placeholder((None, 3))
        r = nl.random_normal(nl.shape_of(p), std=0.5, rng=np.random.default_rng(0))
        s = nl.random_uniform((2, 2))  # a tuple shape inside a graph being built: a node, drawn at every run
        assert r.shape == (None, None) and s.is_symbolic and s.shape == (2, 2)
        a, b = nl.run([r, s], {p: np.zeros((4, 3))}), nl.run([r, s], {p: np.zeros((4, 3))})
        assert a[0].shape == (4, 3) and not np.array_equal(a[0], b[0]) and not np.array_equal(a[1], b[1])
        assert nl.run(r, {p: np.zeros((1, 3))}).shape == (1, 3)
    with nl.Graph().as_default():  # the same seeded Generator repeats the sequence of runs
        p = nl.placeholder((None, 3))
        r = nl.random_normal(nl.shape_of(p), std=0.5, rng=np.random.default_rng(0))
        np.testing.assert_array_equal(nl.run(r, {p: np.zeros((4, 3))}), a[0])


def test_random_draws_in_compiled_functions_are_fresh_at_every_call():
    f = nl.compile(lambda x: x + nl.random_uniform(x.shape, dtype=x.dtype))
    x = np.zeros((3,), np.float32)
    a, b = f(x).numpy(), f(x).numpy()
    assert f.trace_count == 1 and not np.array_equal(a, b) and a.min() >= 0 and a.max() < 1


def test_random_draw_errors():
    with pytest.raises(ValueError, match="random_normal: std must be >= 0, got -1.0"):
        nl.random_normal((2,), std=-1)
    with pytest.raises(ValueError, match=r"random_uniform: high \(0.0\) must be >= low \(1.0\)"):
        nl.random_uniform((2,), 1.0, 0.0)
    with pytest.raises(TypeError, match="random_normal: `mean` must be a number .* symbolic tensor"):
        nl.random_normal((2,), mean=nl.placeholder(()))
    with pytest.raises(nl.DTypeError, match="random_uniform: dtype must be floating, got int32"):
        nl.random_uniform((2,), dtype=np.int32)
    with pytest.raises(nl.ShapeError, match=r"random_normal: invalid shape \(-2,\)"):
        nl.random_normal((-2,))


# ---------------------------------------------------------------------------------------
# dropout's noise_shape
# ---------------------------------------------------------------------------------------

def test_dropout_noise_shape_shares_the_mask_along_size_one_axes():
    x = nl.tensor(np.ones((64, 4, 4, 8)))
    y = dropout(x, 0.5, noise_shape=(64, 1, 1, 8), rng=0).numpy()
    assert np.array_equal(y, np.broadcast_to(y[:, :1, :1, :], y.shape))  # whole feature maps kept or dropped
    assert set(np.unique(y)) == {0.0, 2.0} and abs((y[:, 0, 0, :] == 0).mean() - 0.5) < 0.1
    y = dropout(x, 0.25, noise_shape=(8,), rng=1).numpy()  # shorter: aligned with the last axes
    assert np.array_equal(y, np.broadcast_to(y[:1, :1, :1, :], y.shape))
    np.testing.assert_array_equal(np.unique(y), [0.0, 1 / 0.75])
    y = dropout(x, 0.5, noise_shape=(None, 1, None, 1), rng=2).numpy()
    assert np.array_equal(y, np.broadcast_to(y[:, :1, :, :1], y.shape))


def test_dropout_noise_shape_in_a_graph_draws_fresh_masks():
    with nl.Graph().as_default():
        p = nl.placeholder((None, 3, 5), F64)
        for ns in [(None, 1, 5), [nl.shape_of(p)[0], 1, 5], nl.stack([nl.shape_of(p)[0], 1, 1])]:
            y = dropout(p, 0.5, noise_shape=ns)
            feed = {p: np.ones((6, 3, 5))}
            a, b = nl.run(y, feed), nl.run(y, feed)
            assert a.shape == (6, 3, 5) and np.array_equal(a, np.broadcast_to(a[:, :1], a.shape))
            assert not np.array_equal(a, b)
        (g,) = nl.gradients(nl.sum(dropout(p, 0.5, noise_shape=(None, 1, 5), rng=3)), [p])
        gv = nl.run(g, {p: np.ones((2, 3, 5))})
        assert set(np.unique(gv)) <= {0.0, 2.0} and np.array_equal(gv, np.broadcast_to(gv[:, :1], gv.shape))


def test_dropout_noise_shape_errors():
    x = nl.tensor(np.ones((4, 3)))
    with pytest.raises(nl.ShapeError, match=r"dropout: noise_shape \(4, 2\) does not broadcast to x of shape \(4, 3\)"):
        dropout(x, 0.5, noise_shape=(4, 2))
    with pytest.raises(nl.ShapeError, match=r"dropout: noise_shape \(1, 4, 3\) has more entries"):
        dropout(x, 0.5, noise_shape=(1, 4, 3))
    with pytest.raises(nl.ShapeError, match="dropout: noise_shape .* needs the rank of x"):
        dropout(nl.placeholder(None), 0.5, noise_shape=(1, 3))
    assert dropout(x, 0.5, training=False, noise_shape=(4, 2)) is x  # evaluation: nothing to draw
