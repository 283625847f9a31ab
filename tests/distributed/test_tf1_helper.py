"""neuralab.distributed.tf1: a TF 1.x program on 2 ranks (each feeding half the rows, gradients averaged by
DistributedOptimizer, variables broadcast from rank 0) trains like one process feeding every row."""
import json
import subprocess
import sys

import pytest

from test_data_parallel import REPO, _env, mpirun, needs_mpi  # (this folder is on sys.path)

SCRIPT = REPO / "tests" / "distributed" / "tf1_linear.py"


def _result(stdout):
    return json.loads([ln for ln in stdout.splitlines() if ln.startswith("RESULT ")][-1][len("RESULT "):])


@needs_mpi
def test_two_ranks_train_like_one_process():
    one = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, env=_env(), timeout=120)
    assert one.returncode == 0, one.stderr[-2000:]
    two = mpirun([sys.executable, str(SCRIPT), "--ranks-share"])
    assert two.returncode == 0, two.stderr[-2000:]
    a, b = _result(one.stdout), _result(two.stdout)
    assert two.stdout.count("RESULT ") == 1  # rank 0 prints
    assert a["w"] == pytest.approx(b["w"], abs=1e-6) and a["b"] == pytest.approx(b["b"], abs=1e-6)
    assert a["w"] == pytest.approx([1.0, -2.0, 0.5], abs=0.2)  # and it learned
