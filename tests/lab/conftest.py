"""One quick run of every experiment per test session (``neuralab lab run all --quick``), shared by the lab tests."""
from __future__ import annotations

import importlib.util
import json

import pytest


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory):
    """(exit status, output folder, {name: results dict}) of ``neuralab lab run all --quick --check``."""
    if importlib.util.find_spec("matplotlib") is None:
        pytest.skip("the lab's plots need matplotlib: pip install \".[lab]\"")
    from neuralab.cli import main

    out = tmp_path_factory.mktemp("lab_quick")
    code = main(["lab", "run", "all", "--quick", "--check", "--out", str(out)])
    results = {p.parent.name: json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*/results.json")}
    return code, out, results
