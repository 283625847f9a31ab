"""``tf.estimator``: Estimator, EstimatorSpec, ModeKeys, RunConfig, ``inputs.numpy_input_fn`` and canned models.

See :mod:`neuralab.compat.v1.estimator._estimator` for how train / evaluate /
predict run a ``model_fn`` on neuralab graphs and checkpoint through
``tf.train.Saver``; :mod:`.inputs` for ``numpy_input_fn`` (on ``tf.data``);
:mod:`.canned` for LinearRegressor, LinearClassifier, DNNClassifier and
DNNRegressor over ``tf.feature_column.numeric_column``.
"""
from __future__ import annotations

from ..missing import module_getattr
from . import inputs
from ._estimator import Estimator, EstimatorSpec, EvalSpec, ModeKeys, RunConfig, TrainSpec, train_and_evaluate
from .canned import DNNClassifier, DNNRegressor, LinearClassifier, LinearRegressor

__getattr__ = module_getattr(__name__, "tf.estimator")

__all__ = ["DNNClassifier", "DNNRegressor", "Estimator", "EstimatorSpec", "EvalSpec", "LinearClassifier",
           "LinearRegressor", "ModeKeys", "RunConfig", "TrainSpec", "inputs", "train_and_evaluate"]
