# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# The queue-based CSV pipeline: string_input_producer, TextLineReader(skip_header_lines), decode_csv with
# record_defaults, tf.train.batch, Coordinator + start_queue_runners, then coord.request_stop()/join(). The
# scores are centred and scaled in the graph ((X - 75) / 25): raw, they leave plain Adam crawling along the bias.
# expect: abs(last("Prediction for [100, 70, 101]:") - 151.7) < 3.0
# expect: last("Cost:") < 5.0
# expect: last("Cost:") < 0.01 * first("Cost:")
# expect: has("first batch shapes: (10, 3) (10, 1)")
# expect: has("threads stopped: True")
import tensorflow as tf

tf.set_random_seed(777)
filename_queue = tf.train.string_input_producer(["data-scores.csv"], shuffle=False, name="filename_queue")

reader = tf.TextLineReader(skip_header_lines=1)
key, value = reader.read(filename_queue)

# Default values, in case of empty columns. Also specifies the type of the decoded result.
record_defaults = [[0.], [0.], [0.], [0.]]
xy = tf.decode_csv(value, record_defaults=record_defaults)

# collect batches of csv in
train_x_batch, train_y_batch = tf.train.batch([xy[0:-1], xy[-1:]], batch_size=10)

X = tf.placeholder(tf.float32, shape=[None, 3])
Y = tf.placeholder(tf.float32, shape=[None, 1])
W = tf.Variable(tf.random_normal([3, 1]), name="weight")
b = tf.Variable(tf.random_normal([1]), name="bias")
hypothesis = tf.matmul((X - 75.0) / 25.0, W) + b
cost = tf.reduce_mean(tf.square(hypothesis - Y))
train = tf.train.AdamOptimizer(learning_rate=0.5).minimize(cost)

sess = tf.Session()
sess.run(tf.global_variables_initializer())

# Start populating the filename queue.
coord = tf.train.Coordinator()
threads = tf.train.start_queue_runners(sess=sess, coord=coord)

for step in range(1001):
    x_batch, y_batch = sess.run([train_x_batch, train_y_batch])
    if step == 0:
        print("first batch shapes:", x_batch.shape, y_batch.shape)
    cost_val, hy_val, _ = sess.run([cost, hypothesis, train], feed_dict={X: x_batch, Y: y_batch})
    if step % 500 == 0:
        print(step, "Cost: ", cost_val)

coord.request_stop()
coord.join(threads)
print("threads stopped:", all(not t.is_alive() for t in threads))

print("Prediction for [100, 70, 101]:", sess.run(hypothesis, feed_dict={X: [[100, 70, 101]]}))
