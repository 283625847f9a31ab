"""Data loaders: idx parsing on self-written fixtures, the real MNIST when present, bundled sets."""
import gzip
import os
from pathlib import Path

import numpy as np
import pytest

import neuralab.data as D
from neuralab.data import datasets as DS

SHARED_MNIST = Path(os.environ.get("NEURALAB_DATA", "../shared/data")) / "mnist"


def _write_fixture(folder: Path, n_train=12, n_test=5, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    for name, a in arrays.items():
        D.write_idx(folder / name, a)
    return arrays


def test_idx_roundtrip_gz_and_raw(tmp_path):
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    D.write_idx(tmp_path / "a.gz", a)
    D.write_idx(tmp_path / "a.raw", a, compress=False)
    np.testing.assert_array_equal(D.read_idx(tmp_path / "a.gz", expect_magic=2051), a)
    np.testing.assert_array_equal(D.read_idx(tmp_path / "a.raw"), a)


def test_idx_errors(tmp_path):
    a = np.zeros((3, 28, 28), np.uint8)
    D.write_idx(tmp_path / "img.gz", a)
    with pytest.raises(D.DataFormatError, match="expected labels"):
        D.read_idx(tmp_path / "img.gz", expect_magic=2049)
    with pytest.raises(D.DataFormatError, match="3 items, expected 60000"):
        D.read_idx(tmp_path / "img.gz", expect_count=60000)
    raw = gzip.decompress((tmp_path / "img.gz").read_bytes())
    (tmp_path / "short.gz").write_bytes(gzip.compress(raw[:-100]))
    with pytest.raises(D.DataFormatError, match="truncated or corrupt"):
        D.read_idx(tmp_path / "short.gz")
    (tmp_path / "cut.gz").write_bytes((tmp_path / "img.gz").read_bytes()[:40])
    with pytest.raises(D.DataFormatError, match="truncated or corrupt"):
        D.read_idx(tmp_path / "cut.gz")
    (tmp_path / "bad").write_bytes(b"\x12\x34\x08\x03" + b"\x00" * 12)
    with pytest.raises(D.DataFormatError, match="bad magic"):
        D.read_idx(tmp_path / "bad")


def test_mnist_reader_on_fixture(tmp_path):
    arrays = _write_fixture(tmp_path / "mnist")
    ds = D.mnist(root=tmp_path, verify=False, download=False)
    assert ds.x_train.shape == (12, 784) and ds.x_test.shape == (5, 784)
    assert ds.x_train.dtype == np.float32 and ds.x_train.max() <= 1.0
    np.testing.assert_array_equal(ds.y_train, arrays["train-labels-idx1-ubyte.gz"])
    np.testing.assert_allclose(ds.x_test[0], arrays["t10k-images-idx3-ubyte.gz"][0].ravel() / 255.0, rtol=1e-6)
    nhwc = D.mnist(root=tmp_path, verify=False, download=False, flatten=False)
    assert nhwc.x_train.shape == (12, 28, 28, 1)
    # checksums are verified by default: the fixture is not the official file
    with pytest.raises(D.DataFormatError, match="md5"):
        D.mnist(root=tmp_path, download=False)
    fm = tmp_path / "fashion_mnist"
    _write_fixture(fm)
    assert D.fashion_mnist(root=tmp_path, verify=False, download=False).class_names[9] == "Ankle boot"


def test_env_root_and_missing_files_message(tmp_path, monkeypatch):
    _write_fixture(tmp_path / "mnist")
    monkeypatch.setenv("NEURALAB_DATA", str(tmp_path))
    assert D.mnist(verify=False, download=False).x_train.shape[0] == 12
    monkeypatch.setenv("NEURALAB_DATA", str(tmp_path / "nowhere"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(D.DataNotFoundError, match=r"train-images-idx3-ubyte.gz.*nowhere/mnist"):
        D.mnist(download=False)


def test_download_with_checksums(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    _write_fixture(mirror)
    files = [DS._Resource(r.filename, D.file_digest(mirror / r.filename, "md5"))
             for r in DS._IDX_SETS["mnist"]["files"]]
    spec = dict(DS._IDX_SETS["mnist"], files=files,
                mirrors=[(tmp_path / "dead").as_uri() + "/", mirror.as_uri() + "/"])
    monkeypatch.setitem(DS._IDX_SETS, "mnist", spec)
    ds = D.mnist(root=tmp_path / "root", verify=False)  # downloads are always checksummed; 1st mirror fails
    assert ds.x_train.shape == (12, 784)
    assert (tmp_path / "root" / "mnist" / "t10k-labels-idx1-ubyte.gz").exists()
    # a mirror serving a corrupt file: the checksum check refuses it and nothing is left behind
    bad = tmp_path / "badmirror"
    _write_fixture(bad, seed=1)
    spec2 = dict(spec, mirrors=[bad.as_uri() + "/"])
    monkeypatch.setitem(DS._IDX_SETS, "mnist", spec2)
    with pytest.raises(D.DataNotFoundError, match="md5"):
        D.mnist(root=tmp_path / "root2")
    assert not list((tmp_path / "root2" / "mnist").glob("train-images*"))


@pytest.mark.skipif(not (SHARED_MNIST / "train-images-idx3-ubyte.gz").exists(),
                    reason="the real MNIST files are not in $NEURALAB_DATA/mnist (../shared/data/mnist)")
def test_real_mnist():
    ds = D.mnist(root=SHARED_MNIST.parent, download=False)
    assert ds.x_train.shape == (60000, 784) and ds.x_test.shape == (10000, 784)
    assert set(np.unique(ds.y_train)) == set(range(10)) and set(np.unique(ds.y_test)) == set(range(10))
    assert ds.y_train[:5].tolist() == [5, 0, 4, 1, 9]
    img = D.mnist(root=SHARED_MNIST.parent, download=False, flatten=False)
    assert img.x_train.shape == (60000, 28, 28, 1)


def test_bundled_small_sets():
    x = D.xor()
    assert x.y_train.tolist() == [0, 1, 1, 0]
    d = D.digits()
    assert d.x_train.shape[1] == 64 and len(d.x_train) + len(d.x_test) == 1797
    assert 0 <= d.x_train.min() and d.x_train.max() <= 1
    assert np.array_equal(D.digits().y_test, d.y_test)  # fixed split
    i = D.iris()
    assert i.x_train.shape[1] == 4 and len(i.x_train) + len(i.x_test) == 150 and i.num_classes == 3
    assert D.digits(flatten=False).x_train.shape[1:] == (8, 8, 1)


def test_dataloader_and_preprocessing():
    x = np.arange(10, dtype=np.float32)[:, None]
    y = np.arange(10)
    dl = D.DataLoader(x, y, batch_size=4, shuffle=True, seed=3)
    assert len(dl) == 3
    seen = np.concatenate([yb for _, yb in dl])
    assert sorted(seen.tolist()) == list(range(10))
    again = D.DataLoader(x, y, batch_size=4, shuffle=True, seed=3)
    assert np.array_equal(np.concatenate([yb for _, yb in again]), seen)
    assert not np.array_equal(np.concatenate([yb for _, yb in dl]), seen)  # next epoch reshuffles
    assert len(D.DataLoader(x, y, batch_size=4, drop_last=True)) == 2
    assert [len(b) for b, _ in D.DataLoader(x, y, batch_size=4, drop_last=True)] == [4, 4]
    (xt, yt), (xv, yv) = D.train_val_split(x, y, 0.2, seed=0)
    assert len(xv) == 2 and sorted(np.concatenate([yt, yv]).tolist()) == list(range(10))
    np.testing.assert_array_equal(D.one_hot([0, 2], 3), [[1, 0, 0], [0, 0, 1]])
    with pytest.raises(ValueError, match="labels must be in"):
        D.one_hot([3], 3)
    rng = np.random.default_rng(0)
    tr, te = rng.normal(5, 3, (100, 4)), rng.normal(5, 3, (20, 4))
    ntr, nte = D.normalize(tr, te)
    np.testing.assert_allclose(ntr.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(ntr.std(0), 1, atol=1e-6)
    np.testing.assert_allclose(nte, (te - tr.mean(0)) / (tr.std(0) + 1e-8))  # fit on train only
    imgs = rng.normal(size=(10, 4, 4, 3))
    pc = D.Standardizer("per_channel").fit(imgs)
    assert pc.mean.shape == (3,)
    assert D.Standardizer("mean_image").fit(imgs).mean.shape == (4, 4, 3)
