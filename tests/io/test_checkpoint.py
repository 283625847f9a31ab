"""Checkpoints: exact round trip, safetensors compatibility, corruption and truncation refused, atomic saves."""
import os
import sys

import numpy as np
import pytest

import neuralab as nl
from neuralab.io import CheckpointError, checkpoint, load, save

stn = pytest.importorskip("safetensors.numpy")


def _state():
    rng = np.random.default_rng(0)
    return {
        "model": {
            "dense1": {"W": nl.tensor(rng.normal(size=(4, 3)).astype(np.float32)), "b": np.zeros(3, np.float32)},
            "bn": {"running_mean": rng.normal(size=3), "running_var": np.ones(3), "count": np.array(7)},
        },
        "optimizer": {"step": 12, "lr": 0.001, "name": "adam", "betas": (0.9, 0.999), "nesterov": False,
                      "state": {0: {"m": rng.normal(size=(4, 3)), "v": rng.random((4, 3))}, 1: {"m": np.ones(3)}},
                      "moments": [np.arange(4, dtype=np.int64), np.float16([1.5, -2.0])]},
        "masks": np.array([[True, False], [False, True]]),
        "pixels": np.arange(12, dtype=np.uint8).reshape(3, 4),
        "empty": np.zeros((0, 5)),
        "scalar": np.float64(3.25),
        "note": None,
        "history": [0.5, 0.25, float("inf")],
    }


def _assert_same(a, b, where="obj"):
    assert type(a) is type(b) or (isinstance(a, nl.Tensor) and isinstance(b, np.ndarray)), \
        f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} != {list(b)}"
        for k in a:
            _assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, (nl.Tensor, np.ndarray, np.generic)):
        a = a.numpy() if isinstance(a, nl.Tensor) else np.asarray(a)
        b = np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape, f"{where}: {a.dtype}{a.shape} != {b.dtype}{b.shape}"
        assert a.tobytes() == b.tobytes(), f"{where}: values differ"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def test_round_trip_is_exact(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    state = _state()
    save(state, path)
    back = load(path)
    _assert_same(state, back)
    assert isinstance(back["model"]["dense1"]["W"], np.ndarray)
    assert isinstance(back["scalar"], np.float64)
    assert isinstance(back["optimizer"]["betas"], tuple)
    assert list(back["optimizer"]["state"]) == [0, 1]  # int keys stay ints
    back["model"]["dense1"]["b"][0] = 1.0  # loaded arrays are writable copies
    save(state, str(path))  # str paths too; overwriting works
    _assert_same(state, load(str(path)))


def test_file_is_plain_safetensors_with_dotted_names(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    save(_state(), path)
    flat = stn.load_file(str(path))
    assert "model.dense1.W" in flat and "optimizer.state.0.m" in flat and "optimizer.moments.1" in flat
    np.testing.assert_array_equal(flat["pixels"], np.arange(12, dtype=np.uint8).reshape(3, 4))
    # and a safetensors file written by another program loads as nested dicts
    other = tmp_path / "other.safetensors"
    stn.save_file({"layer1.weight": np.ones((2, 2), np.float32), "layer1.bias": np.zeros(2, np.float32)}, str(other))
    back = load(other)
    np.testing.assert_array_equal(back["layer1"]["weight"], np.ones((2, 2)))


def test_empty_dict(tmp_path):
    save({}, tmp_path / "e.safetensors")
    assert load(tmp_path / "e.safetensors") == {}


def test_bit_flips_anywhere_are_refused(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    save(_state(), path)
    good = path.read_bytes()
    n = int.from_bytes(good[:8], "little")
    rng = np.random.default_rng(0)
    positions = [len(good) - 1, 8 + n, 8 + n + 17] + list(rng.integers(8 + n, len(good), 5))  # tensor payload
    positions += [8 + 1, 8 + n // 2, 8 + n - 2] + list(rng.integers(8, 8 + n, 5))  # header JSON
    positions += [0, 3]  # the header length field
    for pos in positions:
        for bit in (0, 5):
            bad = bytearray(good)
            bad[pos] ^= 1 << bit
            path.write_bytes(bytes(bad))
            with pytest.raises(CheckpointError) as info:
                load(path)
            assert str(path) in str(info.value), info.value
    path.write_bytes(good)
    load(path)


def test_checksum_mismatch_message(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    save({"w": np.zeros(100)}, path)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x10
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"ckpt\.safetensors: checksum mismatch"):
        load(path)


def test_truncated_files_are_refused(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    save(_state(), path)
    good = path.read_bytes()
    n = int.from_bytes(good[:8], "little")
    for size in (0, 5, 8, 8 + n // 2, 8 + n, 8 + n + 10, len(good) - 1):
        path.write_bytes(good[:size])
        with pytest.raises(CheckpointError, match="truncated") as info:
            load(path)
        assert str(path) in str(info.value)
    path.write_bytes(good + b"\0\0")
    with pytest.raises(CheckpointError, match="unexpected bytes"):
        load(path)


def _no_temp_files(folder):
    leftovers = [f for f in os.listdir(folder) if f.endswith(".tmp")]
    assert not leftovers, f"temporary files left behind: {leftovers}"


def test_interrupted_save_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    old = {"w": np.arange(1000.0), "step": 1}
    save(old, path)
    before = path.read_bytes()
    calls = {"n": 0}

    def failing_write(f, chunk):
        calls["n"] += 1
        if calls["n"] == 3:  # the writer dies mid-way, after part of the new file is on disk
            raise OSError("disk full (simulated)")
        f.write(chunk)

    monkeypatch.setattr(checkpoint, "_CHUNK", 1024)
    monkeypatch.setattr(checkpoint, "_write_chunk", failing_write)
    with pytest.raises(OSError, match="simulated"):
        save({"w": np.arange(5000.0) * 2, "step": 2}, path)
    assert calls["n"] == 3
    assert path.read_bytes() == before
    _assert_same(old, load(path))
    _no_temp_files(tmp_path)


@pytest.mark.parametrize("target", ["fsync", "replace"])
def test_failure_at_fsync_or_rename_leaves_the_previous_checkpoint(tmp_path, monkeypatch, target):
    path = tmp_path / "ckpt.safetensors"
    save({"w": np.ones(10)}, path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise KeyboardInterrupt  # even an interrupt cleans up

    monkeypatch.setattr(checkpoint.os, target, boom)
    with pytest.raises(KeyboardInterrupt):
        save({"w": np.zeros(10)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    _no_temp_files(tmp_path)


def test_save_argument_errors(tmp_path):
    p = tmp_path / "x.safetensors"
    with pytest.raises(TypeError, match="expected a dict"):
        save([np.ones(2)], p)
    with pytest.raises(TypeError, match="model.f"):
        save({"model": {"f": object()}}, p)
    with pytest.raises(ValueError, match="tensor name 'a.b'"):
        save({"a.b": np.ones(1), "a": {"b": np.ones(1)}}, p)
    with pytest.raises(TypeError, match="keys must be str or int"):
        save({(1, 2): np.ones(1)}, p)
    with pytest.raises(TypeError, match="symbolic"):
        save({"x": nl.placeholder((2,))}, p)
    assert not p.exists()


def test_not_a_checkpoint(tmp_path):
    p = tmp_path / "junk.safetensors"
    p.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all}")
    with pytest.raises(CheckpointError, match="corrupt header"):
        load(p)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.safetensors")


def test_missing_safetensors_gives_a_clear_import_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match="pip install safetensors"):
        save({"w": np.ones(2)}, tmp_path / "x.safetensors")
    with pytest.raises(ImportError, match="pip install safetensors"):
        load(tmp_path / "x.safetensors")


def test_save_accepts_modules_and_optimizers(tmp_path):
    import neuralab as nl
    from neuralab import nn, optim

    nl.seed(0)
    model = nn.Sequential(nn.Dense(3, 2))
    opt = optim.Adam(model.parameters(), lr=0.01)
    x = nl.tensor(np.ones((4, 3), np.float32))
    loss = model(x).sum()
    loss.backward()
    opt.step()
    nl.save({"model": model, "optimizer": opt}, tmp_path / "ck.safetensors")
    nl.save(model, tmp_path / "m.safetensors")
    state = nl.load(tmp_path / "ck.safetensors")
    twin = nn.Sequential(nn.Dense(3, 2))
    twin.load_state_dict(state["model"])
    np.testing.assert_array_equal(twin(x).numpy(), model(x).numpy())
    opt2 = optim.Adam(twin.parameters(), lr=0.01)
    opt2.load_state_dict(state["optimizer"])
    assert set(nl.load(tmp_path / "m.safetensors")) == {"0.weight", "0.bias"}
