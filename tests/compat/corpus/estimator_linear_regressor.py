# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# A canned tf.estimator.LinearRegressor on the line CSV: feature_column.numeric_column, numpy_input_fn for
# train/evaluate/predict, the learned weights read back with get_variable_names/get_variable_value.
# expect: last("average_loss") < 0.05
# expect: abs(last("weight") - 2.0) < 0.1 and abs(last("bias") - 1.0) < 0.1
# expect: abs(last("prediction at x=3:") - 7.0) < 0.3
import numpy as np
import tensorflow as tf

tf.logging.set_verbosity(tf.logging.ERROR)
xy = np.loadtxt("data-linear.csv", delimiter=",", dtype=np.float32)
feature_columns = [tf.feature_column.numeric_column("x", shape=[1])]
estimator = tf.estimator.LinearRegressor(feature_columns=feature_columns, model_dir="linear_model",
                                         optimizer=tf.train.FtrlOptimizer(learning_rate=0.5))

input_fn = tf.estimator.inputs.numpy_input_fn({"x": xy[:, 0]}, xy[:, 1], batch_size=10, num_epochs=None, shuffle=True)
eval_input_fn = tf.estimator.inputs.numpy_input_fn({"x": xy[:, 0]}, xy[:, 1], batch_size=25, num_epochs=1,
                                                   shuffle=False)
estimator.train(input_fn=input_fn, steps=300)
metrics = estimator.evaluate(input_fn=eval_input_fn)
print("eval metrics: average_loss %.4f" % metrics["average_loss"])
names = estimator.get_variable_names()
weight = [n for n in names if n.endswith("x/weights")][0]
bias = [n for n in names if n.endswith("bias_weights")][0]
print("weight %.4f bias %.4f" % (estimator.get_variable_value(weight).ravel()[0],
                                 estimator.get_variable_value(bias).ravel()[0]))
pred = estimator.predict(input_fn=tf.estimator.inputs.numpy_input_fn({"x": np.array([3.0], np.float32)},
                                                                      shuffle=False))
print("prediction at x=3:", next(pred)["predictions"][0])
