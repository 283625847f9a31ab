"""Kept versions, stale temporary files of killed writers, fallback on load, folder checks (issue 9)."""
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest

from neuralab import io

pytest.importorskip("safetensors")


def _files(d):
    return sorted(os.listdir(d))


def test_keep_k_keeps_the_newest_versions_and_drops_older_ones(tmp_path):
    p = tmp_path / "last.safetensors"
    for step in range(1, 6):
        io.save({"step": step}, p, keep=3)
    assert _files(tmp_path) == ["last.1.safetensors", "last.2.safetensors", "last.safetensors"]
    assert [io.load(v)["step"] for v in io.versions(p)] == [5, 4, 3]
    io.save({"step": 6}, p, keep=1)  # a smaller keep removes the versions beyond it
    assert _files(tmp_path) == ["last.safetensors"]
    with pytest.raises(ValueError, match="keep"):
        io.save({"step": 7}, p, keep=0)


def test_load_newest_falls_back_to_the_previous_version_with_a_warning(tmp_path):
    p = tmp_path / "last.safetensors"
    for step in (1, 2):
        io.save({"step": step, "w": np.full(1000, step, np.float32)}, p, keep=2)
    state, used = io.load_newest(p)
    assert state["step"] == 2 and used == str(p)
    raw = bytearray(p.read_bytes())
    raw[-10] ^= 0xFF  # flip a bit in the newest
    p.write_bytes(bytes(raw))
    with pytest.warns(io.CheckpointWarning, match=r"last.safetensors: checksum mismatch.*resuming from the older"):
        state, used = io.load_newest(p)
    assert state["step"] == 1 and used.endswith("last.1.safetensors")
    p.unlink()  # a save killed between its renames: only the older version exists
    with pytest.warns(io.CheckpointWarning, match="last.safetensors: missing"):
        assert io.load_newest(p)[0]["step"] == 1
    (tmp_path / "last.1.safetensors").write_bytes(b"garbage")
    with pytest.raises(io.CheckpointError, match="no readable checkpoint"):
        io.load_newest(p)
    with pytest.raises(FileNotFoundError):
        io.load_newest(tmp_path / "other.safetensors")


def test_stale_temporary_files_of_dead_writers_are_removed_on_the_next_save(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)  # that process has exited
    stale = tmp_path / f".last.safetensors.{dead_pid}.0123abcd.tmp"
    stale.write_bytes(b"x" * 1000)
    live = tmp_path / f".last.safetensors.{os.getppid()}.89abcdef.tmp"  # a live writer's file stays
    live.write_bytes(b"y")
    other = tmp_path / "notes.tmp"  # not ours: stays
    other.write_bytes(b"z")
    io.save({"step": 1}, tmp_path / "last.safetensors")
    assert not stale.exists() and live.exists() and other.exists()


_WRITER = textwrap.dedent("""
    import sys, time
    import numpy as np
    from neuralab.io import checkpoint as ck
    ck._CHUNK = 1 << 16
    def slow(f, chunk):  # a slow disk: most of each save is spent writing the temporary file
        f.write(chunk)
        time.sleep(0.001)
    ck._write_chunk = slow
    w = np.random.default_rng(0).standard_normal(1 << 20).astype(np.float32)
    step = int(sys.argv[2])
    while True:
        step += 1
        ck.save({"step": step, "w": w + step}, sys.argv[1] + "/last.safetensors", keep=2)
        print(step, flush=True)
""")


def test_a_writer_killed_ten_times_leaves_a_loadable_checkpoint_and_one_save_cleans_up(tmp_path):
    rng = np.random.default_rng(9)
    script = tmp_path / "writer.py"
    script.write_text(_WRITER)
    d = tmp_path / "ckpt"
    d.mkdir()
    step = 0
    stale_seen = 0
    w0 = np.random.default_rng(0).standard_normal(1 << 20).astype(np.float32)
    for _ in range(10):
        proc = subprocess.Popen([sys.executable, str(script), str(d), str(step * 1000)], stdout=subprocess.PIPE,
                                text=True)
        try:
            first = proc.stdout.readline()  # one save completed: now kill it at a random moment
            assert first.strip(), "the writer did not save"
            time.sleep(rng.uniform(0.0, 0.15))
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
            proc.stdout.close()
        step += 1
        stale_seen += sum(name.endswith(".tmp") for name in os.listdir(d))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", io.CheckpointWarning)
            state, _ = io.load_newest(d / "last.safetensors")  # always something whole to resume from
        np.testing.assert_array_equal(state["w"], w0 + state["step"])  # the whole array of that save
    assert stale_seen > 0  # some kills landed mid-write and left a temporary file
    w = np.zeros(8, np.float32)
    io.save({"step": 10 ** 6, "w": w}, d / "last.safetensors", keep=2)
    assert _files(d) == ["last.1.safetensors", "last.safetensors"]
    assert io.load(d / "last.safetensors")["step"] == 10 ** 6
    assert io.load(d / "last.1.safetensors")["step"] > 0


# -- folder checks ---------------------------------------------------------------------------------

def test_check_dir_names_what_is_wrong(tmp_path, monkeypatch):
    assert io.check_dir(tmp_path / "new" / "deeper") == str(tmp_path / "new" / "deeper")
    f = tmp_path / "afile"
    f.write_text("x")
    with pytest.raises(io.CheckpointDirError, match=r"afile is a file, not a folder"):
        io.check_dir(f)
    with pytest.raises(io.CheckpointDirError, match="cannot create"):
        io.check_dir(f / "sub")
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda p: real(p)._replace(free=10 << 20))
    with pytest.raises(io.CheckpointDirError, match=r"has 10.0 MiB free, but a checkpoint needs about 100.0 MiB"):
        io.check_dir(tmp_path, need_bytes=100 << 20)
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]  # the probe file is gone


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user (root writes anyway)")
def test_check_dir_read_only(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(io.CheckpointDirError, match="cannot write"):
            io.check_dir(ro)
    finally:
        ro.chmod(0o700)
