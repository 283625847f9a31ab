"""``tf.app``: ``tf.app.run(main)`` parses the command-line flags and calls ``main(argv)``; ``tf.app.flags``."""
from __future__ import annotations

import sys

from . import flags
from .missing import module_getattr


def run(main=None, argv=None):
    """tf.app.run: parse ``argv`` (default ``sys.argv``) into ``tf.flags.FLAGS``, then ``sys.exit(main(argv))``.

    As in TF 1.x, flags nobody defined are passed on to ``main`` in ``argv``
    (with the program name and the positional arguments); a bad flag value
    prints absl's "FATAL Flags parsing error" line to stderr and exits with
    status 1; ``--help`` prints the flags and exits with 0. ``main`` defaults
    to the ``main`` function of the ``__main__`` module.
    """
    args = sys.argv if argv is None else list(argv)
    try:
        rest = flags.FLAGS(args, known_only=True)
        flags.FLAGS._check_required()
    except flags.Error as e:
        print(f"FATAL Flags parsing error: {e}", file=sys.stderr)
        print("Pass --helpshort or --helpfull to see help on flags.", file=sys.stderr)
        sys.exit(1)
    if main is None:
        main = getattr(sys.modules.get("__main__"), "main", None)
        if main is None:
            raise ValueError("tf.app.run: no main function given and the __main__ module has none")
    sys.exit(main(rest))


__getattr__ = module_getattr(__name__, "tf.app")

__all__ = ["flags", "run"]
