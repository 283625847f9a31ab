"""Canned estimators: LinearRegressor, LinearClassifier, DNNRegressor, DNNClassifier (TF 1.x's, on numeric columns).

Each is an :class:`~neuralab.compat.v1.estimator.Estimator` whose ``model_fn``
builds the model from ``feature_columns`` (:mod:`neuralab.compat.v1.feature_column`)
and one of TF's heads:

* regression: ``predictions = logits`` ([batch, label_dimension]); the
  training loss is the *sum* of the squared errors over the batch (TF 1.x's
  ``loss_reduction=SUM``); evaluation adds ``average_loss`` (the mean per
  element), ``label/mean`` and ``prediction/mean``;
* binary classification (``n_classes=2``): one logit, loss the summed
  sigmoid cross-entropy; predictions ``logits``, ``logistic``,
  ``probabilities`` ([1 - p, p]), ``class_ids`` and ``classes``; metrics
  ``accuracy``, ``accuracy_baseline``, ``auc``, ``auc_precision_recall``
  (careful interpolation), ``precision``, ``recall``, ``average_loss``,
  ``label/mean``, ``prediction/mean``;
* multi-class: ``n_classes`` logits, summed sparse softmax cross-entropy;
  predictions ``logits``, ``probabilities``, ``class_ids``, ``classes``;
  metrics ``accuracy``, ``average_loss``.

The linear models keep TF's variables ``linear/linear_model/<feature>/weights``
and ``linear/linear_model/bias_weights`` (zeros) and train with FTRL at rate
``min(0.2, 1/sqrt(len(feature_columns)))`` by default; the DNNs have
``dnn/hiddenlayer_<i>/{kernel,bias}`` and ``dnn/logits/{kernel,bias}``
(Glorot-uniform kernels), ReLU, optional dropout while training, and
Adagrad at 0.05 by default. ``optimizer`` may be a name ('Adagrad', 'Adam',
'Ftrl', 'RMSProp', 'SGD'), a ``tf.train`` optimizer or a function returning one.
"""
from __future__ import annotations

import math

import numpy as np

from ...._core.op import Op, Spec
from .. import _types, array_ops as _A, metrics as _metrics, nn as _nn, train as _train
from .._base import as_tensor
from ..feature_column import BucketizedColumn, NumericColumn, input_layer
from ..variables import get_variable, glorot_uniform_initializer, variable_scope, zeros_initializer
from ._estimator import Estimator, EstimatorSpec, ModeKeys

_OPTIMIZERS = {"Adagrad": _train.AdagradOptimizer, "Adam": _train.AdamOptimizer, "Ftrl": _train.FtrlOptimizer,
               "RMSProp": _train.RMSPropOptimizer, "SGD": _train.GradientDescentOptimizer}


def _optimizer(opt, default_lr):
    if isinstance(opt, str):
        if opt not in _OPTIMIZERS:
            raise ValueError(f"Unsupported optimizer name: {opt}. Supported names are: {sorted(_OPTIMIZERS)}")
        return _OPTIMIZERS[opt](learning_rate=default_lr)
    if callable(opt) and not isinstance(opt, _train.Optimizer):
        opt = opt()
    if not isinstance(opt, _train.Optimizer):
        raise ValueError(f"The given object is not an Optimizer instance. Given: {opt}")
    return opt


def _check_columns(feature_columns):
    cols = list(feature_columns or [])
    if not cols:
        raise ValueError("feature_columns must be defined.")
    for c in cols:
        if not isinstance(c, (NumericColumn, BucketizedColumn)):
            raise NotImplementedError(f"neuralab.compat.v1: canned estimators take numeric_column and "
                                      f"bucketized_column feature columns; got {c!r}")
    return cols


class _ClassNames(Op):
    """class ids -> TF's ``classes`` prediction: the ids as byte strings (b"0", b"1", ...)."""

    nin = 1
    register = False
    differentiable = False
    type = "AsString"

    def forward(self, xp, ids):
        return (np.char.encode(np.asarray(ids).astype(str), "ascii"),)

    def infer(self, ids):
        return (Spec(ids.shape, np.dtype("S21")),)

    def backward(self, grads):
        return (None,)


def _weights(features, weight_column):
    if weight_column is None:
        return None
    key = weight_column if isinstance(weight_column, str) else weight_column.key
    return _A.reshape(_A.cast(features[key], np.float32), [-1, 1])


class _Head:
    """A TF head: loss, predictions and metrics from logits."""

    def __init__(self, kind, n, weight_column=None):
        self.kind, self.n, self.weight_column = kind, n, weight_column

    @property
    def logits_dimension(self):
        return 1 if self.kind == "binary" else self.n

    def spec(self, features, labels, mode, logits, optimizer):
        w = _weights(features, self.weight_column)
        preds = self._predictions(logits)
        if mode == ModeKeys.PREDICT:
            return EstimatorSpec(mode, predictions=preds)
        if labels is None:
            raise ValueError("You must provide a labels Tensor. Given: None.")
        unreduced, lab = self._unreduced_loss(labels, logits)
        weighted = unreduced if w is None else _A.multiply(unreduced, w)
        loss = _A.reduce_sum(weighted, name="loss")
        if mode == ModeKeys.EVAL:
            return EstimatorSpec(mode, loss=loss, predictions=preds,
                                 eval_metric_ops=self._metrics(lab, preds, unreduced, w))
        train_op = optimizer.minimize(loss, global_step=_train.get_global_step())
        return EstimatorSpec(mode, loss=loss, train_op=train_op, predictions=preds)

    def _predictions(self, logits):
        if self.kind == "regression":
            return {"predictions": logits}
        if self.kind == "binary":
            p = _A.sigmoid(logits)
            ids = _A.cast(_A.greater(logits, 0.0), np.int64)
            return {"logits": logits, "logistic": p, "probabilities": _A.concat([_A.subtract(1.0, p), p], 1),
                    "class_ids": ids, "classes": _types.wrap(_ClassNames.apply(as_tensor(ids)))}
        ids = _A.expand_dims(_A.argmax(logits, 1), -1)
        return {"logits": logits, "probabilities": _nn.softmax(logits), "class_ids": ids,
                "classes": _types.wrap(_ClassNames.apply(as_tensor(ids)))}

    def _unreduced_loss(self, labels, logits):
        if self.kind == "regression":
            lab = _A.reshape(_A.cast(labels, np.float32), [-1, self.n])
            return _A.squared_difference(logits, lab), lab
        lab = _A.reshape(_A.cast(labels, np.int64), [-1, 1])
        if self.kind == "binary":
            return _nn.sigmoid_cross_entropy_with_logits(labels=_A.cast(lab, np.float32), logits=logits), lab
        ce = _nn.sparse_softmax_cross_entropy_with_logits(labels=_A.reshape(lab, [-1]), logits=logits)
        return _A.expand_dims(ce, -1), lab

    def _metrics(self, lab, preds, unreduced, w):
        m = {"average_loss": _metrics.mean(unreduced, weights=w)}
        if self.kind == "regression":
            m["label/mean"] = _metrics.mean(lab, weights=w)
            m["prediction/mean"] = _metrics.mean(preds["predictions"], weights=w)
            return m
        m["accuracy"] = _metrics.accuracy(lab, preds["class_ids"], weights=w)
        if self.kind == "binary":
            p = preds["logistic"]
            label_mean = _metrics.mean(_A.cast(lab, np.float32), weights=w)
            m["label/mean"] = label_mean
            m["prediction/mean"] = _metrics.mean(p, weights=w)
            m["accuracy_baseline"] = (_A.maximum(label_mean[0], _A.subtract(1.0, label_mean[0])),
                                      _A.maximum(label_mean[1], _A.subtract(1.0, label_mean[1])))
            m["auc"] = _metrics.auc(lab, p, weights=w)
            m["auc_precision_recall"] = _metrics.auc(lab, p, weights=w, curve="PR",
                                                     summation_method="careful_interpolation")
            m["precision"] = _metrics.precision(lab, preds["class_ids"], weights=w)
            m["recall"] = _metrics.recall(lab, preds["class_ids"], weights=w)
        return m


def _head(n_classes, label_dimension, weight_column, label_vocabulary, classifier):
    if label_vocabulary is not None:
        raise NotImplementedError("neuralab.compat.v1: label_vocabulary is not supported; give integer class ids "
                                  "as labels")
    if not classifier:
        if label_dimension < 1:
            raise ValueError(f"Invalid label_dimension {label_dimension}.")
        return _Head("regression", int(label_dimension), weight_column)
    if n_classes is None or n_classes < 2:
        raise ValueError(f"n_classes must be > 1: {n_classes}")
    return _Head("binary" if n_classes == 2 else "multi", int(n_classes), weight_column)


def _linear_logits(features, columns, units):
    with variable_scope("linear"), variable_scope("linear_model"):
        parts = []
        for c in sorted(columns, key=lambda c: c.name):
            with variable_scope(c.name):
                wt = get_variable("weights", [c.dimension, units], initializer=zeros_initializer())
            parts.append(_A.matmul(input_layer(features, [c]), wt))
        bias = get_variable("bias_weights", [units], initializer=zeros_initializer())
        return _nn.bias_add(_A.add_n(parts) if len(parts) > 1 else parts[0], bias)


def _dnn_logits(features, columns, hidden_units, units, activation_fn, dropout, training):
    with variable_scope("dnn"):
        net = input_layer(features, columns)
        width = int(sum(c.dimension for c in columns))
        for i, n in enumerate(hidden_units):
            with variable_scope(f"hiddenlayer_{i}"):
                k = get_variable("kernel", [width, int(n)], initializer=glorot_uniform_initializer())
                b = get_variable("bias", [int(n)], initializer=zeros_initializer())
                net = activation_fn(_nn.bias_add(_A.matmul(net, k), b))
                if dropout is not None and training:
                    net = _nn.dropout(net, keep_prob=1.0 - dropout)
            width = int(n)
        with variable_scope("logits"):
            k = get_variable("kernel", [width, units], initializer=glorot_uniform_initializer())
            b = get_variable("bias", [units], initializer=zeros_initializer())
            return _nn.bias_add(_A.matmul(net, k), b)


class _Canned(Estimator):
    def __init__(self, logits_fn, head, optimizer, model_dir, config):
        def model_fn(features, labels, mode, config):
            if not isinstance(features, dict):
                features = {"x": features}
            logits = logits_fn(features, head.logits_dimension, mode == ModeKeys.TRAIN)
            opt = optimizer() if mode == ModeKeys.TRAIN else None
            return head.spec(features, labels, mode, logits, opt)

        super().__init__(model_fn, model_dir=model_dir, config=config)


class LinearRegressor(_Canned):
    """tf.estimator.LinearRegressor(feature_columns, model_dir=None, label_dimension=1, weight_column=None,
    optimizer='Ftrl', config=None): a linear model with TF's regression head (see the module docstring)."""

    def __init__(self, feature_columns, model_dir=None, label_dimension=1, weight_column=None, optimizer="Ftrl",
                 config=None, partitioner=None, warm_start_from=None, loss_reduction=None, sparse_combiner="sum"):
        cols = _check_columns(feature_columns)
        lr = min(0.2, 1.0 / math.sqrt(len(cols)))
        super().__init__(lambda f, u, training: _linear_logits(f, cols, u),
                         _head(None, label_dimension, weight_column, None, False),
                         lambda: _optimizer(optimizer, lr), model_dir, config)


class LinearClassifier(_Canned):
    """tf.estimator.LinearClassifier(feature_columns, model_dir=None, n_classes=2, weight_column=None,
    optimizer='Ftrl', config=None): logistic (or softmax) regression with TF's classification head."""

    def __init__(self, feature_columns, model_dir=None, n_classes=2, weight_column=None, label_vocabulary=None,
                 optimizer="Ftrl", config=None, partitioner=None, warm_start_from=None, loss_reduction=None,
                 sparse_combiner="sum"):
        cols = _check_columns(feature_columns)
        lr = min(0.2, 1.0 / math.sqrt(len(cols)))
        super().__init__(lambda f, u, training: _linear_logits(f, cols, u),
                         _head(n_classes, 1, weight_column, label_vocabulary, True),
                         lambda: _optimizer(optimizer, lr), model_dir, config)


def _activation(fn):
    return fn if fn is not None else _nn.relu


class DNNClassifier(_Canned):
    """tf.estimator.DNNClassifier(hidden_units, feature_columns, model_dir=None, n_classes=2, weight_column=None,
    optimizer='Adagrad', activation_fn=tf.nn.relu, dropout=None, config=None): a fully connected classifier."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, n_classes=2, weight_column=None,
                 label_vocabulary=None, optimizer="Adagrad", activation_fn=None, dropout=None,
                 input_layer_partitioner=None, config=None, warm_start_from=None, loss_reduction=None,
                 batch_norm=False):
        if batch_norm:
            raise NotImplementedError("neuralab.compat.v1: DNNClassifier(batch_norm=True) is not supported")
        cols = _check_columns(feature_columns)
        hidden, act = list(hidden_units), _activation(activation_fn)
        super().__init__(lambda f, u, training: _dnn_logits(f, cols, hidden, u, act, dropout, training),
                         _head(n_classes, 1, weight_column, label_vocabulary, True),
                         lambda: _optimizer(optimizer, 0.05), model_dir, config)


class DNNRegressor(_Canned):
    """tf.estimator.DNNRegressor(hidden_units, feature_columns, model_dir=None, label_dimension=1,
    weight_column=None, optimizer='Adagrad', activation_fn=tf.nn.relu, dropout=None, config=None)."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, label_dimension=1, weight_column=None,
                 optimizer="Adagrad", activation_fn=None, dropout=None, input_layer_partitioner=None, config=None,
                 warm_start_from=None, loss_reduction=None, batch_norm=False):
        if batch_norm:
            raise NotImplementedError("neuralab.compat.v1: DNNRegressor(batch_norm=True) is not supported")
        cols = _check_columns(feature_columns)
        hidden, act = list(hidden_units), _activation(activation_fn)
        super().__init__(lambda f, u, training: _dnn_logits(f, cols, hidden, u, act, dropout, training),
                         _head(None, label_dimension, weight_column, None, False),
                         lambda: _optimizer(optimizer, 0.05), model_dir, config)


__all__ = ["DNNClassifier", "DNNRegressor", "LinearClassifier", "LinearRegressor"]
