# ruff: noqa: UP031  (TF 1.x estimator tutorial style)
"""A custom tf.estimator model_fn (tf.layers, tf.metrics) trained, resumed, evaluated and used to predict.

Three Gaussian blobs in 4-D (an iris-like table) as the fixture; numpy_input_fn for training and
evaluation, and a tf.data.Dataset input_fn for a second evaluation. Usage: estimator_custom.py MODEL_DIR
[steps]. Prints the evaluation dicts, the checkpoints kept and the predicted classes.
"""
import os
import sys

import numpy as np
import tensorflow as tf

model_dir = sys.argv[1]
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 100
tf.logging.set_verbosity(tf.logging.INFO)

rng = np.random.RandomState(0)
centers = np.array([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]])
x_train = np.concatenate([c + 0.3 * rng.randn(40, 4) for c in centers]).astype(np.float32)
y_train = np.repeat(np.arange(3), 40).astype(np.int32)
x_test = np.concatenate([c + 0.3 * rng.randn(10, 4) for c in centers]).astype(np.float32)
y_test = np.repeat(np.arange(3), 10).astype(np.int32)


def model_fn(features, labels, mode, params):
    net = features["x"]
    for units in params["hidden_units"]:
        net = tf.layers.dense(net, units=units, activation=tf.nn.relu)
    logits = tf.layers.dense(net, params["n_classes"], activation=None)
    predicted_classes = tf.argmax(logits, 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        predictions = {"class_ids": predicted_classes[:, tf.newaxis], "probabilities": tf.nn.softmax(logits),
                       "logits": logits}
        return tf.estimator.EstimatorSpec(mode, predictions=predictions)
    loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    accuracy = tf.metrics.accuracy(labels=labels, predictions=predicted_classes, name="acc_op")
    metrics = {"accuracy": accuracy}
    tf.summary.scalar("accuracy", accuracy[1])
    if mode == tf.estimator.ModeKeys.EVAL:
        return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
    optimizer = tf.train.AdagradOptimizer(learning_rate=0.1)
    train_op = optimizer.minimize(loss, global_step=tf.train.get_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)


config = tf.estimator.RunConfig(tf_random_seed=42, save_checkpoints_steps=50, keep_checkpoint_max=3)
classifier = tf.estimator.Estimator(model_fn=model_fn, model_dir=model_dir, config=config,
                                    params={"hidden_units": [10, 10], "n_classes": 3})
train_input_fn = tf.estimator.inputs.numpy_input_fn(x={"x": x_train}, y=y_train, batch_size=20, num_epochs=None,
                                                    shuffle=True)
test_input_fn = tf.estimator.inputs.numpy_input_fn(x={"x": x_test}, y=y_test, num_epochs=1, shuffle=False)

classifier.train(input_fn=train_input_fn, steps=steps)
first = classifier.evaluate(input_fn=test_input_fn)
print("first: accuracy %.4f loss %.6f global_step %d" % (first["accuracy"], first["loss"], first["global_step"]))
classifier.train(input_fn=train_input_fn, steps=steps)  # resumes from the last checkpoint
second = classifier.evaluate(input_fn=test_input_fn)
print("second: accuracy %.4f loss %.6f global_step %d" % (second["accuracy"], second["loss"], second["global_step"]))
classifier.train(input_fn=train_input_fn, max_steps=steps)  # already past max_steps: nothing to do
print("after max_steps: global_step %d" % classifier.get_variable_value("global_step"))


def dataset_input_fn():
    ds = tf.data.Dataset.from_tensor_slices(({"x": x_test}, y_test))
    return ds.batch(7)


third = classifier.evaluate(input_fn=dataset_input_fn)
print("dataset: accuracy %.4f loss %.6f" % (third["accuracy"], third["loss"]))
predict_input_fn = tf.estimator.inputs.numpy_input_fn(x={"x": x_test}, shuffle=False)
predicted = [int(p["class_ids"][0]) for p in classifier.predict(input_fn=predict_input_fn)]
print("predicted", " ".join(str(c) for c in predicted))
print("labels   ", " ".join(str(c) for c in y_test))
print("checkpoints", sorted(f for f in os.listdir(model_dir) if f.startswith("model.ckpt")))
print("latest", os.path.basename(classifier.latest_checkpoint()))
