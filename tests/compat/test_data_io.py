"""tf.data, the queue readers, tf.app/flags, tf.logging, tf.gfile and tensorflow.python paths (issue 8, part A).

TF 1.x-style scripts (tests/compat/scripts/) run through the runner and must
print learned results or exact values; API tests check TF 1.x's documented
semantics (checked by hand against TensorFlow 2.21's compat.v1).
"""
import os
import re
import subprocess
import sys
import threading

import numpy as np
import pytest

import neuralab.compat.v1 as tf
from neuralab.compat.v1 import flags as tf_flags
from neuralab.compat.v1 import io_ops
from neuralab.compat.v1.runner import run_script

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "scripts")
DATA = os.path.join(HERE, "data")
CSV = os.path.join(DATA, "data-01-test-score.csv")


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def _run(capsys, name, *argv):
    run_script(os.path.join(SCRIPTS, name), [str(a) for a in argv])
    return capsys.readouterr()


def _no_runner_threads():
    return not [t for t in threading.enumerate() if t.name.startswith("QueueRunnerThread") and t.is_alive()]


# =====================================================================================
# scripts
# =====================================================================================

def test_script_one_shot_iterator_learns_the_line(capsys):
    out = _run(capsys, "data_one_shot_regression.py").out
    w, b = map(float, re.search(r"W: (\S+) b: (\S+)", out).groups())
    assert abs(w - 3) < 1e-3 and abs(b + 2) < 1e-3
    assert "(TensorShape([Dimension(None), Dimension(1)]), TensorShape([Dimension(None), Dimension(1)]))" in out


def test_script_initializable_iterator_epochs_end_with_out_of_range(capsys):
    out = _run(capsys, "data_initializable_epochs.py").out
    assert re.findall(r"epoch \d batches (\d+)", out) == ["6"] * 5  # ceil(90 / 16) batches, every epoch
    assert float(re.search(r"Accuracy: (\S+)", out).group(1)) >= 0.95


def test_script_reinitializable_iterator_switches_train_and_validation(capsys):
    out = _run(capsys, "data_reinitializable_digits.py").out
    seen = re.findall(r"seen (\d+) Accuracy: (\S+)", out)
    assert len(seen) == 3 and all(int(s) == 359 for s, _ in seen)  # the whole validation set each time
    assert float(seen[-1][1]) > 0.85


def test_script_feedable_iterator_by_string_handle(capsys):
    out = _run(capsys, "data_feedable_handle.py").out.splitlines()
    assert out == ["train: [0, 2, 4, 6]", "train: [8, 10, 12, 14]",
                   "val: [[0, -1, -2, -3, -4], [-5, -6, -7, -8, -9]]",
                   "val: [[0, -1, -2, -3, -4], [-5, -6, -7, -8, -9]]", "train: [16, 18, 20, 22]"]


def test_script_text_line_dataset_with_decode_csv(capsys):
    out = _run(capsys, "data_textline_csv.py", CSV).out
    assert "rows: 25" in out
    assert "(TensorShape([Dimension(None), Dimension(3)]), TensorShape([Dimension(None), Dimension(1)]))" in out
    w = [float(v) for v in re.search(r"W: \[(.*)\]", out).group(1).split(",")]
    assert np.allclose(w, [0.4, 0.5, 1.1], atol=0.1)  # the data's generating weights
    assert float(re.search(r"final cost: (\S+)", out).group(1)) < 1e-3


def test_script_lab_04_4_reads_the_csv_with_queue_runners(capsys, monkeypatch):
    """The lecture's lab 04-4, unchanged: filename queue, TextLineReader, decode_csv, tf.train.batch."""
    monkeypatch.chdir(DATA)
    out = _run(capsys, "lab_04_4_csv_queue.py").out
    costs = [float(c) for c in re.findall(r"Cost:\s+(\S+)", out)]
    assert len(costs) == 5 and costs[-1] < 0.01 * costs[0] and costs[-1] < 20
    mine = float(re.search(r"Your score will be\s+\[\[(\S+)\]\]", out).group(1))
    assert abs(mine - (0.4 * 100 + 0.5 * 70 + 1.1 * 101)) < 5  # the CSV's generating rule
    assert _no_runner_threads()


def test_script_shuffle_batch_with_epoch_limit_sees_every_example_exactly(capsys):
    out = _run(capsys, "queue_shuffle_batch_epochs.py").out
    assert "Done training -- epoch limit reached" in out
    got = re.search(r"seen: (\d+) label sum: (\d+) pixel sum: (\S+)", out).groups()
    want = re.search(r"expected: (\d+) (\d+) (\S+)", out).groups()
    assert got == want  # 3 epochs of 23 examples, each exactly once per epoch
    assert _no_runner_threads()


def test_script_app_run_parses_flags_and_calls_main(capsys):
    with pytest.raises(SystemExit) as e:
        _run(capsys, "app_flags_train.py", "--learning_rate=0.5", "--steps", "60", "--nouse_bias", "--layers=4,8",
             "extra", "--optimizer", "adam", "positional")
    assert e.value.code is None  # main returned None: exit status 0
    out = capsys.readouterr().out
    assert "argv: ['extra', 'positional']" in out
    for line in ("flag layers = ['4', '8']", "flag learning_rate = 0.5", "flag optimizer = 'adam'",
                 "flag run_name = 'default'", "flag steps = 60", "flag use_bias = False"):
        assert line in out
    assert abs(float(re.search(r"W: (\S+)", out).group(1)) - 2.0) < 0.1
    # the same script again in this process, other flags: the flags are redefined, defaults restored
    with pytest.raises(SystemExit):
        _run(capsys, "app_flags_train.py", "--steps=300")
    out = capsys.readouterr().out
    assert "flag use_bias = True" in out and "flag steps = 300" in out and "flag learning_rate = 0.1" in out
    assert abs(float(re.search(r"W: (\S+)", out).group(1)) - 2.0) < 0.01


def test_script_app_run_bad_flag_value_exits_1_with_absls_message(capsys):
    with pytest.raises(SystemExit) as e:
        _run(capsys, "app_flags_train.py", "--steps=abc")
    assert e.value.code == 1
    err = capsys.readouterr().err
    assert "FATAL Flags parsing error: flag --steps=abc: invalid literal for int() with base 10: 'abc'" in err
    with pytest.raises(SystemExit) as e:
        _run(capsys, "app_flags_train.py", "--steps=0")
    assert e.value.code == 1 and "flag --steps=0: 0 is not >= 1" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        _run(capsys, "app_flags_train.py", "--help")
    assert e.value.code == 0
    assert "--learning_rate: Initial learning rate." in capsys.readouterr().out


def test_script_logging_levels_and_counted_messages(capsys):
    captured = _run(capsys, "logging_verbosity.py")
    assert captured.out.strip() == "verbosity 20"
    assert captured.err.splitlines() == [
        "WARNING:tensorflow:shown at the default verbosity", "INFO:tensorflow:step 7 loss 0.25",
        "INFO:tensorflow:every 3: 0", "WARNING:tensorflow:first 2: 0", "WARNING:tensorflow:first 2: 1",
        "INFO:tensorflow:every 3: 3", "INFO:tensorflow:every 3: 6", "ERROR:tensorflow:an error"]
    tf.logging.set_verbosity(tf.logging.WARN)


def test_script_gfile_round_trip(capsys, tmp_path):
    out = _run(capsys, "gfile_files.py", tmp_path).out.splitlines()
    assert out == [
        "exists before: False", "is dir: True", "lines: ['first line', 'second line']",
        "readline: 'first line\\n' size: 23", "bytes: [0, 1, 2, 3, 4]", "copy refused: already exists",
        "listing: ['blob.bin', 'moved.txt', 'notes.txt']", "glob: ['moved.txt', 'notes.txt']", "stat length: 23",
        "walk: [('/logs', []), ('/logs/run1', ['blob.bin', 'moved.txt', 'notes.txt'])]",
        "remove refused: not found", "exists after: False"]


def test_script_tensorflow_python_import_paths(capsys):
    out = _run(capsys, "python_paths.py").out.splitlines()
    assert out == ["devices: [('/device:CPU:0', 'CPU')]", "graph is default: True", "w name: layer/w:0",
                   "flat: [3, 1, 2]", "gfile exists: True", "out: 6.0", "step: 2 two: 2.0"]


def test_eager_datasets_iterate_with_for():
    """After tf.enable_eager_execution() (for the rest of the process: run in a subprocess)."""
    src = ("import numpy as np, tensorflow as tf\n"
           "tf.enable_eager_execution()\n"
           "ds = tf.data.Dataset.from_tensor_slices((np.arange(6.0, dtype=np.float32), np.arange(6)))\n"
           "ds = ds.map(lambda x, y: (x * 2, y + 1)).batch(4)\n"
           "print([(x.numpy().tolist(), y.numpy().tolist()) for x, y in ds])\n")
    code = ("import sys; from neuralab.compat.v1.runner import installed\n"
            "with installed():\n    exec(compile(sys.argv[1], 'eager', 'exec'), {'__name__': '__main__'})\n")
    r = subprocess.run([sys.executable, "-c", code, src], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[([0.0, 2.0, 4.0, 6.0], [1, 2, 3, 4]), ([8.0, 10.0], [5, 6])]"


# =====================================================================================
# tf.data API
# =====================================================================================

def _drain(sess, t, **kw):
    out = []
    while True:
        try:
            out.append(sess.run(t, **kw))
        except tf.errors.OutOfRangeError:
            return out


def test_seeded_shuffle_reinitialization_repeats_and_repeat_reshuffles():
    """TF 1.x: re-running an initializer restarts a seeded shuffle in the same order; repeat's epochs differ."""
    ds = tf.data.Dataset.from_tensor_slices(np.arange(10)).shuffle(4, seed=1)
    it = ds.make_initializable_iterator()
    nxt = it.get_next()
    rep = tf.data.Dataset.from_tensor_slices(np.arange(10)).shuffle(10, seed=1).repeat(2)
    rep_next = rep.make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        orders = []
        for _ in range(2):
            sess.run(it.initializer)
            orders.append([int(v) for v in _drain(sess, nxt)])
        both = [int(v) for v in _drain(sess, rep_next)]
    assert orders[0] == orders[1] and sorted(orders[0]) == list(range(10)) and orders[0] != list(range(10))
    assert sorted(both[:10]) == sorted(both[10:]) == list(range(10)) and both[:10] != both[10:]
    with tf.Session() as sess:  # a new session starts the one-shot iterator afresh: the same epochs
        assert [int(v) for v in _drain(sess, rep_next)] == both


def test_get_next_pulls_one_element_per_run_shared_by_its_outputs():
    ds = tf.data.Dataset.from_tensor_slices((np.arange(5), np.arange(5) * 10))
    x, y = ds.make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        assert [v.tolist() for v in sess.run([x, y])] == [0, 0]
        assert sess.run(x) == 1  # fetching one output still takes an element
        a, b = sess.run((x, y))
        assert (a, b) == (2, 20)
        assert sess.run({"y": y})["y"] == 30
        sess.run(y)
        with pytest.raises(tf.errors.OutOfRangeError, match="End of sequence"):
            sess.run(x)
        with pytest.raises(tf.errors.OutOfRangeError):  # and stays at the end
            sess.run([x, y])


def test_iterator_position_belongs_to_the_session():
    nxt = tf.data.Dataset.range(5).make_one_shot_iterator().get_next()
    s1, s2 = tf.Session(), tf.Session()
    assert [s1.run(nxt) for _ in range(3)] == [0, 1, 2]
    assert [s2.run(nxt) for _ in range(2)] == [0, 1]
    assert s1.run(nxt) == 3
    s1.close()
    s2.close()


def test_static_shapes_and_types_follow_tf():
    x = np.zeros((10, 3), np.float32)
    ds = tf.data.Dataset.from_tensor_slices({"a": x, "b": np.arange(10)})
    assert ds.output_types == {"a": tf.float32, "b": tf.int64}
    b = ds.batch(4)
    assert b.output_shapes["a"].as_list() == [None, 3] and b.output_shapes["b"].as_list() == [None]
    d = ds.batch(4, drop_remainder=True)
    assert d.output_shapes["a"].as_list() == [4, 3]
    assert tf.data.Dataset.range(5).output_types == tf.int64 and tf.data.Dataset.range(5).output_shapes == []
    assert tf.data.Dataset.from_tensors(np.zeros((3, 2))).output_shapes.as_list() == [3, 2]
    assert tf.data.Dataset.from_tensor_slices([1.0, 2.0]).output_types == tf.float32  # Python floats -> float32
    assert tf.data.Dataset.from_tensor_slices([1, 2]).output_types == tf.int32
    assert tf.data.Dataset.from_tensor_slices(["a", "b"]).output_types == tf.string
    p = tf.placeholder(tf.float32, [None, 7])
    pb = tf.data.Dataset.from_tensor_slices(p).batch(3)
    assert pb.output_shapes.as_list() == [None, 7]
    t = pb.make_initializable_iterator().get_next()
    assert str(t) == 'Tensor("IteratorGetNext:0", shape=(?, 7), dtype=float32)'
    assert repr(tf.data.Dataset.from_tensor_slices((x, np.arange(10))).batch(2)) == \
        "<Dataset shapes: ((?, 3), (?,)), types: (tf.float32, tf.int64)>"


def test_initializable_iterator_takes_feeds_and_refuses_to_run_uninitialized():
    x = tf.placeholder(tf.float32, [None, 2])
    it = tf.data.Dataset.from_tensor_slices(x).map(lambda r: tf.reduce_sum(r)).make_initializable_iterator()
    s = it.get_next()
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="iterator has not been initialized"):
            sess.run(s)
        sess.run(it.initializer, {x: [[1, 2], [3, 4]]})
        assert [float(v) for v in _drain(sess, s)] == [3.0, 7.0]
        sess.run(it.initializer, {x: [[10, 20]]})  # a new feed restarts it on new data
        assert [float(v) for v in _drain(sess, s)] == [30.0]
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(it.initializer)  # the placeholder must be fed
    with pytest.raises(ValueError, match="Cannot capture a placeholder"):
        tf.data.Dataset.from_tensor_slices(x).make_one_shot_iterator()
    with pytest.raises(ValueError, match="does not have an initializer"):
        _ = tf.data.Dataset.range(3).make_one_shot_iterator().initializer


def test_reinitializable_iterator_checks_the_structure():
    a = tf.data.Dataset.range(3)
    it = tf.data.Iterator.from_structure(a.output_types, a.output_shapes)
    with pytest.raises(TypeError, match="Expected output types"):
        it.make_initializer(tf.data.Dataset.from_tensor_slices(np.zeros(3, np.float32)))
    with pytest.raises(TypeError, match="Expected output shapes compatible"):
        it.make_initializer(tf.data.Dataset.range(3).batch(2))
    init_a, init_b = it.make_initializer(a), it.make_initializer(tf.data.Dataset.range(10, 12))
    nxt = it.get_next()
    with tf.Session() as sess:
        sess.run(init_a)
        assert sess.run(nxt) == 0
        sess.run(init_b)
        assert [int(v) for v in _drain(sess, nxt)] == [10, 11]
        sess.run(init_a)
        assert [int(v) for v in _drain(sess, nxt)] == [0, 1, 2]


def test_map_with_tf_ops_is_evaluated_per_batch_when_elementwise():
    """map(f).batch(n) runs f once per batch when every op of f is elementwise; the values are identical."""
    x = np.random.default_rng(0).integers(0, 256, size=(23, 4)).astype(np.uint8)
    y = np.arange(23)

    def f(a, b):
        return tf.cast(a, tf.float32) / 255.0 - 0.5, b * 2 + 1

    fused = tf.data.Dataset.from_tensor_slices((x, y)).map(f).batch(5)
    plain = tf.data.Dataset.from_tensor_slices((x, y)).map(f).prefetch(1).batch(5)  # prefetch: no fusion
    pf, pp = fused._make({}), plain._make({})
    assert type(pf).__name__ == "_Map" and type(pf._input).__name__ == "_Batch"  # batch, then map per batch
    assert type(pp).__name__ == "_Batch"
    for (a1, b1), (a2, b2) in zip(pf, pp):
        assert a1.dtype == np.float32 and a1.tobytes() == a2.tobytes() and np.array_equal(b1, b2)
    np.testing.assert_allclose(next(iter(pf))[0], x[:5] / np.float32(255) - 0.5, rtol=1e-6)
    # a reshape (not elementwise) or exp (rounding may differ in vector loops): per element
    r = tf.data.Dataset.from_tensor_slices(x).map(lambda a: tf.reshape(a, [2, 2])).batch(5)
    e = tf.data.Dataset.from_tensor_slices(x).map(lambda a: tf.exp(tf.cast(a, tf.float32) / 255.)).batch(5)
    assert type(r._make({})).__name__ == "_Batch" and type(e._make({})).__name__ == "_Batch"
    assert r.output_shapes.as_list() == [None, 2, 2]


def test_map_function_may_use_outer_constants_and_placeholders():
    scale = tf.placeholder(tf.float32, [])
    offset = tf.constant(100.0)
    ds = tf.data.Dataset.from_tensor_slices(np.arange(4, dtype=np.float32)).map(lambda v: v * scale + offset)
    it = ds.make_initializable_iterator()
    nxt = it.get_next()
    with tf.Session() as sess:
        sess.run(it.initializer, {scale: 2.0})
        assert [float(v) for v in _drain(sess, nxt)] == [100.0, 102.0, 104.0, 106.0]
        sess.run(it.initializer, {scale: -1.0})
        assert [float(v) for v in _drain(sess, nxt)] == [100.0, 99.0, 98.0, 97.0]


def test_map_with_a_numpy_function_and_random_ops():
    ds = tf.data.Dataset.from_tensor_slices(np.arange(3.0)).map(lambda v: np.float32(np.sqrt(v) + 1))
    assert ds.output_types == tf.float32
    nxt = ds.make_one_shot_iterator().get_next()
    tf.set_random_seed(4)
    noisy = tf.data.Dataset.from_tensor_slices(np.zeros((6, 2), np.float32)).map(
        lambda v: v + tf.random_uniform([2])).batch(6)
    batch = noisy.make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        np.testing.assert_allclose([sess.run(nxt) for _ in range(3)], np.sqrt([0.0, 1.0, 2.0]) + 1, rtol=1e-6)
        b = sess.run(batch)
    assert b.shape == (6, 2) and len({tuple(r) for r in b.tolist()}) == 6  # a new draw per element
    assert (b >= 0).all() and (b < 1).all()


def test_dataset_transformations_follow_tf():
    with tf.Session() as sess:
        def py(v):
            if isinstance(v, dict):
                return {k: py(x) for k, x in v.items()}
            if isinstance(v, (list, tuple)):
                return type(v)(py(x) for x in v)
            return v.tolist() if isinstance(v, (np.ndarray, np.generic)) else v

        def vals(ds):
            return [py(v) for v in _drain(sess, ds.make_one_shot_iterator().get_next())]

        r = tf.data.Dataset.range
        assert vals(r(10).skip(2).take(3)) == [2, 3, 4]
        assert vals(r(6).filter(lambda v: tf.equal(v % 2, 0))) == [0, 2, 4]
        assert vals(r(3).concatenate(r(7, 9))) == [0, 1, 2, 7, 8]
        assert vals(tf.data.Dataset.zip((r(3), r(5).map(lambda v: v * v)))) == [(0, 0), (1, 1), (2, 4)]
        assert vals(r(1, 4).flat_map(lambda v: tf.data.Dataset.from_tensors(v).repeat(v))) == [1, 2, 2, 3, 3, 3]
        assert vals(r(1, 6).interleave(lambda v: tf.data.Dataset.from_tensors(v).repeat(v), cycle_length=2,
                                       block_length=2)) == [1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 4, 4, 5, 5, 5]
        assert vals(r(7).batch(3).unbatch()) == list(range(7))
        assert vals(r(10).shard(4, 1)) == [1, 5, 9]
        assert vals(r(3).repeat(2)) == [0, 1, 2, 0, 1, 2]
        assert vals(r(5).apply(tf.data.experimental.shuffle_and_repeat(5, count=2, seed=3)).batch(10)) \
            and sorted(vals(r(5).apply(tf.data.experimental.shuffle_and_repeat(5, count=2, seed=3)))) == \
            [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
        g = tf.data.Dataset.from_generator(lambda: iter([[1], [2, 3]]), tf.int64, tf.TensorShape([None]))
        assert vals(g.padded_batch(2, padded_shapes=[3])) == [[[1, 0, 0], [2, 3, 0]]]
        assert vals(r(4).map(lambda v: {"v": v, "sq": v * v}).batch(4)) == [{"v": [0, 1, 2, 3], "sq": [0, 1, 4, 9]}]
        bs = tf.placeholder(tf.int64, [])
        it = r(7).batch(bs).make_initializable_iterator()
        sess.run(it.initializer, {bs: 3})
        assert [v.tolist() for v in _drain(sess, it.get_next())] == [[0, 1, 2], [3, 4, 5], [6]]


def test_dataset_iteration_needs_eager_mode_and_errors_name_the_argument():
    with pytest.raises(RuntimeError, match="eager execution"):
        iter(tf.data.Dataset.range(3))
    with pytest.raises(ValueError, match=r"batch: expected an integer >= 1, got 0"):
        tf.data.Dataset.range(3).batch(0)
    with pytest.raises(ValueError, match="same first dimension"):
        tf.data.Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))
    with pytest.raises(NotImplementedError, match="compression_type"):
        tf.data.TextLineDataset("x.gz", compression_type="GZIP")
    with pytest.raises(AttributeError, match=r"does not provide `tf.data.TFRecordDataset` yet"):
        _ = tf.data.TFRecordDataset


# =====================================================================================
# queues, readers, decode_csv
# =====================================================================================

def test_decode_csv_types_defaults_quotes_and_errors():
    recs = tf.constant(['1.5,2,,"a,b"', '-3,4,7.25,""'])
    a, b, c, d = tf.decode_csv(recs, record_defaults=[[0.0], [0], [9.0], [""]])
    assert [t.dtype for t in (a, b, c, d)] == [tf.float32, tf.int32, tf.float32, tf.string]
    assert a.shape.as_list() == [2]
    with tf.Session() as sess:
        va, vb, vc, vd = sess.run([a, b, c, d])
        assert va.tolist() == [1.5, -3.0] and vb.tolist() == [2, 4] and vc.tolist() == [9.0, 7.25]
        assert vd.tolist() == [b"a,b", b""]
        sel = tf.decode_csv(tf.constant(["1;2;3"]), [[0], [0]], field_delim=";", select_cols=[0, 2])
        assert [v.tolist() for v in sess.run(sel)] == [[1], [3]]
        req = tf.decode_csv(tf.constant(["1,"]), [[1.0], tf.constant([], tf.int32)])
        with pytest.raises(tf.errors.InvalidArgumentError, match="Field 1 is required but missing in record 0"):
            sess.run(req)
        with pytest.raises(tf.errors.InvalidArgumentError, match="Expect 2 fields but have 1 in record 0"):
            sess.run(tf.decode_csv(tf.constant(["1"]), [[1.0], [2]]))
        with pytest.raises(tf.errors.InvalidArgumentError, match="Field 1 in record 0 is not a valid int32: 2.5"):
            sess.run(tf.decode_csv(tf.constant(["1.5,2.5"]), [[0.0], [0]]))
        big = tf.decode_csv(tf.constant(["3000000000"]), [tf.constant([0], tf.int64)])
        assert sess.run(big)[0].tolist() == [3000000000]
    with pytest.raises(TypeError, match="use float32, float64, int32, int64 or string"):
        tf.decode_csv(tf.constant(["1"]), [[True]])


def test_fifo_queue_in_one_thread_and_its_errors(monkeypatch):
    q = tf.FIFOQueue(5, [tf.float32, tf.int32], shapes=[[2], []])
    x = tf.placeholder(tf.float32, [None, 2])
    y = tf.placeholder(tf.int32, [None])
    enq = q.enqueue_many([x, y])
    deq = q.dequeue_many(2)
    one = q.dequeue()
    size, close = q.size(), q.close()
    assert deq[0].shape.as_list() == [2, 2] and one[0].shape.as_list() == [2]
    with tf.Session() as sess:
        sess.run(enq, {x: np.arange(6.0).reshape(3, 2), y: [7, 8, 9]})
        assert sess.run(size) == 3
        a, b = sess.run(deq)
        assert a.tolist() == [[0, 1], [2, 3]] and b.tolist() == [7, 8]
        monkeypatch.setattr(io_ops, "UNFED_WAIT", 0.2)
        with pytest.raises(tf.errors.FailedPreconditionError, match="no thread feeds the queue"):
            sess.run(deq)  # 1 element left and nobody enqueues: TF would hang here
        sess.run(close)
        with pytest.raises(tf.errors.OutOfRangeError, match=r"is closed and has insufficient elements \(requested "
                                                             r"2, current size 1\)"):
            sess.run(deq)
        assert sess.run(one)[1] == 9  # a single element is still there
        with pytest.raises(tf.errors.CancelledError, match="closed"):
            sess.run(enq, {x: np.zeros((1, 2)), y: [0]})
    with pytest.raises(ValueError, match="does not fit the queue's component shape"):
        q.enqueue([tf.zeros([3]), 1])


def test_string_input_producer_and_text_line_reader_read_each_epoch_in_order(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("h1\n1,2\n3,4\n")
    b.write_text("h2\n5,6\n")
    q = tf.train.string_input_producer([str(a), str(b)], num_epochs=2, shuffle=False)
    key, value = tf.TextLineReader(skip_header_lines=1).read(q)
    produced = tf.TextLineReader().num_records_produced()
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        got = []
        try:
            while True:
                got.append(sess.run([key, value]))
        except tf.errors.OutOfRangeError:
            pass
        coord.request_stop()
        coord.join(threads)
        assert sess.run(produced) == 0
    names = [k.decode().rsplit("/", 1)[1] for k, _ in got]
    assert names == ["a.csv:2", "a.csv:3", "b.csv:2"] * 2
    assert [v for _, v in got] == [b"1,2", b"3,4", b"5,6"] * 2
    assert _no_runner_threads()


def test_train_batch_structures_and_shuffle_batch_checks():
    v = tf.constant([1.0, 2.0])
    single = tf.train.batch([v], batch_size=3)
    assert isinstance(single, tf.Tensor) and single.shape.as_list() == [3, 2] and single.name == "batch:0"
    pair = tf.train.batch([v, tf.constant(3)], batch_size=3, allow_smaller_final_batch=True)
    assert isinstance(pair, list) and pair[0].shape.as_list() == [None, 2]
    d = tf.train.batch({"x": v}, batch_size=2)
    assert set(d) == {"x"} and d["x"].shape.as_list() == [2, 2]
    with pytest.raises(ValueError, match="min_after_dequeue"):
        tf.train.shuffle_batch([v], batch_size=10, capacity=12, min_after_dequeue=5)
    with pytest.raises(ValueError, match="fully defined"):
        tf.train.batch([tf.placeholder(tf.float32, [None])], batch_size=2)
    assert len(tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS)) == 3  # one QueueRunner per batch call
    with tf.Session() as sess:
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        assert sess.run(single).tolist() == [[1, 2]] * 3  # the constant, enqueued again and again
        coord.request_stop()
        coord.join(threads)
    assert _no_runner_threads()


def test_coordinator_rethrows_a_thread_error_and_ignores_clean_stops():
    coord = tf.train.Coordinator()

    def work():
        with coord.stop_on_exception():
            raise ValueError("worker failed")

    t = threading.Thread(target=work)
    coord.register_thread(t)
    t.start()
    assert coord.wait_for_stop(5)
    with pytest.raises(ValueError, match="worker failed"):
        coord.join()
    c2 = tf.train.Coordinator()
    c2.request_stop(tf.errors.OutOfRangeError(None, None, "done"))
    c2.join([])  # OutOfRange means "input done": not re-raised
    assert c2.should_stop() and c2.joined


def test_queue_runner_error_goes_to_the_coordinator():
    q = tf.FIFOQueue(4, [tf.float32])
    bad = q.enqueue([tf.constant([1.0, 2.0])])
    enq = q.enqueue([tf.placeholder(tf.float32, [2], name="never_fed")])  # fails in the runner's thread
    tf.train.add_queue_runner(tf.train.QueueRunner(q, [enq]))
    with tf.Session() as sess:
        sess.run(bad)
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        assert coord.wait_for_stop(10)
        with pytest.raises(tf.errors.InvalidArgumentError, match="never_fed"):
            coord.join(threads)
        with pytest.raises(tf.errors.OutOfRangeError):  # the stop closed the queue
            sess.run(q.dequeue_many(2))
    assert _no_runner_threads()


# =====================================================================================
# flags
# =====================================================================================

def _fv():
    fv = tf_flags.FlagValues()
    tf_flags.DEFINE_integer("n", 3, "count", flag_values=fv)
    tf_flags.DEFINE_float("lr", 0.1, "rate", flag_values=fv)
    tf_flags.DEFINE_boolean("fast", False, "go fast", flag_values=fv)
    tf_flags.DEFINE_string("name", None, "a name", flag_values=fv)
    tf_flags.DEFINE_list("sizes", "1,2", "sizes", flag_values=fv)
    tf_flags.DEFINE_enum("mode", "a", ["a", "b"], "mode", flag_values=fv)
    tf_flags.DEFINE_multi_string("tag", [], "tags", flag_values=fv)
    return fv


def test_flags_parse_absl_forms():
    fv = _fv()
    rest = fv(["prog", "--n=5", "pos1", "-lr", "0.5", "--fast", "--name", "x y", "--sizes=", "--mode=b", "--tag=a",
               "--tag", "b", "--", "--n=9"])
    assert rest == ["prog", "pos1", "--n=9"]
    assert (fv.n, fv.lr, fv.fast, fv.name, fv.sizes, fv.mode, fv.tag) == (5, 0.5, True, "x y", [], "b", ["a", "b"])
    fv(["prog", "--nofast", "--sizes=4, 5"])
    assert fv.fast is False and fv.sizes == ["4", "5"] and fv.n == 3  # a new parse starts from the defaults
    fv(["prog", "--fast=false", "--n", "0x10"])
    assert fv.fast is False and fv.n == 16
    assert fv.flag_values_dict()["lr"] == 0.1 and "n" in fv and fv["n"].default == 3


def test_flags_errors_read_like_absls():
    fv = _fv()
    with pytest.raises(tf_flags.UnrecognizedFlagError, match="Unknown command line flag 'bogus'"):
        fv(["prog", "--bogus=1"])
    assert fv(["prog", "--bogus=1", "--n=2"], known_only=True) == ["prog", "--bogus=1"]
    with pytest.raises(tf_flags.IllegalFlagValueError, match=r"flag --mode=c: value should be one of <a\|b>"):
        fv(["prog", "--mode=c"])
    with pytest.raises(tf_flags.IllegalFlagValueError, match="flag --fast=maybe: Non-boolean argument"):
        fv(["prog", "--fast=maybe"])
    with pytest.raises(tf_flags.IllegalFlagValueError, match="the flag needs a value"):
        fv(["prog", "--n"])
    with pytest.raises(tf_flags.DuplicateFlagError, match="The flag 'n' is defined twice"):
        tf_flags.DEFINE_integer("n", 1, "again", flag_values=fv)
    with pytest.raises(AttributeError):
        _ = fv.undefined
    with pytest.raises(tf_flags.UnrecognizedFlagError):
        fv.undefined = 3


def test_flags_parse_sys_argv_on_first_access(monkeypatch):
    fv = _fv()
    monkeypatch.setattr(sys, "argv", ["prog", "--n=8", "--unknown_to_us"])
    assert fv.n == 8 and fv.is_parsed()  # TF 1.x's FLAGS parse the known flags of sys.argv when first read
    fv.n = 11
    assert fv.n == 11


def test_tf_app_flags_is_tf_flags():
    assert tf.app.flags is tf.flags and tf.app.flags.FLAGS is tf.flags.FLAGS
    assert tf.app.flags.DEFINE_bool is tf.flags.DEFINE_boolean


# =====================================================================================
# gfile, tensorflow.python paths
# =====================================================================================

def test_gfile_errors_and_tf2_names(tmp_path):
    with pytest.raises(tf.errors.NotFoundError):
        tf.gfile.GFile(str(tmp_path / "missing.txt")).read()
    with pytest.raises(tf.errors.NotFoundError):
        tf.gfile.MkDir(str(tmp_path / "no" / "parent"))
    tf.gfile.MkDir(str(tmp_path / "d"))
    with pytest.raises(tf.errors.AlreadyExistsError):
        tf.gfile.MkDir(str(tmp_path / "d"))
    with pytest.raises(tf.errors.NotFoundError):
        tf.gfile.ListDirectory(str(tmp_path / "nothing"))
    with tf.io.gfile.GFile(str(tmp_path / "d" / "f.txt"), "w") as f:
        f.write(b"bytes become text")
    assert tf.io.gfile.exists(str(tmp_path / "d" / "f.txt")) and tf.io.gfile.listdir(str(tmp_path / "d")) == ["f.txt"]
    assert tf.io.gfile.stat(str(tmp_path / "d")).is_directory
    tf.io.gfile.rmtree(str(tmp_path / "d"))
    assert not tf.gfile.Exists(str(tmp_path / "d"))
    from neuralab.compat.v1.python.lib.io import file_io

    file_io.write_string_to_file(str(tmp_path / "s.txt"), "abc")
    assert file_io.read_file_to_string(str(tmp_path / "s.txt")) == "abc"
    assert tf.resource_loader.get_data_files_path() == HERE


def test_tensorflow_python_paths_resolve_in_the_runner_and_say_what_is_missing():
    from neuralab.compat.v1.runner import installed

    with installed():
        import tensorflow.python.framework.ops as ops
        from tensorflow.python.ops import init_ops, math_ops, nn_ops
        from tensorflow.python.training import queue_runner

        assert ops.reset_default_graph is tf.reset_default_graph and ops.Tensor is tf.Tensor
        assert math_ops.reduce_sum is tf.reduce_sum and nn_ops.relu is tf.nn.relu
        assert init_ops.Zeros is tf.zeros_initializer
        assert queue_runner.QueueRunner is tf.train.QueueRunner
        with pytest.raises(AttributeError, match=r"does not provide `tensorflow.python.ops.math_ops.frobnicate`"):
            _ = math_ops.frobnicate
        with pytest.raises(ImportError, match=r"does not provide `tensorflow.python.keras"):
            import tensorflow.python.keras  # noqa: F401


def test_inspect_checkpoint_prints_the_saved_variables(tmp_path, capsys):
    from neuralab.compat.v1.python.tools import inspect_checkpoint

    v = tf.Variable([1.0, 2.0], name="v1")
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "model.ckpt"))
    inspect_checkpoint.print_tensors_in_checkpoint_file(path, tensor_name="v1", all_tensors=False)
    assert capsys.readouterr().out.splitlines() == ["tensor_name:  v1", "[1. 2.]"]
    assert v.name == "v1:0"
