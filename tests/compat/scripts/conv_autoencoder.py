# ruff: noqa: UP031, UP032  (TF 1.x tutorial style)
"""A convolutional autoencoder in the style of the TF 1.x tutorials, on 8x8 digit images.

Encoder: tf.layers.conv2d + max_pooling2d twice (8x8 -> 2x2x8). Decoder: a hand-made tf.nn.conv2d_transpose
with output_shape=[tf.shape(x)[0], 4, 4, 16] (the batch known only at run time), then tf.layers.conv2d_transpose
back to 8x8x1 and a sigmoid. Prints the held-out reconstruction error and that of the mean training image.

Usage: conv_autoencoder.py STEPS DIGITS_NPZ (arrays x_train, x_test: 8x8 images flattened, values in [0, 1])"""
import sys

import numpy as np
import tensorflow as tf

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 300
data = np.load(sys.argv[2])
x_train = data["x_train"].reshape(-1, 8, 8, 1).astype(np.float32)
x_test = data["x_test"].reshape(-1, 8, 8, 1).astype(np.float32)
tf.set_random_seed(3)
rng = np.random.RandomState(0)

inputs_ = tf.placeholder(tf.float32, (None, 8, 8, 1), name="inputs")

# Encoder
conv1 = tf.layers.conv2d(inputs_, 16, (3, 3), padding="same", activation=tf.nn.relu)  # 8x8x16
maxpool1 = tf.layers.max_pooling2d(conv1, (2, 2), (2, 2), padding="same")  # 4x4x16
conv2 = tf.layers.conv2d(maxpool1, 8, (3, 3), padding="same", activation=tf.nn.relu)  # 4x4x8
encoded = tf.layers.max_pooling2d(conv2, (2, 2), (2, 2), padding="same")  # 2x2x8

# Decoder
W_up = tf.Variable(tf.truncated_normal([3, 3, 16, 8], stddev=0.1), name="W_up")
b_up = tf.Variable(tf.zeros([16]), name="b_up")
batch = tf.shape(inputs_)[0]
up1 = tf.nn.conv2d_transpose(encoded, W_up, output_shape=[batch, 4, 4, 16], strides=[1, 2, 2, 1], padding="SAME")
up1 = tf.nn.relu(up1 + b_up)  # 4x4x16
logits = tf.layers.conv2d_transpose(up1, 1, (3, 3), strides=(2, 2), padding="same")  # 8x8x1
decoded = tf.nn.sigmoid(logits, name="decoded")
print("encoded:", encoded, "decoded:", decoded)

loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=inputs_, logits=logits))
mse = tf.reduce_mean(tf.square(decoded - inputs_))
opt = tf.train.AdamOptimizer(0.01).minimize(loss)

mean_image_mse = float(np.mean((x_test - x_train.mean(axis=0)) ** 2))
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    start = sess.run(mse, {inputs_: x_test})
    for step in range(steps):
        idx = rng.randint(0, len(x_train), 64)
        batch_cost, _ = sess.run([loss, opt], feed_dict={inputs_: x_train[idx]})
        if step % 100 == 0:
            print("Step: {}/{}...".format(step, steps), "Training loss: {:.4f}".format(batch_cost))
    final = sess.run(mse, {inputs_: x_test})
    shapes = [tuple(a.shape) for a in sess.run([encoded, up1, decoded], {inputs_: x_test[:5]})]

print("shapes:", shapes)
print("start_mse: %.5f" % start)
print("mean_image_mse: %.5f" % mean_image_mse)
print("final_mse: %.5f" % final)
