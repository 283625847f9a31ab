"""``neuralab lab``: every experiment's quick version shows its finding; the report embeds every plot; the
verdict rules, skips, errors and the command line."""
from __future__ import annotations

import base64
import json
import math
import pickle
import re
import sys

import numpy as np
import pytest

from neuralab.lab import core, registry
from neuralab.lab.core import Result, verdict

NAMES = registry.names()
PNG = b"\x89PNG\r\n\x1a\n"


def test_the_registry_lists_every_experiment_of_the_issue():
    want = {"relu-exercise", "xor", "activation-stats", "vanishing-gradients", "init-activation", "rbm-pretraining",
            "mnist-table", "dropout", "ensemble", "optimizers", "iris-backprop", "hparam-search", "batch-norm",
            "cpu-vs-gpu", "rnn", "tf1-mnist"}
    assert want <= set(NAMES)
    for name in NAMES:
        e = registry.get(name)
        assert e.fn.__module__.startswith("neuralab.lab.experiments.") and e.title and e.source


def test_run_all_quick_exits_zero(quick_run):
    code, out, results = quick_run
    assert code == 0, {n: (d["status"], d["reason"]) for n, d in results.items() if d["status"] != "ok"}
    assert sorted(results) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_quick_experiment_shows_its_findings(quick_run, name):
    _, out, results = quick_run
    d = results[name]
    assert d["status"] == "ok", d.get("traceback") or d["reason"]
    assert d["quick"] is True and d["findings"], "every experiment asserts at least one finding"
    failed = [f["claim"] + " " + f["detail"] for f in d["findings"] if not f["ok"]]
    assert not failed
    bad = [(c["what"], c["notes"], c["mean"]) for c in d["checks"] if c["judged"] and not c["ok"]]
    assert not bad
    assert d["figures"], "every experiment draws at least one plot"
    for f in d["figures"]:
        assert (out / name / f["file"]).read_bytes().startswith(PNG)


def _data(results, name):
    return results[name]["data"]


def test_the_issue_s_quick_findings_in_numbers(quick_run):
    _, _, res = quick_run
    xor = {c["what"]: c for c in res["xor"]["checks"]}
    assert abs(xor["9 sigmoid layers: cost"]["mean"] - math.log(2)) < 1e-3
    assert xor["10 ReLU layers: accuracy"]["mean"] == 1.0
    act = _data(res, "activation-stats")
    assert np.mean(act["small"]["std"], axis=0)[-1] < 1e-5 and np.mean(act["he_relu"]["std"], axis=0)[-1] > 0.5
    err = {tuple(k.split(",")): v for k, v in _data(res, "dropout")["errors"].items()}
    small = min(int(k[0]) for k in err)
    gap = {float(k[1]): v[1] - v[0] for k, v in err.items() if int(k[0]) == small}
    assert gap[1.0] > gap[0.5]
    assert all(g > 0 for v in _data(res, "ensemble")["gains"].values() for g in v)
    stable = _data(res, "optimizers")["stable_lr"]
    assert stable["momentum"] > 1.5 * stable["sgd"]
    lb = _data(res, "optimizers")["lbfgs"]
    assert lb["full"][-1][1] < lb["mini"][-1][1]


def test_the_report_embeds_every_plot_and_lists_every_number(quick_run):
    _, out, results = quick_run
    html = (out / "report.html").read_text(encoding="utf-8")
    md = (out / "report.md").read_text(encoding="utf-8")
    embedded = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)">', html)
    figures = [(name, f["file"]) for name, d in results.items() for f in d["figures"]]
    assert len(embedded) == len(figures)
    on_disk = {(out / n / f).read_bytes() for n, f in figures}
    assert {base64.b64decode(e) for e in embedded} == on_disk
    for name, f in figures:
        assert f"]({name}/{f})" in md
    assert "<script" not in html and "http://" not in html and "https://" not in html  # self-contained, static
    n_checks = sum(len(d["checks"]) for d in results.values())
    summary = html.split("<h3>Every number of the notes, beside neuralab's</h3>", 1)[1].split("<h2", 1)[0]
    assert summary.count("<tr>") == n_checks + 1
    for name in results:
        assert f'id="{name}"' in html and f"(`{name}`)" in md
    summary_md = (out / "SUMMARY.md").read_text(encoding="utf-8")
    numbers = summary_md.split("## Every number of the notes, beside neuralab's", 1)[1].split("\n## ", 1)[0]
    assert sum(line.startswith("| ") for line in numbers.splitlines()) == n_checks + 1
    assert all(f"`{d['command']}`" in summary_md for d in results.values())
    assert summary_md.rstrip().endswith("None.")  # the quick run shows every finding


def test_a_full_run_without_mnist_is_skipped_with_the_reason(tmp_path):
    d = core.run_experiment("mnist-table", quick=False, out=tmp_path / "out", data_root=tmp_path / "empty",
                            log=lambda m: None)
    assert d["status"] == "skipped" and "needs the real MNIST" in d["reason"]
    assert json.loads((tmp_path / "out" / "mnist-table" / "results.json").read_text())["status"] == "skipped"


def test_an_error_is_recorded_and_the_command_exits_1(tmp_path, monkeypatch, capsys):
    from neuralab.cli import main

    def broken(ctx):
        raise ZeroDivisionError("on purpose")

    monkeypatch.setitem(core.REGISTRY, "broken", core.Experiment("broken", "Broken", broken, "a test"))
    monkeypatch.setattr(registry, "names", lambda: [*NAMES, "broken"])
    assert main(["lab", "run", "broken", "--quick", "--out", str(tmp_path)]) == 1
    d = json.loads((tmp_path / "broken" / "results.json").read_text())
    assert d["status"] == "error" and "ZeroDivisionError: on purpose" in d["reason"] and "Traceback" in d["traceback"]
    assert "broken: ERROR ZeroDivisionError" in capsys.readouterr().out
    assert (tmp_path / "report.html").exists()


def test_command_line_errors_and_list(tmp_path, capsys):
    from neuralab.cli import main

    assert main(["lab", "list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in NAMES)
    assert main(["lab", "run", "nope", "--out", str(tmp_path)]) == 2
    assert "unknown experiment(s) nope" in capsys.readouterr().err
    assert main(["lab", "run", "xor", "--seeds", "0", "--out", str(tmp_path)]) == 2
    assert "--seeds: must be at least 1" in capsys.readouterr().err
    assert main(["lab", "report", str(tmp_path / "none")]) == 1
    assert "no results in" in capsys.readouterr().err


def test_without_matplotlib_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"neuralab\[lab\]"):
        core.plotting()


def test_seeds_give_mean_and_std_and_repeat_bit_for_bit(tmp_path):
    a = core.run_experiment("iris-backprop", quick=True, seeds=2, out=tmp_path / "a", log=lambda m: None)
    b = core.run_experiment("iris-backprop", quick=True, seeds=2, out=tmp_path / "b", log=lambda m: None)
    assert a["seeds"] == [0, 1]
    assert [c["values"] for c in a["checks"]] == [c["values"] for c in b["checks"]]
    assert a["data"] == b["data"]
    c = a["checks"][0]
    assert c["n"] == 2 and c["std"] == pytest.approx(np.std(c["values"], ddof=1))


def test_verdict_rules():
    assert verdict("abs", 0.5, 0.504, 0.005) and not verdict("abs", 0.5, 0.506, 0.005)
    assert verdict("rel", 2.0, 2.19, 0.1) and not verdict("rel", 2.0, 2.21, 0.1)
    assert verdict("rel", 1e-6, 1.4e-6, (0.1, 5e-7))  # the printed precision rescues tiny numbers
    assert verdict("ge", 1.0, 0.95, 0.1) and not verdict("le", 1.0, 1.2, 0.1)
    assert verdict("within", 0.5, 0.75, (0.0, 0.75)) and not verdict("within", 0.5, 0.8, (0.0, 0.75))
    assert verdict("equal", "ihello", "ihello") and not verdict("equal", 3, 4)
    assert verdict("converges", "n/c", "n/c") and verdict("converges", 93.9, 97.1)
    assert not verdict("converges", "n/c", 97.1) and not verdict("abs", 1.0, float("nan"), 1.0)
    r = Result("x", "X", "src")
    assert r.check("n/c when one seed fails", 90.0, [95.0, "n/c"], kind="converges") is False
    assert r.checks[-1]["mean"] == "n/c"
    assert r.check("not judged", 1.0, 5.0, judged=False) is None and r.checks[-1]["verdict"] == "–"
    with pytest.raises(ValueError, match="unknown check kind"):
        r.check("bad", 1, 1, kind="roughly")


def test_cifar10_loader_reads_the_python_batches(tmp_path):
    from neuralab.lab.experiments.init_activation import cifar10

    assert cifar10(tmp_path) is None
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    g = np.random.default_rng(0)
    for name, n in (("data_batch_1", 6), ("data_batch_2", 4), ("test_batch", 3)):
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": g.integers(0, 256, (n, 3072), dtype=np.uint8), b"labels": list(range(n))}, f)
    ds = cifar10(tmp_path)
    assert ds.x_train.shape == (10, 3072) and ds.x_test.shape == (3, 3072)
    assert ds.x_train.dtype == np.float32 and 0.0 <= ds.x_train.min() and ds.x_train.max() <= 1.0
    assert ds.y_train.tolist() == [0, 1, 2, 3, 4, 5, 0, 1, 2, 3]
