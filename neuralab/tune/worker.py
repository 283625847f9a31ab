"""A worker process of ``neuralab tune --workers K``: ``python -m neuralab.tune.worker URL STUDY INDEX OUT``.

It runs trials of one stage study until the stage has enough
(:func:`neuralab.tune.search.run_worker`); everything else it reads from the
storage. Exit status 0 when the stage is done, 1 on an error (one line on stderr).
"""
from __future__ import annotations

import sys


def main(argv=None) -> int:
    """Run the worker loop for ``argv = [url, study_name, worker_index, out]``; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 4:
        print("usage: python -m neuralab.tune.worker URL STUDY INDEX OUT", file=sys.stderr)
        return 2
    from .search import run_worker

    url, study, index, out = argv
    try:
        run_worker(url, study, int(index), out)
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # noqa: BLE001 - one line, the coordinator reports it
        print(f"neuralab tune: worker {index}: {type(e).__name__}: {' '.join(str(e).split())}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
