"""The compat layer's fast paths keep TF 1.x's results exactly (issue 8, whole programs at TF's speed).

- ``input_data.DataSet`` keeps a permutation instead of reordering its arrays every epoch: the batches,
  ``images``/``labels`` and ``epochs_completed`` are compared with TF 1.x's algorithm written out below
  (reorder the arrays at each epoch start with the same generator).
"""
import numpy as np
import pytest

from neuralab.compat.v1.examples.tutorials.mnist.input_data import DataSet


class _TFDataSet:
    """TF 1.x's DataSet.next_batch as the tutorials ran it: the arrays themselves are reordered each epoch."""

    def __init__(self, images, labels, seed):
        self.images, self.labels, self.n = images, labels, len(images)
        self.epochs_completed, self.index = 0, 0
        self.rng = np.random.RandomState(seed)

    def shuffle(self):
        perm = self.rng.permutation(self.n)
        self.images, self.labels = self.images[perm], self.labels[perm]

    def next_batch(self, k, shuffle=True):
        start = self.index
        if self.epochs_completed == 0 and start == 0 and shuffle:
            self.shuffle()
        if start + k <= self.n:
            self.index += k
            return self.images[start:self.index], self.labels[start:self.index]
        self.epochs_completed += 1
        rest_i, rest_l = self.images[start:], self.labels[start:]
        if shuffle:
            self.shuffle()
        self.index = k - (self.n - start)
        return (np.concatenate((rest_i, self.images[:self.index])),
                np.concatenate((rest_l, self.labels[:self.index])))


def _data(n=53):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, (n, 28, 28, 1)).astype(np.uint8)
    y = np.eye(10)[rng.integers(0, 10, n)]
    return x, y


@pytest.mark.parametrize("batch", [1, 7, 10, 53, 60])
def test_next_batch_matches_tf_reordering(batch):
    x, y = _data()
    ours = DataSet(x, y, seed=5)
    ref = _TFDataSet(ours.images.copy(), y.copy(), seed=5)
    for step in range(40):
        a, b = ours.next_batch(batch), ref.next_batch(batch)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
        assert ours.epochs_completed == ref.epochs_completed
        if step % 9 == 0:  # the reordered arrays, as TF would hold them now
            np.testing.assert_array_equal(ours.images, ref.images)
            np.testing.assert_array_equal(ours.labels, ref.labels)
    assert a[0].dtype == np.float32 and a[0].shape[1] == 784


def test_images_before_any_shuffle_are_the_stored_arrays_and_no_shuffle_gives_views():
    x, y = _data()
    ds = DataSet(x, y, seed=0)
    assert ds.images is ds.images and ds.labels is ds.labels  # no copy until a shuffle
    np.testing.assert_array_equal(ds.images, x.reshape(53, 784).astype(np.float32) * np.float32(1 / 255))
    a, la = ds.next_batch(10, shuffle=False)
    assert np.shares_memory(a, ds.images) and np.shares_memory(la, ds.labels)  # slices, as in TF
    np.testing.assert_array_equal(a, ds.images[:10])
    ref = _TFDataSet(ds.images.copy(), y.copy(), seed=0)
    ref.index = 10
    for _ in range(12):  # crossing epochs without shuffling, then with
        np.testing.assert_array_equal(ds.next_batch(9, shuffle=False)[0], ref.next_batch(9, shuffle=False)[0])
    for _ in range(12):
        np.testing.assert_array_equal(ds.next_batch(9)[1], ref.next_batch(9)[1])


def test_softmax_cross_entropy_with_logits_runs_the_fused_op_with_tf_gradients():
    """v1: no gradient into labels, logits get p - labels; v2: labels get -log_softmax (TF's documented rule)."""
    import neuralab.compat.v1 as tf

    x_val = np.array([[2.0, 1.0, 0.1], [0.0, -1.0, 3.0]], np.float32)
    y_val = np.array([[1.0, 0.0, 0.0], [0.2, 0.3, 0.5]], np.float32)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 3])
        y = tf.placeholder(tf.float32, [None, 3])
        l1 = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=x)
        l2 = tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=x)
        gx1, gy1 = tf.gradients(tf.reduce_sum(l1), [x, y])
        gx2, gy2 = tf.gradients(tf.reduce_sum(l2), [x, y])
        assert gy1 is None
        assert any(op.type == "SoftmaxCrossEntropyWithLogits" for op in g.get_operations())
        with tf.Session() as sess:
            v1, v2, a1, a2, b2 = sess.run([l1, l2, gx1, gx2, gy2], {x: x_val, y: y_val})
    lsm = x_val - np.log(np.exp(x_val).sum(1, keepdims=True))
    np.testing.assert_allclose(v1, -(y_val * lsm).sum(1), rtol=1e-6)
    np.testing.assert_allclose(v2, v1, rtol=0)
    np.testing.assert_allclose(a1, np.exp(lsm) - y_val, rtol=1e-5, atol=1e-7)  # rows of y sum to 1
    np.testing.assert_allclose(a2, a1, rtol=0)
    np.testing.assert_allclose(b2, -lsm, rtol=1e-6)


# -- summaries: encoded in the wire format, written synchronously -----------------------------------------

def _tf_histogram(values, limits):
    """TF's C++ Histogram: Add() counts each value in the bucket of the first limit above it; EncodeToProto()
    merges each run of empty buckets into one entry (the run's last limit)."""
    counts = [0.0] * len(limits)
    for v in values:
        b = int(np.searchsorted(limits, v, side="right"))
        counts[min(b, len(limits) - 1)] += 1
    out_limits, out_counts, i = [], [], 0
    while i < len(counts):
        end, c = limits[i], counts[i]
        i += 1
        if c <= 0:
            while i < len(counts) and counts[i] <= 0:
                end, c = limits[i], counts[i]
                i += 1
        out_limits.append(end)
        out_counts.append(c)
    return out_limits, out_counts


def test_crc32c_and_record_framing():
    from neuralab.compat.v1 import summary as S

    assert S._crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value
    rng = np.random.default_rng(0)
    for n in [0, 1, 4, 63, 64, 65, 255, 256, 257, 1000, 4099]:
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        crc = 0xFFFFFFFF  # the bitwise definition, reflected polynomial 0x82F63B78
        for byte in data:
            crc ^= byte
            for _ in range(8):
                crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
        assert S._crc32c(data) == crc ^ 0xFFFFFFFF, n
    rec = S._record(b"payload")
    assert rec[:8] == (7).to_bytes(8, "little") and rec[12:19] == b"payload" and len(rec) == 23


def test_histogram_summary_is_tensorflows():
    pb = pytest.importorskip("tensorboardX.proto.summary_pb2")
    from neuralab.compat.v1 import errors, summary as S

    rng = np.random.default_rng(1)
    values = np.concatenate([rng.standard_normal(200) * 3, [0.0, 0.0, 1e-13, -5e-12, 1e25]])
    h = pb.Summary.FromString(S._serialize("histogram", "w", values, 3)).value[0]
    assert h.tag == "w"
    limits, counts = _tf_histogram(values, S._tf_bucket_limits())
    assert list(h.histo.bucket_limit) == limits and list(h.histo.bucket) == counts
    assert (h.histo.min, h.histo.max, h.histo.num) == (values.min(), values.max(), len(values))
    np.testing.assert_allclose([h.histo.sum, h.histo.sum_squares], [values.sum(), (values ** 2).sum()], rtol=1e-12)
    with pytest.raises(errors.InvalidArgumentError, match="Nan in summary histogram for: w"):
        S._serialize("histogram", "w", np.array([1.0, np.nan]), 3)


def test_image_and_text_summaries_decode():
    pb = pytest.importorskip("tensorboardX.proto.summary_pb2")
    from neuralab.compat.v1 import summary as S

    imgs = np.random.default_rng(2).random((2, 5, 7, 3)).astype(np.float32)
    vals = pb.Summary.FromString(S._serialize("image", "in", imgs, 3)).value
    assert [v.tag for v in vals] == ["in/image/0", "in/image/1"]
    im = vals[1].image
    assert (im.height, im.width, im.colorspace) == (5, 7, 3)
    png = im.encoded_image_string
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    import zlib
    idat = png[png.index(b"IDAT") + 4:png.index(b"IEND") - 8]
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(5, 1 + 7 * 3)
    assert (rows[:, 0] == 0).all()  # filter type none
    np.testing.assert_array_equal(rows[:, 1:].reshape(5, 7, 3), S._image_uint8(imgs[1]))
    t = pb.Summary.FromString(S._serialize("text", "note", np.array(["hello", "wörld"]), 3)).value[0]
    assert t.tag == "note" and t.metadata.plugin_data.plugin_name == "text"
    assert list(t.tensor.string_val) == [b"hello", "wörld".encode()]
    assert [d.size for d in t.tensor.tensor_shape.dim] == [2]


def test_file_writer_events_read_back_and_flush(tmp_path):
    ea_mod = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    import neuralab.compat.v1 as tf

    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None], name="x")
        s = tf.summary.scalar("mean", tf.reduce_mean(x))
        h = tf.summary.histogram("values", x)
        merged = tf.summary.merge_all()
        writer = tf.summary.FileWriter(str(tmp_path / "run"), g, max_queue=1000, flush_secs=1000)
        with tf.Session() as sess:
            for step in range(5):
                writer.add_summary(sess.run(merged, {x: [step, 2.0 * step]}), step)
            writer.flush()  # readable now, without closing
            ea = ea_mod.EventAccumulator(str(tmp_path / "run"), size_guidance={"scalars": 0, "histograms": 0})
            ea.Reload()
            assert [(e.step, e.value) for e in ea.Scalars("mean")] == [(k, 1.5 * k) for k in range(5)]
            assert ea.Histograms("values")[3].histogram_value.num == 2
            assert {"x", "Mean"} <= {n.name for n in ea.Graph().node}
            writer.close()
            writer.add_summary(sess.run(s, {x: [9.0]}), 9)  # dropped after close, as TF does
            writer.reopen()
            writer.add_summary(sess.run(h, {x: [1.0]}), 10)
            writer.close()
    assert len(list((tmp_path / "run").iterdir())) == 2
    ea = ea_mod.EventAccumulator(str(tmp_path / "run"), size_guidance={"scalars": 0, "histograms": 0})
    ea.Reload()
    assert [e.step for e in ea.Scalars("mean")] == list(range(5)) and ea.Histograms("values")[-1].step == 10


# -- the whole-program benchmark's programs (benchmarks/bench_tf1_programs.py): a tiny check ----------------

def _bench_module():
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "bench_tf1_programs.py"
    spec = importlib.util.spec_from_file_location("bench_tf1_programs", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_benchmark_programs_run_through_the_runner_and_time_their_phases(tmp_path, capsys):
    from neuralab.compat.v1.runner import run_script
    from neuralab.data import digits, write_idx

    bench = _bench_module()
    ds = digits()
    img = np.pad(np.kron(ds.x_train[:300].reshape(-1, 8, 8), np.ones((1, 3, 3))), ((0, 0), (2, 2), (2, 2)))
    for stem, arr in [("train-images-idx3-ubyte", img), ("t10k-images-idx3-ubyte", img[:100])]:
        write_idx(tmp_path / f"{stem}.gz", np.round(arr * 255).astype(np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", ds.y_train[:300].astype(np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", ds.y_train[:100].astype(np.uint8))
    progs = bench.write_programs(tmp_path / "progs", ["softmax", "dropout"])
    for name in ("softmax", "dropout"):
        tf_text = (progs / f"{name}_tf.py").read_text()
        assert "import tensorflow.compat.v1 as tf\ntf.disable_v2_behavior()" in tf_text
        assert "import _tf1_input_data as input_data" in tf_text
        assert tf_text.count("\n") == (progs / f"{name}.py").read_text().count("\n") + 3  # only the imports differ
        with pytest.warns(UserWarning):  # a fixture, not the official MNIST
            run_script(str(progs / f"{name}.py"), [str(tmp_path), "30"])
        out = capsys.readouterr().out
        assert "Learning started" in out and "Epoch: 0030" in out and "Learning Finished!" in out
        costs = [float(line.split("cost =")[1]) for line in out.splitlines() if line.startswith("Epoch:")]
        assert costs[-1] < 0.7 * costs[0]  # it learns
        acc = float(out.split("Accuracy:")[1].split()[0])
        assert 0.3 < acc <= 1.0 if name == "dropout" else 0.0 <= acc <= 1.0  # (chance 0.1; softmax starts far off)
    # the harness's phase split, on a stand-in program that prints the same markers
    fake = tmp_path / "fake.py"
    fake.write_text("import time\nprint('Learning started.')\nfor e in range(2):\n    time.sleep(0.05)\n"
                    "    print('Epoch:', e)\nprint('Learning Finished!')\nprint('Accuracy: 0.5')\n")
    import sys

    res = bench.run_program([sys.executable, str(fake)])
    assert res["rc"] == 0 and res["accuracy"] == 0.5 and res["epochs"] == 2 and res["train"] >= 0.1
    assert abs(bench.normalized(res, 4) - (res["startup"] + 2 * res["train"] + res["eval"])) < 1e-9
