"""neuralab.data.Pipeline: tf.data's documented semantics, seeded shuffling, the index fast path, errors."""
import threading
from collections import Counter

import numpy as np
import pytest

from neuralab._core.errors import ShapeError
from neuralab.data import Pipeline
from neuralab.data.pipeline import INFINITE, UNKNOWN, flatten, map_structure, unflatten


def ints(p):
    return [int(v) for v in p]


# -- structures and sources ---------------------------------------------------------------------

def test_structure_helpers_round_trip_with_sorted_dict_keys():
    s = {"b": (1, 2), "a": 3}
    assert flatten(s) == [3, 1, 2]
    assert unflatten(s, [30, 10, 20]) == {"b": (10, 20), "a": 30}
    assert map_structure(lambda x, y: x + y, (1, (2, 3)), (10, (20, 30))) == (11, (22, 33))
    with pytest.raises(ValueError):
        unflatten((1, 2), [1])


def test_from_tensor_slices_tuple_and_dict_elements_are_read_only_slices():
    x, y = np.arange(6.0).reshape(3, 2), np.array([7, 8, 9])
    got = list(Pipeline.from_tensor_slices((x, y)))
    assert len(got) == 3 and all(isinstance(e, tuple) for e in got)
    np.testing.assert_array_equal(got[1][0], [2.0, 3.0])
    assert got[2][1] == 9 and isinstance(got[2][1], np.ndarray) and got[2][1].shape == ()
    with pytest.raises(ValueError):
        got[0][0][0] = 5.0  # elements are values: the source is not changed through them
    d = list(Pipeline.from_tensor_slices({"img": x, "label": y}))
    assert set(d[0]) == {"img", "label"} and int(d[0]["label"]) == 7
    p = Pipeline.from_tensor_slices((x, y))
    assert p.element_spec[0].shape == (2,) and p.element_spec[1].dtype == y.dtype
    assert p.cardinality() == 3


def test_sources_range_from_tensors_zip_and_generator():
    assert ints(Pipeline.range(5)) == [0, 1, 2, 3, 4]
    assert ints(Pipeline.range(2, 9, 3)) == [2, 5, 8]
    assert Pipeline.range(3).element_spec.dtype == np.int64
    (one,) = list(Pipeline.from_tensors(np.zeros((3, 2))))
    assert one.shape == (3, 2)
    z = list(Pipeline.zip((Pipeline.range(3), Pipeline.range(10, 20))))
    assert [(int(a), int(b)) for a, b in z] == [(0, 10), (1, 11), (2, 12)]  # the shortest decides
    g = Pipeline.from_generator(lambda n: iter(range(n)), output_types=np.float32, args=(3,))
    assert [v.dtype for v in g] == [np.float32] * 3 and g.cardinality() == UNKNOWN
    bad = Pipeline.from_generator(lambda: iter([[1, 2], [1, 2, 3]]), np.int64, output_shapes=(2,))
    with pytest.raises(ShapeError, match="element 1 has a component of shape"):
        list(bad)


def test_source_errors_name_the_method_and_the_shapes():
    with pytest.raises(ShapeError, match=r"same first dimension.*\(3, 2\) and \(4,\)"):
        Pipeline.from_tensor_slices((np.zeros((3, 2)), np.zeros(4)))
    with pytest.raises(ShapeError, match="scalar"):
        Pipeline.from_tensor_slices(np.float32(1.0))
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        Pipeline.range(3).batch(0)
    with pytest.raises(ValueError, match="buffer_size"):
        Pipeline.range(3).shuffle(0)
    with pytest.raises(ValueError, match="count"):
        Pipeline.range(3).take(-2)
    with pytest.raises(TypeError, match="callable"):
        Pipeline.range(3).map(3)


# -- batch ----------------------------------------------------------------------------------------

def test_batch_keeps_the_short_last_batch_unless_drop_remainder():
    assert [b.tolist() for b in Pipeline.range(7).batch(3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in Pipeline.range(7).batch(3, drop_remainder=True)] == [[0, 1, 2], [3, 4, 5]]
    assert Pipeline.range(7).batch(3).element_spec.shape == (None,)  # TF: unknown batch size...
    assert Pipeline.range(7).batch(3, drop_remainder=True).element_spec.shape == (3,)  # ...unless dropped
    assert Pipeline.range(7).batch(3).cardinality() == 3 and Pipeline.range(7).batch(3, True).cardinality() == 2


def test_batch_stacks_structures_and_refuses_different_shapes():
    x = np.arange(12.0).reshape(6, 2)
    (bx, by), _ = list(Pipeline.from_tensor_slices((x, np.arange(6))).batch(4))
    np.testing.assert_array_equal(bx, x[:4])
    np.testing.assert_array_equal(by, [0, 1, 2, 3])
    ragged = Pipeline.from_generator(lambda: iter([np.zeros(3), np.zeros(4)]))
    with pytest.raises(ShapeError, match=r"component 0: the first element has shape \(3,\) and element 1 has shape"):
        list(ragged.batch(2))


def test_index_path_gathers_the_same_batches_as_stacking_elements():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(53, 3, 2)).astype(np.float32), rng.integers(0, 9, 53)
    fast = Pipeline.from_tensor_slices((x, y)).shuffle(17, seed=4).repeat(2).skip(3).take(90).batch(8)
    slow = Pipeline.from_tensor_slices((x, y)).map(lambda a, b: (a, b)).shuffle(17, seed=4).repeat(2).skip(3) \
        .take(90).batch(8)
    a, b = list(fast), list(slow)
    assert len(a) == len(b) == 12
    for (ax, ay), (bx, by) in zip(a, b):
        assert ax.dtype == bx.dtype and ax.tobytes() == bx.tobytes() and np.array_equal(ay, by)


def test_padded_batch_pads_to_the_longest_or_to_the_given_shape():
    gen = Pipeline.from_generator(lambda: iter([[1], [2, 3], [4, 5, 6]]), np.int64)
    assert [b.tolist() for b in gen.padded_batch(2)] == [[[1, 0], [2, 3]], [[4, 5, 6]]]
    assert [b.tolist() for b in gen.padded_batch(3, padded_shapes=(4,), padding_values=-1)] == \
        [[[1, -1, -1, -1], [2, 3, -1, -1], [4, 5, 6, -1]]]
    with pytest.raises(ShapeError, match="more than the padded size 2"):
        list(gen.padded_batch(3, padded_shapes=(2,)))


def test_unbatch_undoes_batch():
    assert ints(Pipeline.range(7).batch(3).unbatch()) == list(range(7))


# -- shuffle ---------------------------------------------------------------------------------------

def test_seeded_shuffle_repeats_bit_for_bit_and_reshuffles_each_pass():
    def make():
        return Pipeline.range(50).shuffle(20, seed=123)

    p = make()
    first, second = ints(p), ints(p)
    assert sorted(first) == list(range(50)) and sorted(second) == list(range(50))
    assert first != second  # a new pass (epoch) reshuffles
    q = make()
    assert ints(q) == first and ints(q) == second  # a fresh pipeline repeats the same epochs
    epochs = ints(make().repeat(2))
    assert epochs == first + second  # repeat's epochs are the same passes
    fixed = Pipeline.range(50).shuffle(20, seed=123, reshuffle_each_iteration=False)
    assert ints(fixed) == ints(fixed)
    assert ints(Pipeline.range(10).shuffle(1, seed=1)) == list(range(10))  # a buffer of 1 does not shuffle


def test_unseeded_shuffle_follows_neuralabs_global_seed():
    import neuralab as nl

    nl.seed(11)
    a = ints(Pipeline.range(30).shuffle(30))
    nl.seed(11)
    b = ints(Pipeline.range(30).shuffle(30))
    assert a == b and sorted(a) == list(range(30))


def test_shuffle_buffer_semantics_match_tfs_algorithm():
    """TF's shuffle: emit a uniform draw from a buffer of buffer_size, refill that slot with the next input.

    With buffer 2 over [0, 1, 2] the possible orders are exactly [0,1,2], [0,2,1], [1,0,2], [1,2,0], each with
    probability 1/4 (2 is never first); element i can never appear before position i - buffer_size + 1.
    """
    counts = Counter(tuple(ints(Pipeline.range(3).shuffle(2, seed=s))) for s in range(4000))
    assert set(counts) == {(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0)}
    for c in counts.values():
        assert abs(c - 1000) < 4 * np.sqrt(4000 * 0.25 * 0.75)
    for s in range(200):
        out = ints(Pipeline.range(40).shuffle(5, seed=s))
        assert all(v <= pos + 4 for pos, v in enumerate(out))
    firsts = Counter(ints(Pipeline.range(4).shuffle(10, seed=s))[0] for s in range(4000))
    assert all(abs(firsts[k] - 1000) < 4 * np.sqrt(4000 * 0.25 * 0.75) for k in range(4))  # uniform permutation


# -- repeat, take, skip, shard, filter, concatenate, enumerate -------------------------------------

def test_repeat_take_skip_follow_tf():
    assert ints(Pipeline.range(3).repeat(2)) == [0, 1, 2, 0, 1, 2]
    assert ints(Pipeline.range(3).repeat().take(7)) == [0, 1, 2, 0, 1, 2, 0]
    assert ints(Pipeline.range(3).repeat(-1).take(4)) == [0, 1, 2, 0]
    assert ints(Pipeline.range(3).repeat(0)) == []
    assert ints(Pipeline.range(0).repeat()) == []  # an empty input repeated forever ends
    assert ints(Pipeline.range(5).take(-1)) == list(range(5)) and ints(Pipeline.range(5).take(9)) == list(range(5))
    assert ints(Pipeline.range(5).skip(2)) == [2, 3, 4] and ints(Pipeline.range(5).skip(-1)) == []
    assert ints(Pipeline.range(5).skip(9)) == []
    assert ints(Pipeline.range(10).shard(3, 1)) == [1, 4, 7]
    assert Pipeline.range(3).repeat().cardinality() == INFINITE
    assert Pipeline.range(5).skip(2).take(2).cardinality() == 2


def test_map_filter_concatenate_enumerate():
    p = Pipeline.from_tensor_slices((np.arange(5), np.arange(5) * 10)).map(lambda a, b: {"s": a + b, "d": b - a})
    got = list(p)
    assert [int(e["s"]) for e in got] == [0, 11, 22, 33, 44] and [int(e["d"]) for e in got] == [0, 9, 18, 27, 36]
    assert set(p.element_spec) == {"s", "d"}
    assert ints(Pipeline.range(10).filter(lambda v: v % 3 == 0)) == [0, 3, 6, 9]
    with pytest.raises(ShapeError, match="scalar boolean"):
        list(Pipeline.range(3).filter(lambda v: np.array([True, False])))
    assert ints(Pipeline.range(2).concatenate(Pipeline.range(5, 7))) == [0, 1, 5, 6]
    with pytest.raises(TypeError, match="structures differ"):
        Pipeline.range(2).concatenate(Pipeline.from_tensors(np.zeros(2, np.float32)))
    assert [(int(i), int(v)) for i, v in Pipeline.range(3, 6).enumerate(1)] == [(1, 3), (2, 4), (3, 5)]
    assert ints(Pipeline.range(4).apply(lambda ds: ds.skip(1).take(2))) == [1, 2]


def test_interleave_and_flat_map_follow_tfs_order():
    # TF's documented example: range(1, 6).interleave(lambda x: from_tensors(x).repeat(x), cycle 2, block 2)
    got = ints(Pipeline.range(1, 6).interleave(lambda x: Pipeline.from_tensors(x).repeat(int(x)), cycle_length=2,
                                               block_length=2))
    assert got == [1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 4, 4, 5, 5, 5]
    assert ints(Pipeline.range(1, 4).flat_map(lambda x: Pipeline.from_tensors(x).repeat(int(x)))) == \
        [1, 2, 2, 3, 3, 3]


def test_cache_replays_the_first_pass():
    rng = np.random.default_rng(0)
    p = Pipeline.range(5).map(lambda v: v + rng.integers(1000)).cache()
    assert ints(p) == ints(p)  # a random map is frozen by the cache
    q = Pipeline.from_tensor_slices(np.arange(8)).shuffle(8, seed=2).cache().batch(8)
    a, b = [x.tolist() for x in q], [x.tolist() for x in q]
    assert a == b and sorted(a[0]) == list(range(8))


# -- prefetch ---------------------------------------------------------------------------------------

def test_prefetch_keeps_the_order_and_reraises_errors():
    p = Pipeline.range(100).shuffle(30, seed=9).map(lambda v: v * 2)
    assert ints(p.prefetch(3)) == ints(Pipeline.range(100).shuffle(30, seed=9).map(lambda v: v * 2))

    def boom(v):
        if int(v) == 3:
            raise ValueError("bad element 3")
        return v

    with pytest.raises(ValueError, match="bad element 3"):
        list(Pipeline.range(5).map(boom).prefetch(2))


def test_prefetch_thread_ends_when_the_consumer_stops_early():
    before = {t for t in threading.enumerate() if t.name == "neuralab-prefetch"}
    it = iter(Pipeline.range(10 ** 6).prefetch(2))
    assert int(next(it)) == 0
    it.close()
    del it
    for t in [t for t in threading.enumerate() if t.name == "neuralab-prefetch" and t not in before]:
        t.join(timeout=2)
        assert not t.is_alive()


# -- with the native trainer -----------------------------------------------------------------------

def test_fit_trains_on_a_pipeline_of_batches_reshuffled_every_epoch():
    import neuralab as nl
    from neuralab.train import fit

    nl.seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 2)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    model = nl.nn.Sequential(nl.nn.Dense(2, 2))
    data = Pipeline.from_tensor_slices((x, y)).shuffle(120, seed=1).batch(20)
    trainer, hist = fit(model, data, epochs=30, lr=0.1, verbose=0)
    acc = (np.argmax(model(nl.tensor(x)).numpy(), 1) == y).mean()
    assert acc > 0.95
