"""Generic op tests driven by the OpInfo records (``neuralab.testing.all_records()``).

For every record: forward against the NumPy reference in float32 and float64
(values and dtype), gradcheck and gradgradcheck in float64, eager == graph ==
compiled replay (without retracing), graph-mode gradients == eager gradients,
no mutation of inputs, error inputs raising eagerly and at graph-build time,
and placeholders with a ``None`` batch dimension. The documented tie rules and
the scatter-add of repeated indices are checked against hand values.
"""
import numpy as np
import pytest

import neuralab as nl
from neuralab.testing import GradcheckError, all_records, gradcheck, gradgradcheck, tolerance

RECORDS = all_records()
F32, F64 = np.dtype(np.float32), np.dtype(np.float64)
#: record kinds whose samples are also built with the first dimension unknown (None)
DYNAMIC_KINDS = {"elementwise", "reduce", "matmul", "conv"}

# Known bugs in neuralab/ops (reported, not fixed here). Keys: (test, record name) or
# (test, record name, error-input index); each becomes xfail(strict=True).
KNOWN_BUGS: dict = {}  # all bugs found while writing the records are fixed


def _kind(rec):
    return rec.notes.get("kind") if isinstance(rec.notes, dict) else None


def _params(test, pred=lambda rec: True):
    out = []
    for name in sorted(RECORDS):
        rec = RECORDS[name]
        if not pred(rec):
            continue
        reason = KNOWN_BUGS.get((test, name))
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        out.append(pytest.param(rec, id=name, marks=marks))
    return out


def _error_params(test):
    out = []
    for name in sorted(RECORDS):
        for i in range(len(RECORDS[name].error_inputs)):
            reason = KNOWN_BUGS.get((test, name, i))
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            out.append(pytest.param(RECORDS[name], i, id=f"{name}-{i}", marks=marks))
    return out


def _samples(rec, dtype, seed=0):
    return [[np.asarray(a) for a in sample] for sample in rec.samples(dtype, seed=seed)]


def _dtypes(rec):
    return [np.dtype(d) for d in rec.dtypes]


def _outputs(y):
    return list(y) if isinstance(y, (tuple, list)) else [y]


def _desc(rec, k, sample):
    return f"{rec.name} sample {k} (shapes {[a.shape for a in sample]}, dtypes {[str(a.dtype) for a in sample]})"


def _assert_close(actual, expected, what):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != expected {expected.shape}"
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype} != expected {expected.dtype}"
    if expected.dtype.kind in "fc":
        np.testing.assert_allclose(actual, expected, err_msg=what, **tolerance(expected.dtype))
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=what)


def _eager(rec, sample):
    return [y.numpy() for y in _outputs(rec.fn(*[nl.tensor(a) for a in sample]))]


def _placeholders(sample, none_first=False):
    return [nl.placeholder((None,) + a.shape[1:] if none_first and a.ndim else a.shape, a.dtype) for a in sample]


def _weights(outputs, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(np.shape(y)) if np.asarray(y).dtype.kind == "f" else None for y in outputs]


def _weighted_sum(ys, us):
    total = None
    for y, u in zip(ys, us):
        if u is not None:
            term = nl.sum(y * nl.tensor(u))
            total = term if total is None else total + term
    return total


def _subs(msg):
    return (msg,) if isinstance(msg, str) else tuple(msg)


# ---------------------------------------------------------------------------------------
# coverage
# ---------------------------------------------------------------------------------------

def test_every_registered_op_has_a_record():
    missing = sorted(set(nl.REGISTRY) - set(RECORDS))
    assert not missing, f"ops in neuralab.REGISTRY without an OpRecord: {missing}"


def test_every_record_names_a_registered_op():
    stale = sorted(set(RECORDS) - set(nl.REGISTRY))
    assert not stale, f"OpRecords whose name is not in neuralab.REGISTRY: {stale}"


# ---------------------------------------------------------------------------------------
# forward and gradients
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
@pytest.mark.parametrize("rec", _params("forward", lambda r: r.ref is not None))
def test_forward_matches_reference(rec, dtype):
    if dtype not in _dtypes(rec):
        pytest.skip(f"{rec.name} is not tested in {dtype}")
    for k, sample in enumerate(_samples(rec, dtype)):
        ys = _outputs(rec.fn(*[nl.tensor(a) for a in sample]))
        refs = _outputs(rec.ref(*[a.copy() for a in sample]))
        assert len(ys) == len(refs), f"{_desc(rec, k, sample)}: {len(ys)} outputs, reference has {len(refs)}"
        for y, r in zip(ys, refs):
            assert isinstance(y, nl.Tensor), f"{_desc(rec, k, sample)}: returned {type(y).__name__}"
            _assert_close(y.numpy(), r, _desc(rec, k, sample))


@pytest.mark.parametrize("rec", _params("gradcheck", lambda r: r.differentiable))
def test_gradcheck(rec):
    for k, sample in enumerate(_samples(rec, F64)):
        try:
            gradcheck(rec.fn, sample, **rec.grad_tol)
        except GradcheckError as e:
            pytest.fail(f"{_desc(rec, k, sample)}: {e}")


@pytest.mark.parametrize("rec", _params("gradgradcheck", lambda r: r.differentiable and r.double_backward))
def test_gradgradcheck(rec):
    for k, sample in enumerate(_samples(rec, F64)):
        try:
            gradgradcheck(rec.fn, sample, **rec.grad_tol)
        except GradcheckError as e:
            pytest.fail(f"{_desc(rec, k, sample)}: {e}")


# ---------------------------------------------------------------------------------------
# eager == graph == compiled
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("rec", _params("graph", lambda r: r.graph))
def test_graph_matches_eager(rec):
    for dtype in _dtypes(rec):
        for k, sample in enumerate(_samples(rec, dtype)):
            what = _desc(rec, k, sample) + " in graph mode"
            expected = _eager(rec, sample)
            with nl.Graph().as_default():
                phs = _placeholders(sample)
                syms = _outputs(rec.fn(*phs))
                for s, e in zip(syms, expected):
                    assert s.is_symbolic, f"{what}: output is not symbolic"
                    assert (s.shape, s.dtype) == (e.shape, e.dtype), \
                        f"{what}: infer gives {s.shape} {s.dtype}, forward gives {e.shape} {e.dtype}"
                got = nl.run(syms, dict(zip(phs, sample)))
            assert len(got) == len(expected)
            for g, e in zip(got, expected):
                _assert_close(g, e, what)


@pytest.mark.parametrize("rec", _params("compile", lambda r: r.graph))
def test_compiled_matches_eager_without_retrace(rec):
    for k, (s0, s1) in enumerate(zip(_samples(rec, F32), _samples(rec, F32, seed=1))):
        what = _desc(rec, k, s0) + " compiled"
        cf = nl.compile(rec.fn)
        for sample in (s0, s1):
            got = _outputs(cf(*sample))
            expected = _eager(rec, sample)
            assert len(got) == len(expected)
            for g, e in zip(got, expected):
                _assert_close(g.numpy(), e, what)
        assert cf.trace_count == 1, f"{what}: traced {cf.trace_count} times for one signature"


@pytest.mark.parametrize("rec", _params("graph_gradients", lambda r: r.graph and r.differentiable))
def test_graph_gradients_match_eager(rec):
    for k, sample in enumerate(_samples(rec, F64)):
        what = _desc(rec, k, sample) + " gradients"
        diff = [i for i, a in enumerate(sample) if a.dtype.kind == "f"]
        ts = [nl.tensor(a, requires_grad=i in diff) for i, a in enumerate(sample)]
        with nl.enable_grad():
            ys = _outputs(rec.fn(*ts))
            us = _weights([y.numpy() for y in ys], seed=k)
            loss = _weighted_sum(ys, us)
            if loss is None or not diff:
                continue
            eager = nl.gradients(loss, [ts[i] for i in diff])
        with nl.Graph().as_default():
            phs = _placeholders(sample)
            sym = nl.gradients(_weighted_sum(_outputs(rec.fn(*phs)), us), [phs[i] for i in diff])
            for g, i in zip(sym, diff):
                if g is not None:
                    assert g.shape == sample[i].shape, f"{what}: symbolic gradient shape {g.shape}"
            fetched = nl.run([g for g in sym if g is not None], dict(zip(phs, sample)))
        fetched = iter(fetched)
        for g_eager, g_sym, i in zip(eager, sym, diff):
            zeros = np.zeros_like(sample[i])
            ge = zeros if g_eager is None else g_eager.numpy()
            gs = zeros if g_sym is None else next(fetched)
            _assert_close(gs, ge, f"{what} w.r.t. input {i}")


# ---------------------------------------------------------------------------------------
# inputs are never mutated
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("rec", _params("no_mutation"))
def test_forward_and_backward_do_not_mutate_inputs(rec):
    for k, sample in enumerate(_samples(rec, F64)):
        what = _desc(rec, k, sample)
        before = [a.copy() for a in sample]
        ts = [nl.tensor(a, requires_grad=rec.differentiable and a.dtype.kind == "f") for a in sample]
        with nl.enable_grad():
            ys = _outputs(rec.fn(*ts))
            loss = _weighted_sum(ys, _weights([y.numpy() for y in ys])) if rec.differentiable else None
            if loss is not None:
                nl.gradients(loss, [t for t in ts if t.requires_grad])
        for a, b in zip(sample, before):
            np.testing.assert_array_equal(a, b, err_msg=f"{what}: an input was mutated eagerly")
        if rec.graph:
            with nl.Graph().as_default():
                phs = _placeholders(sample)
                nl.run(_outputs(rec.fn(*phs)), dict(zip(phs, sample)))
            for a, b in zip(sample, before):
                np.testing.assert_array_equal(a, b, err_msg=f"{what}: a fed value was mutated by a graph run")


# ---------------------------------------------------------------------------------------
# errors name the op and the shapes, eagerly and when the graph is built
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("rec, i", _error_params("error_eager"))
def test_error_inputs_eager(rec, i):
    inputs, exc, msg = rec.error_inputs[i]
    with pytest.raises(exc) as info:
        rec.fn(*[nl.tensor(np.asarray(a)) for a in inputs])
    for m in _subs(msg):
        assert m in str(info.value), f"{rec.name}: {m!r} missing from the error message {str(info.value)!r}"


@pytest.mark.parametrize("rec, i", _error_params("error_graph"))
def test_error_inputs_at_graph_build_time(rec, i):
    inputs, exc, msg = rec.error_inputs[i]
    with nl.Graph().as_default():
        phs = _placeholders([np.asarray(a) for a in inputs])
        with pytest.raises(exc) as info:
            rec.fn(*phs)
    for m in _subs(msg):
        assert m in str(info.value), f"{rec.name}: {m!r} missing from the error message {str(info.value)!r}"


# ---------------------------------------------------------------------------------------
# placeholders with an unknown (None) first dimension
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("rec", _params("none_dims", lambda r: r.graph and _kind(r) in DYNAMIC_KINDS))
def test_none_first_dim_matches_eager(rec):
    for k, sample in enumerate(_samples(rec, F32)):
        what = _desc(rec, k, sample) + " with a None first dim"
        expected = _eager(rec, sample)
        with nl.Graph().as_default():
            phs = _placeholders(sample, none_first=True)
            syms = _outputs(rec.fn(*phs))
            for s, e in zip(syms, expected):
                assert len(s.shape) == e.ndim and all(d is None or d == n for d, n in zip(s.shape, e.shape)), \
                    f"{what}: infer gives {s.shape}, forward gives {e.shape}"
            got = nl.run(syms, dict(zip(phs, sample)))
        for g, e in zip(got, expected):
            _assert_close(g, e, what)


# ---------------------------------------------------------------------------------------
# documented rules, against hand values (eager and graph mode)
# ---------------------------------------------------------------------------------------

def _grad_eager_and_graph(fn, *values):
    """d sum(fn(*xs)) / d xs, eagerly and from a graph run (float64)."""
    values = [np.asarray(v, dtype=np.float64) for v in values]
    xs = [nl.tensor(v, requires_grad=True) for v in values]
    with nl.enable_grad():
        eager = [g.numpy() for g in nl.gradients(nl.sum(fn(*xs)), xs)]
    with nl.Graph().as_default():
        phs = [nl.placeholder(v.shape, np.float64) for v in values]
        graph = nl.run(nl.gradients(nl.sum(fn(*phs)), phs), dict(zip(phs, values)))
    return eager, graph


@pytest.mark.parametrize("sign, op", [(1, nl.max), (-1, nl.min)], ids=["max", "min"])
def test_max_min_split_the_gradient_among_ties(sign, op):
    x = sign * np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [0.0, 5.0, -1.0]])
    w = np.array([1.0, 3.0, 6.0])
    for got in _grad_eager_and_graph(lambda t: op(t, axis=1) * nl.tensor(w), x):
        np.testing.assert_allclose(got[0], [[0, 0.5, 0.5], [1, 1, 1], [0, 6, 0]], rtol=1e-12)
    for got in _grad_eager_and_graph(lambda t: op(t, keepdims=True), x[0]):
        np.testing.assert_allclose(got[0], [0, 0.5, 0.5], rtol=1e-12)
    for got in _grad_eager_and_graph(lambda t: op(t, axis=0), np.full((4, 1), sign * 2.0)):
        np.testing.assert_allclose(got[0], np.full((4, 1), 0.25), rtol=1e-12)


@pytest.mark.parametrize("op, b_at_tie", [(nl.maximum, [1.0, 0.0, 3.0]), (nl.minimum, [1.0, 5.0, 3.0])],
                         ids=["maximum", "minimum"])
def test_maximum_minimum_send_tied_gradient_to_the_first_argument(op, b_at_tie):
    a = [1.0, 2.0, 3.0]
    for ga, gb in _grad_eager_and_graph(op, a, b_at_tie):
        np.testing.assert_array_equal(ga, [1.0, 1.0, 1.0])
        np.testing.assert_array_equal(gb, [0.0, 0.0, 0.0])
    for gb, ga in _grad_eager_and_graph(lambda b, a: op(a, b), b_at_tie, a):  # order swapped: ties go to a
        np.testing.assert_array_equal(ga, [1.0, 1.0, 1.0])
        np.testing.assert_array_equal(gb, [0.0, 0.0, 0.0])
    # a broadcast scalar b = 2 ties with a[1]: a's gradient there is 1, b's is summed over the rest
    for ga, gb in _grad_eager_and_graph(op, a, 2.0):
        np.testing.assert_array_equal(ga, [0.0, 1.0, 1.0] if op is nl.maximum else [1.0, 1.0, 0.0])
        np.testing.assert_array_equal(gb, 1.0)


def test_repeated_integer_indices_accumulate_gradient():
    x = np.arange(5.0)
    for (g,) in _grad_eager_and_graph(lambda t: t[[0, 0, 1]], x):
        np.testing.assert_array_equal(g, [2, 1, 0, 0, 0])
    w = nl.tensor([1.0, 2.0, 3.0], dtype=np.float64)
    for (g,) in _grad_eager_and_graph(lambda t: t[np.array([0, 0, 1])] * w, x):
        np.testing.assert_array_equal(g, [3, 3, 0, 0, 0])
    for (g,) in _grad_eager_and_graph(lambda t: t[[2, 2, 0], 1:], np.zeros((3, 3))):
        np.testing.assert_array_equal(g, [[0, 1, 1], [0, 0, 0], [0, 2, 2]])
    mask = np.array([True, False, True, True, False])
    for (g,) in _grad_eager_and_graph(lambda t: t[mask], x):
        np.testing.assert_array_equal(g, mask.astype(float))


def test_stop_gradient_blocks_the_gradient():
    x = np.array([1.0, -2.0, 3.0])
    for (g,) in _grad_eager_and_graph(lambda t: nl.stop_gradient(t) * t, x):
        np.testing.assert_array_equal(g, x)


@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
def test_logsumexp_is_stable_for_large_inputs(dtype):
    x = np.array([[1000.0, 1000.0], [-1000.0, -1000.0]], dtype=dtype)
    y = nl.logsumexp(nl.tensor(x), axis=1)
    assert y.dtype == dtype
    np.testing.assert_allclose(y.numpy(), [1000 + np.log(2), -1000 + np.log(2)], rtol=1e-6)


# ---------------------------------------------------------------------------------------
# state ops: assign and group
# ---------------------------------------------------------------------------------------

def test_assign_runs_only_when_fetched_and_group_runs_its_dependencies():
    v, w = nl.tensor(np.zeros(3)), nl.tensor(np.zeros(2))
    p, q = nl.placeholder((3,), np.float64), nl.placeholder((2,), np.float64)
    a, b = nl.assign(v, p * 2.0), nl.assign(w, q + 1.0)
    feed = {p: [1.0, 2.0, 3.0], q: [5.0, 6.0]}
    nl.run(p * 1.0, feed)
    np.testing.assert_array_equal(v.numpy(), [0, 0, 0])  # not fetched: not run
    np.testing.assert_array_equal(nl.run(a, feed), [2, 4, 6])
    np.testing.assert_array_equal(v.numpy(), [2, 4, 6])
    np.testing.assert_array_equal(w.numpy(), [0, 0])
    g = nl.group(a, b)
    assert nl.run(g, {p: [0.0, 0.0, 1.0], q: [1.0, 1.0]}) is None
    np.testing.assert_array_equal(v.numpy(), [0, 0, 2])
    np.testing.assert_array_equal(w.numpy(), [2, 2])


def test_assign_eagerly_writes_at_once():
    v = nl.tensor(np.zeros(3))
    out = nl.assign(v, nl.tensor(np.array([1.0, 2.0, 3.0])))
    np.testing.assert_array_equal(v.numpy(), [1, 2, 3])
    np.testing.assert_array_equal(out.numpy(), [1, 2, 3])


def test_assign_shape_mismatch_names_op_and_shapes():
    v = nl.tensor(np.zeros(3))
    with pytest.raises(nl.ShapeError, match=r"assign.*\(4,\).*\(3,\)"):
        nl.assign(v, nl.tensor(np.zeros(4)))
    with pytest.raises(nl.ShapeError, match=r"assign.*\(4,\).*\(3,\)"):
        nl.assign(v, nl.placeholder((4,), np.float64))


# ---------------------------------------------------------------------------------------
# regression tests for bugs found while writing the records
# ---------------------------------------------------------------------------------------

def test_transpose_with_negative_axes_has_the_right_gradient():
    w = np.arange(6.0).reshape(3, 2)
    t = nl.tensor(np.zeros((2, 3)), requires_grad=True)
    g = nl.gradients(nl.sum(nl.transpose(t, (-1, 0)) * nl.tensor(w)), t)
    np.testing.assert_array_equal(g.numpy(), w.T)


def test_transpose_with_negative_axes_in_graph_mode():
    assert nl.transpose(nl.placeholder((2, 3)), (-1, 0)).shape == (3, 2)


def test_python_int_next_to_a_bool_condition_keeps_its_value():
    c, x = nl.tensor(np.array([True, False])), nl.tensor(np.array([5.0, 6.0]))
    np.testing.assert_array_equal(nl.where(c, x, 2).numpy(), [5.0, 2.0])


def test_sum_of_unsigned_ints_has_one_dtype_eagerly_and_in_graph_mode():
    eager = nl.sum(nl.tensor(np.array([1, 2], np.uint8)))
    assert nl.sum(nl.placeholder((2,), np.uint8)).dtype == eager.dtype


def test_assign_does_not_alias_the_value():
    v, src = nl.tensor(np.zeros(3)), np.array([1.0, 2.0, 3.0])
    nl.assign(v, nl.tensor(src))
    assert not np.shares_memory(v.numpy(), src)
