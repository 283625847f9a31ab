"""``tf.logging``: TF 1.x's logging functions over Python's :mod:`logging` (logger ``"tensorflow"``, stderr).

Messages print as TF 1.x prints them, ``INFO:tensorflow:message``; the
default verbosity is WARN (``tf.logging.set_verbosity(tf.logging.INFO)`` shows
info messages). ``log_every_n`` / ``log_first_n`` count per call site.
"""
from __future__ import annotations

import logging as _logging
import sys
import threading

from .missing import module_getattr

DEBUG = _logging.DEBUG
INFO = _logging.INFO
WARN = _logging.WARN
WARNING = _logging.WARNING
ERROR = _logging.ERROR
FATAL = _logging.FATAL


class _StderrHandler(_logging.StreamHandler):
    """A handler writing to whatever ``sys.stderr`` is at the time (so redirections and captures see it)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


_lock = threading.Lock()
_counts: dict = {}


def get_logger():
    """The ``"tensorflow"`` logger (with its stderr handler, added on first use; verbosity WARN by default)."""
    log = _logging.getLogger("tensorflow")
    if not any(isinstance(h, _StderrHandler) for h in log.handlers):
        with _lock:
            if not any(isinstance(h, _StderrHandler) for h in log.handlers):
                h = _StderrHandler()
                h.setFormatter(_logging.Formatter(_logging.BASIC_FORMAT))
                log.addHandler(h)
                if log.level == _logging.NOTSET:
                    log.setLevel(WARN)
                log.propagate = False
    return log


def set_verbosity(v):
    """Show messages of level ``v`` (DEBUG, INFO, WARN, ERROR, FATAL) and above."""
    get_logger().setLevel(v)


def get_verbosity():
    """The current level."""
    return get_logger().getEffectiveLevel()


def log(level, msg, *args, **kwargs):
    """Log ``msg % args`` at ``level``."""
    get_logger().log(level, msg, *args, **kwargs)


def debug(msg, *args, **kwargs):
    """Log at DEBUG."""
    get_logger().debug(msg, *args, **kwargs)


def info(msg, *args, **kwargs):
    """Log at INFO."""
    get_logger().info(msg, *args, **kwargs)


def warning(msg, *args, **kwargs):
    """Log at WARN."""
    get_logger().warning(msg, *args, **kwargs)


warn = warning


def error(msg, *args, **kwargs):
    """Log at ERROR."""
    get_logger().error(msg, *args, **kwargs)


def fatal(msg, *args, **kwargs):
    """Log at FATAL (as TF 1.x, this only logs)."""
    get_logger().fatal(msg, *args, **kwargs)


def vlog(level, msg, *args, **kwargs):
    """Log at ``level`` (TF's verbose logging)."""
    get_logger().log(level, msg, *args, **kwargs)


def _site_count():
    f = sys._getframe(2)
    key = (f.f_code.co_filename, f.f_lineno)
    with _lock:
        n = _counts.get(key, 0)
        _counts[key] = n + 1
    return n


def log_every_n(level, msg, n, *args):
    """Log on the 1st, (n+1)th, (2n+1)th... call from this line."""
    if _site_count() % max(1, int(n)) == 0:
        log(level, msg, *args)


def log_first_n(level, msg, n, *args):
    """Log on the first ``n`` calls from this line only."""
    if _site_count() < int(n):
        log(level, msg, *args)


def log_if(level, msg, condition, *args):
    """Log only when ``condition`` is true."""
    if condition:
        log(level, msg, *args)


def flush():
    """Flush the handlers."""
    for h in get_logger().handlers:
        h.flush()


def TaskLevelStatusMessage(msg):  # noqa: N802 - TF's name
    """Log ``msg`` at ERROR (TF's task status message)."""
    error(msg)


__getattr__ = module_getattr(__name__, "tf.logging")

__all__ = ["DEBUG", "ERROR", "FATAL", "INFO", "TaskLevelStatusMessage", "WARN", "WARNING", "debug", "error",
           "fatal", "flush", "get_logger", "get_verbosity", "info", "log", "log_every_n", "log_first_n", "log_if",
           "set_verbosity", "vlog", "warn", "warning"]
