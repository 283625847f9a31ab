"""``tf.train.SessionRunHook`` and the hooks ``Estimator.train``/``evaluate``/``predict`` accept (``tf.train.*``).

A hook sees every ``Session.run`` of a training loop: ``before_run`` may ask
for more fetches and feeds (a :class:`SessionRunArgs`), ``after_run`` gets
their values and may ``run_context.request_stop()``. :func:`hooked_run` is the
one place that runs a step with hooks.
"""
from __future__ import annotations

import collections
import logging
import time

import numpy as np

_log = logging.getLogger("tensorflow")


class SessionRunHook:
    """tf.train.SessionRunHook: callbacks around a loop of ``Session.run`` calls (all optional)."""

    def begin(self):
        """Called once before the session is made (the graph may still change)."""

    def after_create_session(self, session, coord):
        """Called once the session exists and its variables are initialized or restored."""

    def before_run(self, run_context):
        """Called before each run; return a SessionRunArgs to add fetches/feeds, or None."""
        return None

    def after_run(self, run_context, run_values):
        """Called after each run with the values of what ``before_run`` asked for."""

    def end(self, session):
        """Called once at the end of the loop."""


class SessionRunArgs(collections.namedtuple("SessionRunArgs", ["fetches", "feed_dict", "options"])):
    """tf.train.SessionRunArgs(fetches, feed_dict=None, options=None): what a hook adds to the next run."""

    def __new__(cls, fetches, feed_dict=None, options=None):
        return super().__new__(cls, fetches, feed_dict, options)


class SessionRunValues(collections.namedtuple("SessionRunValues", ["results", "options", "run_metadata"])):
    """tf.train.SessionRunValues: the values of a hook's fetches (``results``)."""


class SessionRunContext:
    """tf.train.SessionRunContext: the run's arguments and session; ``request_stop()`` ends the loop."""

    def __init__(self, original_args, session):
        self.original_args = original_args
        self.session = session
        self._stop = False

    def request_stop(self):
        """Ask the loop to stop after this run."""
        self._stop = True

    @property
    def stop_requested(self):
        """Whether a hook asked to stop."""
        return self._stop


def hooked_run(session, fetches, feed_dict, hooks):
    """Run ``fetches`` with every hook's before_run/after_run; returns (values, stop requested).

    The hooks run with the session's graph as the default graph (they may look up or build nodes).
    """
    with session.graph.as_default():
        return _hooked_run(session, fetches, feed_dict, hooks)


def _hooked_run(session, fetches, feed_dict, hooks):
    ctx = SessionRunContext(SessionRunArgs(fetches, feed_dict), session)
    asks = [h.before_run(ctx) for h in hooks]
    feeds = dict(feed_dict or {})
    extra = {}
    for i, a in enumerate(asks):
        if a is None:
            continue
        if a.feed_dict:
            clash = [k for k in a.feed_dict if k in feeds]
            if clash:
                raise RuntimeError(f"Same tensor is fed by a SessionRunHook and user. Conflict(s): {clash}")
            feeds.update(a.feed_dict)
        if a.fetches is not None:
            extra[i] = a.fetches
    values = session.run([fetches, extra], feeds or None)
    for i, h in enumerate(hooks):
        h.after_run(ctx, SessionRunValues(values[1].get(i), None, None))
    return values[0], ctx.stop_requested


class NanLossDuringTrainingError(RuntimeError):
    """tf.train.NanLossDuringTrainingError: the loss became NaN."""

    def __str__(self):
        return "NaN loss during training."


class NanTensorHook(SessionRunHook):
    """tf.train.NanTensorHook(loss_tensor, fail_on_nan_loss=True): stop (or raise) when the loss is NaN."""

    def __init__(self, loss_tensor, fail_on_nan_loss=True):
        self._loss = loss_tensor
        self._fail = fail_on_nan_loss

    def before_run(self, run_context):
        return SessionRunArgs(self._loss)

    def after_run(self, run_context, run_values):
        if np.isnan(run_values.results):
            if self._fail:
                raise NanLossDuringTrainingError
            _log.warning("Model diverged with loss = NaN.")
            run_context.request_stop()


class StopAtStepHook(SessionRunHook):
    """tf.train.StopAtStepHook(num_steps=None, last_step=None): stop once the global step reaches the last step."""

    def __init__(self, num_steps=None, last_step=None):
        if (num_steps is None) == (last_step is None):
            raise ValueError("One of num_steps or last_step must be specified.")
        if num_steps is not None and num_steps < 0:
            raise ValueError("Must specify num_steps >= 0")
        self._num_steps, self._last_step = num_steps, last_step

    def begin(self):
        from .train import get_global_step

        self._step = get_global_step()
        if self._step is None:
            raise RuntimeError("Global step should be created to use StopAtStepHook.")

    def after_create_session(self, session, coord):
        if self._last_step is None:
            self._last_step = int(session.run(self._step)) + self._num_steps

    def before_run(self, run_context):
        return SessionRunArgs(self._step)

    def after_run(self, run_context, run_values):
        # the fetched value is the step before this run's increment (if any): ask again
        if int(run_context.session.run(self._step)) >= self._last_step:
            run_context.request_stop()


class LoggingTensorHook(SessionRunHook):
    """tf.train.LoggingTensorHook(tensors, every_n_iter, every_n_secs, at_end=False, formatter=None).

    Logs ``name = value, ...`` (INFO, logger "tensorflow") every N runs or seconds.
    """

    def __init__(self, tensors, every_n_iter=None, every_n_secs=None, at_end=False, formatter=None):
        if not at_end and (every_n_iter is None) == (every_n_secs is None):
            raise ValueError("either at_end and/or exactly one of every_n_iter and every_n_secs must be provided.")
        if every_n_iter is not None and every_n_iter <= 0:
            raise ValueError(f"invalid every_n_iter={every_n_iter}.")
        if isinstance(tensors, dict):
            self._tags, self._tensors = list(tensors), dict(tensors)
        else:
            items = list(tensors)
            self._tags = [getattr(t, "name", str(t)) for t in items]
            self._tensors = dict(zip(self._tags, items))
        self._n, self._secs, self._at_end, self._fmt = every_n_iter, every_n_secs, at_end, formatter
        self._iter, self._last = 0, None

    def _due(self):
        if self._n is not None:
            return self._iter % self._n == 0
        if self._secs is not None:
            return self._last is None or time.time() - self._last >= self._secs
        return False

    def _log_values(self, values):
        if self._fmt is not None:
            _log.info(self._fmt(values))
        else:
            _log.info(", ".join(f"{t} = {values[t]}" for t in self._tags))
        self._last = time.time()

    def before_run(self, run_context):
        self._due_now = self._due()
        return SessionRunArgs(self._tensors) if self._due_now else None

    def after_run(self, run_context, run_values):
        if self._due_now:
            self._log_values(run_values.results)
        self._iter += 1

    def end(self, session):
        if self._at_end:
            self._log_values(session.run(self._tensors))


__all__ = ["LoggingTensorHook", "NanLossDuringTrainingError", "NanTensorHook", "SessionRunArgs",
           "SessionRunContext", "SessionRunHook", "SessionRunValues", "StopAtStepHook", "hooked_run"]
