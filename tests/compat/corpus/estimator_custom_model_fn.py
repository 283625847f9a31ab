# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# A custom tf.estimator: model_fn with tf.layers, EstimatorSpec for PREDICT/TRAIN/EVAL, tf.metrics.accuracy,
# numpy_input_fn for MNIST, train / evaluate / predict, checkpoints in a model_dir.
# expect: last("accuracy") > 0.8
# expect: has("global_step: 200")
# expect: has("predictions are classes and probabilities: True")
# expect: len(files("checkpoint")) >= 1
import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

tf.logging.set_verbosity(tf.logging.WARN)
mnist = input_data.read_data_sets("MNIST_data/", one_hot=False)


def model_fn(features, labels, mode, params):
    net = tf.layers.dense(features["x"], params["hidden"], activation=tf.nn.relu)
    logits = tf.layers.dense(net, 10)
    predicted_classes = tf.argmax(logits, 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        predictions = {"class_ids": predicted_classes[:, tf.newaxis], "probabilities": tf.nn.softmax(logits)}
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


classifier = tf.estimator.Estimator(model_fn=model_fn, model_dir="mnist_model", params={"hidden": 64})
train_input_fn = tf.estimator.inputs.numpy_input_fn(
    x={"x": mnist.train.images}, y=mnist.train.labels.astype(np.int32), batch_size=50, num_epochs=None, shuffle=True)
classifier.train(input_fn=train_input_fn, steps=200)

eval_input_fn = tf.estimator.inputs.numpy_input_fn(
    x={"x": mnist.test.images}, y=mnist.test.labels.astype(np.int32), num_epochs=1, shuffle=False)
eval_result = classifier.evaluate(input_fn=eval_input_fn)
print("global_step:", eval_result["global_step"])
print("\nTest set accuracy: {accuracy:0.3f}\n".format(**eval_result))

predict_input_fn = tf.estimator.inputs.numpy_input_fn(x={"x": mnist.test.images[:5]}, num_epochs=1, shuffle=False)
preds = list(classifier.predict(input_fn=predict_input_fn))
print("predictions are classes and probabilities:",
      len(preds) == 5 and all(p["probabilities"].shape == (10,) and p["class_ids"].shape == (1,) for p in preds))
