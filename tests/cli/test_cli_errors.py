"""The CLI as users meet it (issue 9): one-line errors with exit codes, --debug, Ctrl-C, NaN, --help.

Each user error must print exactly one line on stderr, ``neuralab...: error: ...``,
exit 2 (a bad flag or setting) or 1 (a problem while running), and never a
Python traceback; ``--debug`` shows the traceback instead.
"""
import os
import re
import signal
import subprocess
import sys

import numpy as np
import pytest

from neuralab import cli, io

pytest.importorskip("safetensors")


def run_cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "neuralab.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, PYTHONWARNINGS="default"))


def in_process(args, capsys):
    """cli.main in this process: (exit code, stdout, stderr lines)."""
    try:
        code = cli.main(args)
    except SystemExit as e:  # argparse's usage errors
        code = e.code
    out, err = capsys.readouterr()
    return code, out, [line for line in err.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A checkpoint folder written by a short iris run (model.safetensors, last*.safetensors)."""
    d = tmp_path_factory.mktemp("trained")
    assert cli.main(["train", "--dataset", "iris", "--layers", "8", "--epochs", "2", "--checkpoint-dir",
                     str(d)]) == 0
    return d


def _corrupt(path):
    raw = bytearray(path.read_bytes())
    raw[-5] ^= 0x55  # in the tensor payload
    path.write_bytes(bytes(raw))


def _cases(tmp, trained):
    binary = tmp / "settings.toml"
    binary.write_bytes(bytes(range(256)) * 4)
    afile = tmp / "afile"
    afile.write_text("x")
    corrupt = tmp / "corrupt"
    corrupt.mkdir()
    for name in ("last.safetensors", "model.safetensors"):
        (corrupt / name).write_bytes((trained / name).read_bytes())
        _corrupt(corrupt / name)
    empty = tmp / "empty"
    empty.mkdir()
    other_model = ["--dataset", "iris", "--layers", "16,16", "--epochs", "3", "--resume", "--checkpoint-dir",
                   str(trained)]
    return [
        (["train", "--validation", "1.5"], 2, "--validation: must be a fraction in [0, 1), got 1.5"),
        (["train", "--epochs", "zero"], 2, "argument --epochs: invalid int value: 'zero'"),
        (["train", "--dataset", "cifar"], 2, "invalid choice: 'cifar'"),
        (["train", "--colour", "blue"], 2, "unrecognized arguments: --colour blue"),
        (["train", "--keep", "0"], 2, "--keep: must be an integer >= 1"),
        (["train", "--clip-grad-norm", "-1"], 2, "--clip-grad-norm: must be positive"),
        (["train", "--lr", "-0.1"], 2, "--lr: must be positive"),
        (["train", "--config", str(binary)], 2, "is not a text file"),
        (["train", "--config", str(tmp)], 2, "is a folder, not a settings file"),
        (["train", "--checkpoint-dir", str(afile)], 2, "afile is a file, not a folder"),
        (["train", "--checkpoint-dir", str(afile / "sub")], 1, "cannot create the checkpoint folder"),
        (["train", "--resume", "--checkpoint-dir", str(empty)], 1, "--resume: no checkpoint at"),
        (["train", "--dataset", "iris", "--resume", "--checkpoint-dir", str(corrupt)], 1,
         "--resume: no readable checkpoint"),
        (["train", *other_model], 1, "does not fit this model"),
        (["evaluate", "--checkpoint-dir", str(corrupt)], 1, "checksum mismatch"),
        (["evaluate", "--checkpoint-dir", str(empty)], 1, "no trained model at"),
        (["predict", "--checkpoint-dir", str(trained), "--index", "100000"], 2, "--index: must be in [0, "),
        (["evaluate"], 2, "the following arguments are required: --checkpoint-dir"),
    ]


def test_every_user_error_is_one_line_with_its_exit_code(tmp_path, trained, capsys):
    for args, code, message in _cases(tmp_path, trained):
        got, _, err = in_process(args, capsys)
        assert got == code, (args, got, err)
        assert len(err) == 1, (args, err)
        assert re.match(r"neuralab( \w+)?: error: ", err[0]), (args, err)
        assert message in err[0], (args, err)
        assert "Traceback" not in err[0]


def test_in_a_real_process_no_traceback_and_debug_shows_it(tmp_path, trained):
    r = run_cli("train", "--validation", "1.5")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    r = run_cli("evaluate", "--checkpoint-dir", str(tmp_path))
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    for debug in (["--debug", "train", "--validation", "1.5"], ["train", "--validation", "1.5", "--debug"]):
        r = run_cli(*debug)
        assert r.returncode != 0 and "Traceback (most recent call last)" in r.stderr
        assert "CLIError: --validation" in r.stderr


def test_a_resume_from_a_corrupt_last_falls_back_with_a_warning(tmp_path, capsys):
    d = tmp_path / "ck"
    base = ["train", "--dataset", "iris", "--layers", "8", "--checkpoint-dir", str(d)]
    assert cli.main([*base, "--epochs", "3"]) == 0
    capsys.readouterr()
    _corrupt(d / "last.safetensors")
    code, out, err = in_process([*base, "--epochs", "4", "--resume"], capsys)
    assert code == 0
    assert len(err) == 1 and err[0].startswith("neuralab: warning: checkpoint ") and "last.1.safetensors" in err[0]
    assert "Epoch: 0003" in out and "Epoch: 0002" not in out  # resumed after epoch 2, the previous checkpoint
    assert sorted(p.name for p in d.iterdir()) == ["last.1.safetensors", "last.safetensors", "model.safetensors"]


def test_a_diverging_run_stops_with_the_step_and_exit_1(tmp_path, capsys):
    d = tmp_path / "ck"
    code, out, err = in_process(["train", "--dataset", "digits", "--optimizer", "sgd", "--lr", "1e4", "--epochs",
                                 "3", "--checkpoint-dir", str(d)], capsys)
    assert code == 1 and len(err) == 1
    assert re.search(r"error: NaNGuard: loss is (nan|inf) at global step \d+ \(epoch 1, batch \d+\)", err[0])
    assert not (d / "model.safetensors").exists() and "Test accuracy" not in out
    code, out, err = in_process(["train", "--dataset", "digits", "--optimizer", "sgd", "--lr", "1e4", "--epochs",
                                 "1", "--no-nan-guard"], capsys)
    assert code == 0 and "Test accuracy" in out  # asked for: trains on


def test_keep_and_best_checkpoints_with_validation(tmp_path, capsys):
    d = tmp_path / "ck"
    assert cli.main(["train", "--dataset", "iris", "--layers", "8", "--epochs", "4", "--validation", "0.2",
                     "--keep", "3", "--checkpoint-dir", str(d)]) == 0
    names = sorted(p.name for p in d.iterdir())
    assert names == ["best.safetensors", "last.1.safetensors", "last.2.safetensors", "last.safetensors",
                     "model.safetensors"]
    assert [io.load(v)["counters"]["epoch"] for v in io.versions(d / "last.safetensors")] == [4, 3, 2]
    best = io.load(d / "best.safetensors")
    losses = best["history"]["history"]["val_loss"]
    assert losses[-1] == min(losses)  # saved at the epoch with the lowest validation loss so far


def test_ctrl_c_saves_prints_how_to_resume_and_exits_130(tmp_path):
    d = tmp_path / "ck"
    args = ["train", "--dataset", "digits", "--layers", "32", "--epochs", "100000", "--checkpoint-dir", str(d)]
    proc = subprocess.Popen([sys.executable, "-m", "neuralab.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if line.startswith("Epoch: 0002"):
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    m = re.search(r"interrupted at epoch (\d+) step (\d+); resume with: (neuralab .*--resume)$", err.strip())
    assert m, err
    epoch, step = int(m.group(1)), int(m.group(2))
    state = io.load(d / "last.safetensors")
    assert state["counters"]["global_step"] == step and epoch >= 2
    assert not (d / "model.safetensors").exists()
    # the printed command resumes; with a finite total it finishes like a run that was never interrupted
    resume = m.group(3).split()[1:]
    resume[resume.index("100000")] = str(epoch + 1)
    r = run_cli(*resume)
    assert r.returncode == 0 and "Test accuracy" in r.stdout, r.stderr
    whole = tmp_path / "whole"
    r2 = run_cli("train", "--dataset", "digits", "--layers", "32", "--epochs", str(epoch + 1), "--checkpoint-dir",
                 str(whole))
    assert r2.stdout.splitlines()[-1] == r.stdout.splitlines()[-1]
    a, b = io.load(d / "model.safetensors")["model"], io.load(whole / "model.safetensors")["model"]
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_train_help_documents_every_flag_with_its_default():
    parser = cli.make_parser()
    train = next(a for a in parser._actions if a.dest == "command").choices["train"]
    for action in train._actions:
        if action.dest in ("help",):
            continue
        assert action.help, f"--{action.dest} has no help text"
        assert "default" in action.help, f"--{action.dest}: help does not say its default: {action.help!r}"
    text = train.format_help()
    for key in cli.TRAIN_KEYS:
        flag = {"download": "--no-download", "nan_guard": "--no-nan-guard"}.get(key, "--" + key.replace("_", "-"))
        assert flag in text, flag
    r = run_cli("train", "--help")
    assert r.returncode == 0 and "(default: 10)" in r.stdout and "(default: digits)" in r.stdout
