# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# The iris "premade estimator" tutorial: read iris_training.csv with its header row, feature columns,
# tf.estimator.DNNClassifier, input functions over pandas-free NumPy, evaluate and predict.
# expect: last("Test set accuracy:") > 0.85
# expect: has("feature columns: ['PetalLength', 'PetalWidth', 'SepalLength', 'SepalWidth']")
import numpy as np
import tensorflow as tf

CSV_COLUMN_NAMES = ["SepalLength", "SepalWidth", "PetalLength", "PetalWidth", "Species"]
SPECIES = ["Setosa", "Versicolor", "Virginica"]
tf.logging.set_verbosity(tf.logging.ERROR)


def load(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32)
    features = {name: data[:, i] for i, name in enumerate(CSV_COLUMN_NAMES[:-1])}
    return features, data[:, -1].astype(np.int32)


train_x, train_y = load("iris_training.csv")
test_x, test_y = load("iris_test.csv")

my_feature_columns = []
for key in sorted(train_x.keys()):
    my_feature_columns.append(tf.feature_column.numeric_column(key=key))
print("feature columns:", [c.key for c in my_feature_columns])

classifier = tf.estimator.DNNClassifier(feature_columns=my_feature_columns, hidden_units=[10, 10], n_classes=3,
                                        model_dir="iris_model", optimizer=tf.train.AdamOptimizer(0.03))
classifier.train(input_fn=tf.estimator.inputs.numpy_input_fn(train_x, train_y, batch_size=32, num_epochs=None,
                                                             shuffle=True), steps=300)
eval_result = classifier.evaluate(input_fn=tf.estimator.inputs.numpy_input_fn(test_x, test_y, num_epochs=1,
                                                                              shuffle=False))
print("\nTest set accuracy: {accuracy:0.3f}\n".format(**eval_result))

predict_x = {"SepalLength": np.array([5.1, 5.9, 6.9], np.float32), "SepalWidth": np.array([3.3, 3.0, 3.1], np.float32),
             "PetalLength": np.array([1.7, 4.2, 5.4], np.float32), "PetalWidth": np.array([0.5, 1.5, 2.1], np.float32)}
predictions = classifier.predict(input_fn=tf.estimator.inputs.numpy_input_fn(predict_x, num_epochs=1, shuffle=False))
for pred_dict, expec in zip(predictions, SPECIES):
    class_id = pred_dict["class_ids"][0]
    probability = pred_dict["probabilities"][class_id]
    print('Prediction is "{}" ({:.1f}%), expected "{}"'.format(SPECIES[class_id], 100 * probability, expec))
