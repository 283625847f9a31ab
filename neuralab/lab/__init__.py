"""The lab: every experiment of the lectures, one command each, with plots and a report that checks itself.

``neuralab lab list`` names them; ``neuralab lab run NAME [--quick] [--seeds K] [--out DIR]``
(or ``run all``) runs one or all, writing ``DIR/NAME/results.json`` and PNG plots, then the
report ``DIR/report.html`` (self-contained, images embedded) and ``DIR/report.md``;
``neuralab lab report [DIR]`` renders the report again from the results on disk.

Each experiment is one seeded module in :mod:`neuralab.lab.experiments` returning its
results through :class:`~neuralab.lab.core.Result`: every number the notes print beside
neuralab's with a tolerance and a verdict (✓/✗), mean ± std over seeds where the
experiment is stochastic, and the notes' qualitative findings, which the ``--quick``
versions (a reduced run on bundled or synthetic data, each well under 20 s on 2 cores)
assert in CI. Full runs use the real MNIST under ``$NEURALAB_DATA/mnist`` and are
skipped with the reason when it is absent. Plots need matplotlib (the ``[lab]`` extra).

>>> from neuralab import lab
>>> "xor" in lab.names()
True
"""
from .core import Skip, run_experiment
from .registry import get, names
from .report import render_report

__all__ = ["Skip", "get", "names", "render_report", "run_experiment"]
