"""``tf.estimator.Estimator``: train / evaluate / predict a ``model_fn`` on neuralab graphs, with checkpoints.

Each call builds a fresh tf.Graph as TF does: the ``input_fn`` gives
``(features, labels)`` (tensors, or a ``tf.data.Dataset`` whose one-shot
iterator is used), the ``model_fn(features, labels, mode, params, config)``
gives an :class:`EstimatorSpec`, and a Session runs it:

* ``train``: restores the newest checkpoint of ``model_dir`` (else runs the
  initializers), runs ``train_op`` until ``steps`` more steps, the global step
  reaches ``max_steps``, the input ends (``OutOfRangeError``) or a hook stops
  it; saves ``model.ckpt-<step>`` with :class:`tf.train.Saver` at the start,
  every ``save_checkpoints_steps`` (or ``save_checkpoints_secs``) and at the
  end. A second ``train`` resumes from the last checkpoint. The loss is
  checked for NaN every step (TF's NanTensorHook) and logged every
  ``log_step_count_steps`` (INFO, logger "tensorflow").
* ``evaluate``: restores the checkpoint, resets the local metric variables,
  runs every ``eval_metric_ops`` update (and a streaming mean of the loss)
  until the input ends or ``steps`` batches, and returns their values with
  ``"loss"`` and ``"global_step"``.
* ``predict``: restores the checkpoint and yields the predictions one example
  at a time (dicts when ``predictions`` is a dict), batch after batch, until
  the input ends.
"""
from __future__ import annotations

import collections
import contextlib
import copy
import inspect
import logging
import os
import tempfile
import time

import numpy as np

from .. import errors, metrics as _metrics
from .. import _types
from ..array_ops import set_random_seed
from ..session import Session
from ..train import Saver, get_checkpoint_state, get_or_create_global_step, latest_checkpoint
from ..variables import global_variables_initializer, local_variables_initializer
from ..hooks import NanLossDuringTrainingError, SessionRunHook, hooked_run

_log = logging.getLogger("tensorflow")


class ModeKeys:
    """tf.estimator.ModeKeys: the mode a ``model_fn`` is called in."""

    TRAIN = "train"
    EVAL = "eval"
    PREDICT = "infer"


_SPEC_FIELDS = ["mode", "predictions", "loss", "train_op", "eval_metric_ops", "export_outputs",
                "training_chief_hooks", "training_hooks", "scaffold", "evaluation_hooks", "prediction_hooks"]


class EstimatorSpec(collections.namedtuple("EstimatorSpec", _SPEC_FIELDS)):
    """tf.estimator.EstimatorSpec: what a ``model_fn`` returns for its mode.

    TRAIN needs ``loss`` and ``train_op``, EVAL ``loss`` (and optionally
    ``eval_metric_ops``: name -> (value, update_op), e.g. from tf.metrics),
    PREDICT ``predictions`` (a tensor or a dict of tensors).
    """

    def __new__(cls, mode, predictions=None, loss=None, train_op=None, eval_metric_ops=None, export_outputs=None,
                training_chief_hooks=None, training_hooks=None, scaffold=None, evaluation_hooks=None,
                prediction_hooks=None):
        if mode not in (ModeKeys.TRAIN, ModeKeys.EVAL, ModeKeys.PREDICT):
            raise ValueError(f"mode={mode!r} is not one of tf.estimator.ModeKeys (TRAIN, EVAL, PREDICT)")
        if mode == ModeKeys.TRAIN and train_op is None:
            raise ValueError("Missing train_op.")
        if mode != ModeKeys.PREDICT and loss is None:
            raise ValueError("Missing loss.")
        if mode == ModeKeys.PREDICT and predictions is None:
            raise ValueError("Missing predictions.")
        if loss is not None:
            shape = getattr(loss, "shape", None)
            if shape is not None and shape.ndims not in (None, 0) and shape.num_elements() != 1:
                raise ValueError(f"Loss must be scalar, given: {loss}")
        ops = dict(eval_metric_ops or {})
        for k, v in ops.items():
            if not (isinstance(v, tuple) and len(v) == 2):
                raise TypeError(f"Values of eval_metric_ops must be (metric_value, update_op) tuples, given: {v} "
                                f"for key: {k}")
        hooks = [tuple(h or ()) for h in (training_chief_hooks, training_hooks, evaluation_hooks, prediction_hooks)]
        for group in hooks:
            for h in group:
                if not isinstance(h, SessionRunHook):
                    raise TypeError(f"All hooks must be SessionRunHook instances, given: {h}")
        return super().__new__(cls, mode, predictions, loss, train_op, ops, export_outputs, *hooks[:2], scaffold,
                               *hooks[2:])


_USE_DEFAULT = object()


class RunConfig:
    """tf.estimator.RunConfig: where and how often an Estimator saves, logs and seeds.

    ``save_checkpoints_steps`` and ``save_checkpoints_secs`` are exclusive;
    with neither, a checkpoint is saved every 600 seconds (and always at the
    end of ``train``). ``tf_random_seed`` becomes the graph-level seed of
    every graph the Estimator builds.
    """

    def __init__(self, model_dir=None, tf_random_seed=None, save_summary_steps=100, save_checkpoints_steps=None,
                 save_checkpoints_secs=_USE_DEFAULT, session_config=None, keep_checkpoint_max=5,
                 keep_checkpoint_every_n_hours=10000, log_step_count_steps=100, train_distribute=None,
                 device_fn=None, protocol=None, eval_distribute=None, experimental_distribute=None,
                 experimental_max_worker_delay_secs=None, session_creation_timeout_secs=7200):
        if save_checkpoints_steps is not None and save_checkpoints_secs not in (None, _USE_DEFAULT):
            raise ValueError("Can not provide both save_checkpoints_steps and save_checkpoints_secs.")
        if save_checkpoints_secs is _USE_DEFAULT:
            save_checkpoints_secs = 600 if save_checkpoints_steps is None else None
        self._model_dir = None if model_dir is None else os.fspath(model_dir)
        self._tf_random_seed = tf_random_seed
        self._save_summary_steps = save_summary_steps
        self._save_checkpoints_steps = save_checkpoints_steps
        self._save_checkpoints_secs = save_checkpoints_secs
        self._session_config = session_config
        self._keep_checkpoint_max = keep_checkpoint_max
        self._keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self._log_step_count_steps = log_step_count_steps

    model_dir = property(lambda self: self._model_dir, doc="Where checkpoints are saved.")
    tf_random_seed = property(lambda self: self._tf_random_seed, doc="The graph-level seed.")
    save_summary_steps = property(lambda self: self._save_summary_steps)
    save_checkpoints_steps = property(lambda self: self._save_checkpoints_steps,
                                      doc="Save every this many steps (or None).")
    save_checkpoints_secs = property(lambda self: self._save_checkpoints_secs,
                                     doc="Save every this many seconds (or None).")
    session_config = property(lambda self: self._session_config)
    keep_checkpoint_max = property(lambda self: self._keep_checkpoint_max, doc="How many checkpoints to keep.")
    keep_checkpoint_every_n_hours = property(lambda self: self._keep_checkpoint_every_n_hours)
    log_step_count_steps = property(lambda self: self._log_step_count_steps,
                                    doc="Log the loss every this many steps.")
    is_chief = True
    num_ps_replicas = 0
    num_worker_replicas = 1
    task_type = "worker"
    task_id = 0
    master = ""
    cluster_spec = None
    evaluation_master = ""
    global_id_in_cluster = 0
    train_distribute = None
    eval_distribute = None
    device_fn = None

    def replace(self, **kwargs):
        """A copy with some settings changed (``model_dir``, ``tf_random_seed``, ``save_checkpoints_steps``...)."""
        new = copy.copy(self)
        if "save_checkpoints_steps" in kwargs and kwargs["save_checkpoints_steps"] is not None \
                and "save_checkpoints_secs" not in kwargs:
            kwargs["save_checkpoints_secs"] = None
        for k, v in kwargs.items():
            if not hasattr(new, "_" + k):
                raise ValueError(f"{k} is not a RunConfig property that can be replaced")
            setattr(new, "_" + k, os.fspath(v) if k == "model_dir" and v is not None else v)
        if new._save_checkpoints_steps is not None and new._save_checkpoints_secs is not None:
            raise ValueError("Can not provide both save_checkpoints_steps and save_checkpoints_secs.")
        return new

    def __repr__(self):
        return (f"RunConfig(model_dir={self._model_dir!r}, tf_random_seed={self._tf_random_seed}, "
                f"save_checkpoints_steps={self._save_checkpoints_steps}, "
                f"save_checkpoints_secs={self._save_checkpoints_secs}, "
                f"log_step_count_steps={self._log_step_count_steps})")


def _fn_args(fn):
    try:
        return set(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return set()


class Estimator:
    """tf.estimator.Estimator(model_fn, model_dir=None, config=None, params=None) (see the module docstring)."""

    def __init__(self, model_fn, model_dir=None, config=None, params=None, warm_start_from=None):
        if not callable(model_fn):
            raise ValueError(f"model_fn must be callable, got {model_fn!r}")
        args = _fn_args(model_fn)
        if args and "features" not in args:
            raise ValueError(f"model_fn ({model_fn}) must include features argument.")
        if args and "params" not in args and params is not None:
            raise ValueError(f"model_fn ({model_fn}) does not include params argument, but params ({params}) are "
                             "passed to Estimator.")
        if warm_start_from is not None:
            raise NotImplementedError("neuralab.compat.v1: Estimator(warm_start_from=...) is not supported; restore "
                                      "the variables in the model_fn or train from the checkpoint's model_dir")
        config = config if config is not None else RunConfig()
        if not isinstance(config, RunConfig):
            raise ValueError(f"config must be an instance of RunConfig, but provided {config}.")
        md = None if model_dir is None else os.fspath(model_dir)
        if md is not None and config.model_dir is not None and md != config.model_dir:
            raise ValueError(f"model_dir are set both in constructor and RunConfig, but with different values. In "
                             f"constructor: '{md}', in RunConfig: '{config.model_dir}'.")
        md = md or config.model_dir
        if md is None:
            md = tempfile.mkdtemp()
            _log.warning("Using temporary folder as model directory: %s", md)
        self._model_dir = md
        self._config = config.replace(model_dir=md)
        self._params = copy.deepcopy(params or {})
        self._model_fn = model_fn

    model_dir = property(lambda self: self._model_dir, doc="The folder holding the checkpoints.")
    config = property(lambda self: copy.copy(self._config), doc="The RunConfig.")
    params = property(lambda self: copy.deepcopy(self._params), doc="The params handed to model_fn.")
    model_fn = property(lambda self: self._model_fn, doc="The model_fn.")

    # -- checkpoints -------------------------------------------------------------------------------
    def latest_checkpoint(self):
        """The newest checkpoint prefix in ``model_dir``, or None."""
        return latest_checkpoint(self._model_dir)

    def _checkpoint_values(self):
        from .... import io as _io

        ckpt = self.latest_checkpoint()
        if ckpt is None:
            raise ValueError(f"Could not find trained model in model_dir: {self._model_dir}.")
        return _io.load(ckpt + ".safetensors").get("variables", {})

    def get_variable_names(self):
        """The names of the variables in the newest checkpoint."""
        return sorted(self._checkpoint_values())

    def get_variable_value(self, name):
        """The value of variable ``name`` in the newest checkpoint."""
        values = self._checkpoint_values()
        if name not in values:
            raise ValueError(f"Variable {name} not found in the checkpoint (has: {sorted(values)})")
        return np.asarray(values[name])

    def _checkpoint_step(self):
        try:
            return int(self.get_variable_value("global_step"))
        except ValueError:
            return 0

    # -- building -----------------------------------------------------------------------------------
    def _optional_args(self, fn, mode):
        """The keyword arguments ``fn`` declares among mode, params and config (TF passes only those)."""
        args = _fn_args(fn)
        given = {"mode": mode, "params": self.params, "config": self.config}
        return {k: v for k, v in given.items() if k in args}

    def _call_input_fn(self, input_fn, mode):
        kwargs = self._optional_args(input_fn, mode)
        result = input_fn(**kwargs)
        if hasattr(result, "make_one_shot_iterator") and hasattr(result, "output_types"):
            result = result.make_one_shot_iterator().get_next()  # a tf.data.Dataset
        if isinstance(result, (tuple, list)):
            if len(result) != 2:
                raise ValueError(f"input_fn must return features or (features, labels), got a {type(result).__name__}"
                                 f" of {len(result)} items")
            return result[0], result[1]
        return result, None

    def _call_model_fn(self, features, labels, mode):
        kwargs = self._optional_args(self._model_fn, mode)
        if "labels" in _fn_args(self._model_fn):
            kwargs["labels"] = labels
        elif labels is not None and mode != ModeKeys.PREDICT:
            raise ValueError("model_fn does not take labels, but input_fn returns labels.")
        spec = self._model_fn(features=features, **kwargs)
        if not isinstance(spec, EstimatorSpec):
            raise ValueError(f"model_fn should return an EstimatorSpec. Given: {type(spec).__name__}")
        return spec

    def _graph(self, input_fn, mode):
        g = _types.Graph()
        with g.as_default():
            if self._config.tf_random_seed is not None:
                set_random_seed(self._config.tf_random_seed)
            step = get_or_create_global_step()
            features, labels = self._call_input_fn(input_fn, mode)
            spec = self._call_model_fn(features, labels, mode)
        return g, step, spec

    @contextlib.contextmanager
    def _running(self, g, hooks, saver, checkpoint_path=None, what="train"):
        """A Session on ``g``, restored from the newest checkpoint (or initialized), with the hooks' lifecycle.

        The hooks' ``begin`` runs first, ``after_create_session`` once the values
        are in place, ``end`` after the loop (each with ``g`` as the default graph).
        """
        with g.as_default():
            for h in hooks:
                h.begin()
        sess = Session(graph=g)
        try:
            with g.as_default():
                sess.run(global_variables_initializer())
                ckpt = checkpoint_path or self.latest_checkpoint()
                if ckpt is not None:
                    saver.restore(sess, ckpt)
                    _log.info("Restoring parameters from %s", ckpt)
                    state = get_checkpoint_state(self._model_dir)
                    if state is not None:  # keep counting the older checkpoints against keep_checkpoint_max
                        saver.recover_last_checkpoints(state.all_model_checkpoint_paths)
                elif what != "train":
                    _log.info("Could not find trained model in model_dir: %s, running initialization to %s.",
                              self._model_dir, what)
                sess.run(local_variables_initializer())
                for h in hooks:
                    h.after_create_session(sess, None)
            yield sess
            with g.as_default():
                for h in hooks:
                    h.end(sess)
        finally:
            sess.close()

    # -- train ----------------------------------------------------------------------------------------
    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        """Train the model: ``steps`` more steps, or up to global step ``max_steps``, or until the input ends."""
        if steps is not None and max_steps is not None:
            raise ValueError("Can not provide both steps and max_steps.")
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        if max_steps is not None and max_steps <= 0:
            raise ValueError(f"Must specify max_steps > 0, given: {max_steps}")
        if max_steps is not None and self._checkpoint_step() >= max_steps:
            _log.info("Skipping training since max_steps has already saved.")
            return self
        hooks = list(hooks or [])
        g, step_var, spec = self._graph(input_fn, ModeKeys.TRAIN)
        hooks += list(spec.training_chief_hooks) + list(spec.training_hooks)
        cfg = self._config
        with g.as_default():
            saver = Saver(max_to_keep=cfg.keep_checkpoint_max, allow_empty=True)
        prefix = os.path.join(self._model_dir, "model.ckpt")
        with self._running(g, hooks, saver) as sess:
            step = int(sess.run(step_var))
            self._save(sess, saver, prefix, step)
            last_saved, last_time = step, time.time()
            log_every = cfg.log_step_count_steps
            t0, loss = time.time(), None
            fetches = {"train": spec.train_op, "loss": spec.loss}
            done = 0
            while (steps is None or done < steps) and (max_steps is None or step < max_steps):
                try:
                    out, stop = hooked_run(sess, fetches, None, hooks)
                except errors.OutOfRangeError:
                    break
                done += 1
                loss = out["loss"]
                if np.isnan(loss):
                    raise NanLossDuringTrainingError
                new_step = int(sess.run(step_var))
                step = new_step if new_step > step else step + 1  # (a train_op that forgot the global step)
                if log_every and (done == 1 or done % log_every == 0):
                    _log.info("loss = %s, step = %s", loss, step)
                    if done > 1:
                        _log.info("global_step/sec: %g", log_every / max(time.time() - t0, 1e-9))
                    t0 = time.time()
                if (cfg.save_checkpoints_steps and step - last_saved >= cfg.save_checkpoints_steps) or \
                        (cfg.save_checkpoints_secs and time.time() - last_time >= cfg.save_checkpoints_secs):
                    self._save(sess, saver, prefix, step)
                    last_saved, last_time = step, time.time()
                if stop:
                    break
            if step != last_saved:
                self._save(sess, saver, prefix, step)
        _log.info("Loss for final step: %s.", loss)
        return self

    def _save(self, sess, saver, prefix, step):
        _log.info("Saving checkpoints for %d into %s.", step, prefix)
        saver.save(sess, prefix, global_step=step)

    # -- evaluate -----------------------------------------------------------------------------------------
    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None):
        """Evaluate on ``input_fn``'s data: {metric: value, "loss": mean loss, "global_step": step}."""
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        g, step_var, spec = self._graph(input_fn, ModeKeys.EVAL)
        hooks = list(hooks or []) + list(spec.evaluation_hooks)
        with g.as_default():
            ops = dict(spec.eval_metric_ops)
            if "loss" not in ops:
                ops["loss"] = _metrics.mean(spec.loss)
            values = {k: v[0] for k, v in ops.items()}
            updates = {k: v[1] for k, v in ops.items()}
            saver = Saver(allow_empty=True)
        with self._running(g, hooks, saver, checkpoint_path, "evaluate") as sess:
            n = 0
            while steps is None or n < steps:
                try:
                    _, stop = hooked_run(sess, updates, None, hooks)
                except errors.OutOfRangeError:
                    break
                n += 1
                if stop:
                    break
            result = dict(sess.run(values))
            result["global_step"] = int(sess.run(step_var))
        _log.info("Saving dict for global step %d: %s", result["global_step"],
                  ", ".join(f"{k} = {v}" for k, v in sorted(result.items())))
        return result

    # -- predict -------------------------------------------------------------------------------------------
    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True):
        """Yield the predictions for ``input_fn``'s features: one per example (dicts if ``predictions`` is one)."""
        g, _, spec = self._graph(input_fn, ModeKeys.PREDICT)
        preds = spec.predictions
        if isinstance(preds, dict):
            if predict_keys is not None:
                keys = [predict_keys] if isinstance(predict_keys, str) else list(predict_keys)
                missing = [k for k in keys if k not in preds]
                if missing:
                    raise ValueError(f"Expected to run at least one output from {sorted(preds)}, provided "
                                     f"{missing}.")
                preds = {k: preds[k] for k in keys}
        hooks = list(hooks or []) + list(spec.prediction_hooks)
        with g.as_default():
            saver = Saver(allow_empty=True)
        with self._running(g, hooks, saver, checkpoint_path, "predict") as sess:
            while True:
                try:
                    out, stop = hooked_run(sess, preds, None, hooks)
                except errors.OutOfRangeError:
                    break
                if not yield_single_examples:
                    yield out
                else:
                    yield from _examples(out)
                if stop:
                    break

    def export_savedmodel(self, *args, **kwargs):
        """Not supported: neuralab checkpoints are safetensors files (see ``latest_checkpoint``)."""
        raise NotImplementedError("neuralab.compat.v1: Estimator.export_savedmodel is not supported; use the "
                                  "checkpoints in model_dir (tf.train.Saver / neuralab.io.load)")

    export_saved_model = export_savedmodel


class TrainSpec(collections.namedtuple("TrainSpec", ["input_fn", "max_steps", "hooks"])):
    """tf.estimator.TrainSpec(input_fn, max_steps=None, hooks=()): the training half of train_and_evaluate."""

    def __new__(cls, input_fn, max_steps=None, hooks=None):
        if not callable(input_fn):
            raise TypeError(f"`input_fn` must be callable, given: {input_fn}")
        if max_steps is not None and max_steps <= 0:
            raise ValueError(f"Must specify max_steps > 0, given: {max_steps}")
        return super().__new__(cls, input_fn, max_steps, tuple(hooks or ()))


class EvalSpec(collections.namedtuple("EvalSpec", ["input_fn", "steps", "name", "hooks", "exporters",
                                                   "start_delay_secs", "throttle_secs"])):
    """tf.estimator.EvalSpec(input_fn, steps=100, name=None, hooks=None, ...): the evaluation half."""

    def __new__(cls, input_fn, steps=100, name=None, hooks=None, exporters=None, start_delay_secs=120,
                throttle_secs=600):
        if not callable(input_fn):
            raise TypeError(f"`input_fn` must be callable, given: {input_fn}")
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        if exporters:
            raise NotImplementedError("neuralab.compat.v1: EvalSpec(exporters=...) is not supported (no SavedModel "
                                      "export)")
        return super().__new__(cls, input_fn, steps, name, tuple(hooks or ()), None, start_delay_secs,
                               throttle_secs)


def train_and_evaluate(estimator, train_spec, eval_spec):
    """tf.estimator.train_and_evaluate, run locally: train up to ``max_steps``, then evaluate the final model.

    (TF's local executor may also evaluate intermediate checkpoints every
    ``throttle_secs``; the final evaluation, which it returns, is the same.)
    Returns ``(eval_result, export_results)`` with no exports.
    """
    if not isinstance(estimator, Estimator):
        raise TypeError(f"`estimator` must have type `tf.estimator.Estimator`. Got: {type(estimator)}")
    if not isinstance(train_spec, TrainSpec) or not isinstance(eval_spec, EvalSpec):
        raise TypeError("train_spec must be a tf.estimator.TrainSpec and eval_spec a tf.estimator.EvalSpec")
    estimator.train(train_spec.input_fn, hooks=list(train_spec.hooks), max_steps=train_spec.max_steps)
    result = estimator.evaluate(eval_spec.input_fn, steps=eval_spec.steps, hooks=list(eval_spec.hooks),
                                name=eval_spec.name)
    return result, []


def _examples(out):
    """Split one batch of predictions into single examples (TF checks they share the batch size)."""
    if isinstance(out, dict):
        sizes = {k: np.shape(v)[0] for k, v in out.items() if np.ndim(v) > 0}
        if len(set(sizes.values())) > 1:
            raise ValueError(f"Batch length of predictions should be same. {sizes}")
        n = next(iter(sizes.values()), None)
        if n is None:
            yield out
            return
        for i in range(n):
            yield {k: v[i] for k, v in out.items()}
        return
    if np.ndim(out) == 0:
        raise ValueError("predictions must have a batch dimension to yield single examples; "
                         "use yield_single_examples=False")
    yield from out


__all__ = ["EvalSpec", "Estimator", "EstimatorSpec", "ModeKeys", "RunConfig", "TrainSpec", "train_and_evaluate"]
