"""The `neuralab` command line end to end on bundled data, and its errors."""
import os
import subprocess
import sys

import pytest

from neuralab import cli


def run_cli(*args, env=None):
    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "neuralab.cli", *args], capture_output=True, text=True, env=e,
                          timeout=300)


def test_train_digits_end_to_end(tmp_path):
    ck, logs = tmp_path / "ck", tmp_path / "logs"
    r = run_cli("train", "--dataset", "digits", "--model", "mlp", "--layers", "64", "--epochs", "8", "--lr", "0.01",
                "--seed", "0", "--checkpoint-dir", str(ck), "--logdir", str(logs))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[-1].startswith("Test accuracy: ")
    assert float(lines[-1].split(": ")[1]) >= 0.9
    assert any(line.startswith("Epoch: 0008 cost = ") for line in lines)
    assert (ck / "model.safetensors").exists() and (ck / "last.safetensors").exists()
    assert list(logs.glob("events.out.tfevents.*"))
    r2 = run_cli("evaluate", "--checkpoint-dir", str(ck))
    assert r2.returncode == 0 and r2.stdout.strip().splitlines()[-1] == lines[-1]
    r3 = run_cli("predict", "--checkpoint-dir", str(ck), "--index", "3")
    assert r3.returncode == 0
    out = r3.stdout.splitlines()
    assert out[-2].startswith("Label: [") and out[-1].startswith("Prediction: [")
    assert len(out) >= 8 + 3  # an 8x8 ASCII rendering of the digit


def test_train_from_toml_config_with_flag_override(tmp_path, capsys):
    cfg = tmp_path / "run.toml"
    cfg.write_text('[train]\ndataset = "iris"\nmodel = "mlp"\nlayers = [16]\nepochs = 3\nlr = 0.05\n'
                   'batch-size = 16\n')
    assert cli.main(["train", "--config", str(cfg), "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "Epoch: 0002" in out and "Epoch: 0003" not in out and "Test accuracy:" in out


def test_yaml_config(tmp_path, capsys):
    pytest.importorskip("yaml")
    cfg = tmp_path / "run.yaml"
    cfg.write_text("dataset: xor\nmodel: mlp\nlayers: [8]\nactivation: tanh\nepochs: 2\nbatch_size: 4\n")
    assert cli.main(["train", "--config", str(cfg)]) == 0
    assert "Test accuracy:" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["train", "--dataset", "cifar"], "invalid choice"),
    (["train", "--epochs", "zero"], "invalid int"),
    (["train", "--layers", "12,x"], "--layers"),
    (["train", "--dropout", "1.5"], "--dropout"),
    (["train", "--epochs", "0"], "--epochs"),
    (["train", "--init", "nonsense"], "--init"),
    (["train", "--activation", "swishy"], "--activation"),
    (["train", "--resume"], "--resume needs --checkpoint-dir"),
    (["train", "--model", "cnn", "--dataset", "iris"], "needs image data"),
])
def test_bad_flags_exit_nonzero_with_message(args, message):
    r = run_cli(*args)
    assert r.returncode == 2
    assert message in r.stderr


def test_bad_config_files(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("dataset = \n")
    r = run_cli("train", "--config", str(bad))
    assert r.returncode == 2 and "cannot parse" in r.stderr
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('colour = "blue"\n')
    r = run_cli("train", "--config", str(unknown))
    assert r.returncode == 2 and "unknown setting 'colour'" in r.stderr
    r = run_cli("train", "--config", str(tmp_path / "missing.toml"))
    assert r.returncode == 2 and "not found" in r.stderr


def test_missing_data_is_a_clear_error(tmp_path):
    r = run_cli("train", "--dataset", "mnist", "--no-download", "--data-root", str(tmp_path),
                env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert r.returncode == 1
    assert "train-images-idx3-ubyte.gz" in r.stderr and str(tmp_path / "mnist") in r.stderr


def test_info():
    r = run_cli("info", env={"NEURALAB_DATA": "/nonexistent"})
    assert r.returncode == 0
    assert r.stdout.startswith("neuralab ") and "backends: numpy" in r.stdout and "BLAS:" in r.stdout
    assert "mnist: not found" in r.stdout


def test_tf1_runs_an_unmodified_script(tmp_path):
    script = tmp_path / "lab.py"
    script.write_text(
        "import sys\nimport numpy as np\nimport tensorflow as tf\n"
        "x = tf.placeholder(tf.float32, [None, 2])\nW = tf.Variable(tf.ones([2, 1]))\n"
        "y = tf.matmul(x, W)\n"
        "with tf.Session() as sess:\n"
        "    sess.run(tf.global_variables_initializer())\n"
        "    print('result', sess.run(y, feed_dict={x: [[1.0, 2.0]]})[0, 0], sys.argv[1:])\n")
    r = run_cli("tf1", str(script), "--flag", "7")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "result 3.0 ['--flag', '7']"
    r = run_cli("tf1", str(tmp_path / "missing.py"))
    assert r.returncode == 1 and "not found" in r.stderr
