# ruff: noqa: UP031  (TF 1.x premade-estimator tutorial style)
"""Premade estimators over tf.feature_column.numeric_column: DNNClassifier (iris-like), LinearClassifier,
LinearRegressor. Usage: estimator_canned.py MODEL_DIR [steps]. Prints each evaluation dict.
"""
import os
import sys

import numpy as np
import tensorflow as tf

model_dir = sys.argv[1]
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 200
rng = np.random.RandomState(0)
CSV_COLUMN_NAMES = ["SepalLength", "SepalWidth", "PetalLength", "PetalWidth"]
centers = np.array([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]])
x = np.concatenate([c + 0.3 * rng.randn(50, 4) for c in centers]).astype(np.float32)
y = np.repeat(np.arange(3), 50)
features = {name: x[:, i] for i, name in enumerate(CSV_COLUMN_NAMES)}
my_feature_columns = [tf.feature_column.numeric_column(key=key) for key in CSV_COLUMN_NAMES]
config = tf.estimator.RunConfig(tf_random_seed=3)


def train_input(labels, batch_size=32):
    return tf.estimator.inputs.numpy_input_fn(features, labels, batch_size=batch_size, num_epochs=None,
                                              shuffle=True)


def eval_input(labels):
    return tf.estimator.inputs.numpy_input_fn(features, labels, batch_size=64, shuffle=False)


classifier = tf.estimator.DNNClassifier(feature_columns=my_feature_columns, hidden_units=[10, 10], n_classes=3,
                                        model_dir=os.path.join(model_dir, "dnn"), config=config)
classifier.train(input_fn=train_input(y), steps=steps)
ev = classifier.evaluate(input_fn=eval_input(y))
print("dnn: accuracy %.4f average_loss %.6f global_step %d" % (ev["accuracy"], ev["average_loss"],
                                                                ev["global_step"]))
preds = classifier.predict(input_fn=tf.estimator.inputs.numpy_input_fn(
    {k: v[[0, 75, 149]] for k, v in features.items()}, shuffle=False))
for p in preds:
    print("class %d probability %.3f %s" % (p["class_ids"][0], p["probabilities"][p["class_ids"][0]],
                                            p["classes"][0].decode()))

binary = (y == 2).astype(np.int64)
linear = tf.estimator.LinearClassifier(feature_columns=my_feature_columns,
                                       model_dir=os.path.join(model_dir, "linear"), config=config)
linear.train(input_fn=train_input(binary, 30), steps=steps)
ev = linear.evaluate(input_fn=eval_input(binary))
print("linear: accuracy %.4f auc %.4f precision %.4f recall %.4f" % (ev["accuracy"], ev["auc"], ev["precision"],
                                                                     ev["recall"]))

regressor = tf.estimator.LinearRegressor(feature_columns=my_feature_columns[:3],
                                         model_dir=os.path.join(model_dir, "regressor"), config=config)
regressor.train(input_fn=train_input(x[:, 3], 30), steps=2 * steps)
ev = regressor.evaluate(input_fn=eval_input(x[:, 3]))
print("regressor: average_loss %.6f label/mean %.6f" % (ev["average_loss"], ev["label/mean"]))
print("variables", ",".join(regressor.get_variable_names()))
