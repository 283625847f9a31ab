"""``tf.metrics``: streaming metrics, each a ``(value, update_op)`` pair over local counter variables.

TF 1.x's semantics exactly: a metric keeps its running sums in *local*
variables (collections ``LOCAL_VARIABLES`` and ``metric_variables``, named
``"<metric>/total"``, ``"<metric>/count"``, ...), so
``tf.local_variables_initializer()`` resets them and ``tf.train.Saver`` does
not save them. Running ``update_op`` adds one batch to the sums and returns
the metric over every batch so far; ``value`` reads it without changing
anything. Ratios are 0 while their denominator is 0 (TF's ``div_no_nan``).

* ``mean(values, weights)``: ``Σ w·v / Σ w`` (``total``, ``count``);
* ``accuracy(labels, predictions, weights)``: the mean of ``labels == predictions``;
* ``mean_squared_error`` / ``mean_absolute_error`` / ``root_mean_squared_error``;
* ``true_positives`` / ``false_positives`` / ``true_negatives`` / ``false_negatives``
  (weighted counts of booleans), ``precision = tp / (tp + fp)``, ``recall = tp / (tp + fn)``;
* ``auc(labels, predictions, num_thresholds=200, curve="ROC")``: the confusion
  counts at TF's thresholds ``[-1e-7, 1/(n-1), ..., (n-2)/(n-1), 1 + 1e-7]``
  (a prediction is positive when ``> threshold``) and the trapezoid rule over
  ``(x, y) = (fp / (fp + tn + 1e-6), (tp + 1e-6) / (tp + fn + 1e-6))``
  (ROC) or ``(recall, (tp + 1e-6) / (tp + fp + 1e-6))`` (PR);
  ``summation_method="minoring"``/``"majoring"`` take the lower/upper
  rectangles instead, ``"careful_interpolation"`` integrates the PR curve
  between thresholds in closed form (Davis and Goadrich's interpolation). ``predictions`` must lie in [0, 1]
  (InvalidArgumentError at run time otherwise, as TF's assertion).
"""
from __future__ import annotations

import numpy as np

from ..._core.op import Op, Spec
from . import _types, errors
from . import array_ops as _A
from ._base import as_graph_tensor, as_tensor
from .missing import module_getattr
from .variables import GraphKeys, Variable, variable_scope

__getattr__ = module_getattr(__name__, "tf.metrics")

METRIC_VARIABLES = "metric_variables"


def _graph_only(fn):
    if _types.MODE.eager:
        raise RuntimeError(f"tf.metrics.{fn} is not supported when eager execution is enabled (compute the metric "
                           "with tf ops on each batch, or run the program as a graph)")


def _metric_variable(shape, name, dtype=np.float32):
    """A local, non-trainable variable of zeros (TF's ``metric_variable``)."""
    return Variable(np.zeros(shape, dtype=dtype), trainable=False, name=name,
                    collections=[GraphKeys.LOCAL_VARIABLES, METRIC_VARIABLES])


def _div_no_nan(num, den, name=None):
    """``num / den`` where ``den > 0``, else 0 (no division by zero is evaluated)."""
    pos = _A.greater(den, 0.0)
    safe = _A.where(pos, den, _A.ones_like(den))
    return _A.where(pos, _A.truediv(num, safe), _A.zeros_like(num), name=name)


def _static_rank(t):
    s = as_tensor(t).shape
    return None if s is None else len(s)


def _remove_squeezable_dimensions(labels, predictions):
    """TF's rule: drop a trailing size-1 axis from whichever of the two has one more axis than the other."""
    lr, pr = _static_rank(labels), _static_rank(predictions)
    if lr is not None and pr is not None:
        if pr == lr + 1 and as_tensor(predictions).shape[-1] == 1:
            predictions = _A.squeeze(predictions, [-1])
        elif lr == pr + 1 and as_tensor(labels).shape[-1] == 1:
            labels = _A.squeeze(labels, [-1])
    return labels, predictions


def _check_shapes(fn, labels, predictions):
    a, b = as_tensor(labels).shape, as_tensor(predictions).shape
    if a is not None and b is not None and not _types.TensorShape(a).is_compatible_with(_types.TensorShape(b)):
        raise ValueError(f"tf.metrics.{fn}: labels of shape {_types.TensorShape(a)} and predictions of shape "
                         f"{_types.TensorShape(b)} are not compatible")


def _collect(value, update_op, metrics_collections, updates_collections):
    g = _types.get_default_graph()
    for c in metrics_collections or ():
        g.add_to_collection(c, value)
    for c in updates_collections or ():
        g.add_to_collection(c, update_op)
    return value, update_op


def _weighted(values, weights):
    """(values * weights broadcast, the weights' sum) — or (values, their number) without weights."""
    if weights is None:
        return values, _A.cast(_A.size(values), np.float32)
    w = _A.multiply(_A.cast(weights, np.float32), _A.ones_like(values))
    return _A.multiply(values, w), _A.reduce_sum(w)


def mean(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """tf.metrics.mean: the (weighted) mean of every value seen: ``total / count``."""
    _graph_only("mean")
    with variable_scope(name, "mean"):
        values = _A.cast(values, np.float32)
        total = _metric_variable([], "total")
        count = _metric_variable([], "count")
        values, num = _weighted(values, weights)
        update_total = total.assign_add(_A.reduce_sum(values))
        update_count = count.assign_add(num)
        value = _div_no_nan(total, count, name="value")
        update_op = _div_no_nan(update_total, update_count, name="update_op")
    return _collect(value, update_op, metrics_collections, updates_collections)


def accuracy(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """tf.metrics.accuracy: how often ``predictions`` equals ``labels`` (the mean of ``labels == predictions``)."""
    _graph_only("accuracy")
    labels, predictions = _remove_squeezable_dimensions(labels, predictions)
    _check_shapes("accuracy", labels, predictions)
    lt, pt = as_tensor(labels), as_tensor(predictions)
    if getattr(lt, "dtype", None) is not None and getattr(pt, "dtype", None) is not None and lt.dtype != pt.dtype:
        predictions = _A.cast(predictions, lt.dtype)
    is_correct = _A.cast(_A.equal(predictions, labels), np.float32)
    return mean(is_correct, weights, metrics_collections, updates_collections, name or "accuracy")


def _error_mean(kind, error):
    """A streaming mean of ``error(labels, predictions)`` (float32), TF's shape rules first."""

    def metric(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
        _graph_only(kind)
        labels, predictions = _remove_squeezable_dimensions(labels, predictions)
        _check_shapes(kind, labels, predictions)
        err = error(_A.cast(labels, np.float32), _A.cast(predictions, np.float32))
        return mean(err, weights, metrics_collections, updates_collections, name or kind)

    metric.__name__ = metric.__qualname__ = kind
    return metric


mean_squared_error = _error_mean("mean_squared_error", lambda y, p: _A.squared_difference(p, y))
mean_squared_error.__doc__ = "tf.metrics.mean_squared_error: the mean of ``(labels - predictions)^2`` so far."
mean_absolute_error = _error_mean("mean_absolute_error", lambda y, p: _A.abs(_A.subtract(p, y)))
mean_absolute_error.__doc__ = "tf.metrics.mean_absolute_error: the mean of ``|labels - predictions|`` so far."


def root_mean_squared_error(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
                            name=None):
    """tf.metrics.root_mean_squared_error: ``sqrt`` of the streaming mean squared error."""
    mse, update = mean_squared_error(labels, predictions, weights, None, None, name or "root_mean_squared_error")
    value, update_op = _A.sqrt(mse), _A.sqrt(update)
    return _collect(value, update_op, metrics_collections, updates_collections)


def _count_condition(cond, weights, metrics_collections, updates_collections):
    """A local ``count`` of the (weighted) true entries of ``cond``; returns (count read, update)."""
    count = _metric_variable([], "count")
    values = _A.cast(cond, np.float32)
    if weights is not None:
        values = _A.multiply(values, _A.cast(weights, np.float32))
    update = count.assign_add(_A.reduce_sum(values))
    return _collect(_A.identity(count), update, metrics_collections, updates_collections)


def _as_bool(x):
    t = as_tensor(x)
    return x if getattr(t, "dtype", None) == np.bool_ else _A.cast(x, np.bool_)


def _condition_metric(kind, label_value, pred_value):
    def metric(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
        _graph_only(kind)
        labels, predictions = _remove_squeezable_dimensions(labels, predictions)
        _check_shapes(kind, labels, predictions)
        with variable_scope(name, kind):
            lab = _as_bool(labels) if label_value else _A.logical_not(_as_bool(labels))
            pre = _as_bool(predictions) if pred_value else _A.logical_not(_as_bool(predictions))
            return _count_condition(_A.logical_and(lab, pre), weights, metrics_collections, updates_collections)

    metric.__name__ = metric.__qualname__ = kind
    metric.__doc__ = (f"tf.metrics.{kind}: the weighted count of entries with label {label_value} and "
                      f"prediction {pred_value} (booleans; numbers are cast, nonzero is True).")
    return metric


true_positives = _condition_metric("true_positives", True, True)
false_positives = _condition_metric("false_positives", False, True)
true_negatives = _condition_metric("true_negatives", False, False)
false_negatives = _condition_metric("false_negatives", True, False)


def _ratio_metric(kind, other, what):
    def metric(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
        _graph_only(kind)
        with variable_scope(name, kind):
            tp, tp_up = true_positives(labels, predictions, weights)
            ot, ot_up = other(labels, predictions, weights)
            value = _div_no_nan(tp, _A.add(tp, ot), name="value")
            update_op = _div_no_nan(tp_up, _A.add(tp_up, ot_up), name="update_op")
        return _collect(value, update_op, metrics_collections, updates_collections)

    metric.__name__ = metric.__qualname__ = kind
    metric.__doc__ = f"tf.metrics.{kind}: {what} over every batch seen (0 while the denominator is 0)."
    return metric


precision = _ratio_metric("precision", false_positives, "true_positives / (true_positives + false_positives)")
recall = _ratio_metric("recall", false_negatives, "true_positives / (true_positives + false_negatives)")


class _AssertUnitInterval(Op):
    """Passes its input through after checking that every entry is in [0, 1] (TF's assertions in tf.metrics.auc)."""

    nin = 1
    register = False
    differentiable = False
    type = "Identity"

    def forward(self, xp, x):
        if x.size and (xp.min(x) < 0 or xp.max(x) > 1):
            raise errors.InvalidArgumentError(
                None, None, f"{self.what}: predictions must be in [0, 1], got values in "
                f"[{float(xp.min(x))}, {float(xp.max(x))}]")
        return (x,)

    def infer(self, x):
        return (Spec(x.shape, x.dtype),)

    def backward(self, grads):
        return (None,)


def _thresholds(num_thresholds):
    if num_thresholds < 2:
        raise ValueError(f"tf.metrics.auc: num_thresholds must be > 1, got {num_thresholds}")
    eps = 1e-7
    inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return [0.0 - eps] + inner + [1.0 + eps]


def _confusion_at_thresholds(labels, predictions, thresholds, weights, fn):
    """Local ``true_positives``, ``false_negatives``, ``true_negatives``, ``false_positives`` of shape [T].

    A prediction counts as positive at threshold ``t`` when it is ``> t``.
    Returns ({name: value}, {name: update}).
    """
    pred = _AssertUnitInterval.apply(as_graph_tensor(_A.cast(predictions, np.float32)), what=f"tf.metrics.{fn}")
    pred = _A.reshape(_types.wrap(pred), [1, -1])
    lab = _A.reshape(_as_bool(labels), [1, -1])
    thr = _A.reshape(_A.constant(np.array(thresholds, dtype=np.float32)), [-1, 1])
    pred_pos = _A.greater(pred, thr)  # [T, N]
    pred_neg = _A.logical_not(pred_pos)
    lab_neg = _A.logical_not(lab)
    w = None if weights is None else _A.reshape(_A.cast(weights, np.float32), [1, -1])
    values, updates = {}, {}
    for key, cond in (("tp", _A.logical_and(lab, pred_pos)), ("fn", _A.logical_and(lab, pred_neg)),
                      ("tn", _A.logical_and(lab_neg, pred_neg)), ("fp", _A.logical_and(lab_neg, pred_pos))):
        name = {"tp": "true_positives", "fn": "false_negatives", "tn": "true_negatives",
                "fp": "false_positives"}[key]
        var = _metric_variable([len(thresholds)], name)
        c = _A.cast(cond, np.float32)
        if w is not None:
            c = _A.multiply(c, w)
        updates[key] = var.assign_add(_A.reduce_sum(c, axis=1))
        values[key] = _A.identity(var)
    return values, updates


def _interpolated_pr_auc(tp, fp, fn, n, name):
    """The area under the PR curve interpolated between thresholds [Davis and Goadrich, 2006] (TF's method).

    Between two thresholds the number of true positives grows linearly in the
    number of predicted positives ``p = tp + fp``: ``tp = slope·p + intercept``.
    Precision ``tp/p`` then integrates in closed form against recall
    ``tp/(tp + fn)``: per interval ``slope·(Δtp + intercept·ln(p_i / p_{i+1})) /
    (tp_{i+1} + fn_{i+1})`` (ratios that would divide by zero count as 0, a
    log of 0/0 as ln 1).
    """
    dtp = _A.subtract(tp[:n - 1], tp[1:])
    p = _A.add(tp, fp)
    dp = _A.maximum(_A.subtract(p[:n - 1], p[1:]), 0.0)
    slope = _div_no_nan(dtp, dp)
    intercept = _A.subtract(tp[1:], _A.multiply(slope, p[1:]))
    both = _A.logical_and(_A.greater(p[:n - 1], 0.0), _A.greater(p[1:], 0.0))
    ratio = _A.where(both, _div_no_nan(p[:n - 1], _A.maximum(p[1:], 0.0)), _A.ones_like(p[1:]))
    per = _div_no_nan(_A.multiply(slope, _A.add(dtp, _A.multiply(intercept, _A.log(ratio)))),
                      _A.maximum(_A.add(tp[1:], fn[1:]), 0.0))
    return _A.reduce_sum(per, name=name)


def auc(labels, predictions, weights=None, num_thresholds=200, metrics_collections=None, updates_collections=None,
        curve="ROC", name=None, summation_method="trapezoidal", thresholds=None):
    """tf.metrics.auc: the area under the ROC (or PR) curve over every batch seen (see the module docstring)."""
    _graph_only("auc")
    if curve not in ("ROC", "PR"):
        raise ValueError(f'curve must be either ROC or PR, {curve} unknown')
    if summation_method not in ("trapezoidal", "careful_interpolation", "minoring", "majoring"):
        raise ValueError(f"Invalid summation_method: {summation_method}")
    labels, predictions = _remove_squeezable_dimensions(labels, predictions)
    _check_shapes("auc", labels, predictions)
    if thresholds is not None:
        thr = [0.0 - 1e-7] + [float(t) for t in thresholds] + [1.0 + 1e-7]
    else:
        thr = _thresholds(int(num_thresholds))
    n = len(thr)
    eps = 1e-6
    with variable_scope(name, "auc"):
        values, updates = _confusion_at_thresholds(labels, predictions, thr, weights, "auc")

        def area(c, name):
            tp, fn, tn, fp = c["tp"], c["fn"], c["tn"], c["fp"]
            if curve == "PR" and summation_method == "careful_interpolation":
                return _interpolated_pr_auc(tp, fp, fn, n, name)
            rec = _A.truediv(_A.add(tp, eps), _A.add(_A.add(tp, fn), eps))
            if curve == "ROC":
                x = _A.truediv(fp, _A.add(_A.add(fp, tn), eps))
                y = rec
            else:
                x = rec
                y = _A.truediv(_A.add(tp, eps), _A.add(_A.add(tp, fp), eps))
            dx = _A.subtract(x[:n - 1], x[1:])
            if summation_method in ("trapezoidal", "careful_interpolation"):
                h = _A.multiply(_A.add(y[:n - 1], y[1:]), 0.5)
            elif summation_method == "minoring":
                h = _A.minimum(y[:n - 1], y[1:])
            else:
                h = _A.maximum(y[:n - 1], y[1:])
            return _A.reduce_sum(_A.multiply(dx, h), name=name)

        value = area(values, "value")
        update_op = area(updates, "update_op")
    return _collect(value, update_op, metrics_collections, updates_collections)


__all__ = ["accuracy", "auc", "false_negatives", "false_positives", "mean", "mean_absolute_error",
           "mean_squared_error", "precision", "recall", "root_mean_squared_error", "true_negatives",
           "true_positives"]
