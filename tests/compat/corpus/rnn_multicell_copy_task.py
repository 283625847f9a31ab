# ruff: noqa: B007, UP031, UP032  (TF 1.x code as the tutorials of its time write it)
# A stacked LSTM (MultiRNNCell of DropoutWrapper(LSTMCell) made in a loop), cell.zero_state(batch_size),
# dynamic_rnn with initial_state, tf.contrib.seq2seq.sequence_loss with weights: learn to repeat the input
# symbol of the previous step (a delay line), one-hot inputs.
# expect: last("accuracy after step 1") > 0.9
# expect: last("loss") < 0.3 * first("loss")
# expect: has("state: 2 layers, c (16, 32) h (16, 32)")
import numpy as np
import tensorflow as tf

num_classes = 6
seq_len = 12
batch_size = 16
hidden = 32
tf.set_random_seed(30)
rng = np.random.RandomState(30)

x = tf.placeholder(tf.int32, [batch_size, seq_len])
y = tf.placeholder(tf.int32, [batch_size, seq_len])
keep_prob = tf.placeholder_with_default(1.0, [])
x_one_hot = tf.one_hot(x, num_classes)


def make_cell():
    return tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.LSTMCell(hidden, state_is_tuple=True),
                                         output_keep_prob=keep_prob)


cell = tf.nn.rnn_cell.MultiRNNCell([make_cell() for _ in range(2)], state_is_tuple=True)
initial_state = cell.zero_state(batch_size, tf.float32)
outputs, _states = tf.nn.dynamic_rnn(cell, x_one_hot, initial_state=initial_state, dtype=tf.float32)
print("state: %d layers, c %s h %s" % (len(_states), tuple(_states[0].c.shape.as_list()),
                                      tuple(_states[0].h.shape.as_list())))
outputs = tf.contrib.layers.fully_connected(outputs, num_classes, activation_fn=None)
weights = tf.ones([batch_size, seq_len])
sequence_loss = tf.contrib.seq2seq.sequence_loss(logits=outputs, targets=y, weights=weights)
loss = tf.reduce_mean(sequence_loss)
train = tf.train.AdamOptimizer(learning_rate=0.02).minimize(loss)
prediction = tf.argmax(outputs, axis=2, output_type=tf.int32)
# the first step has nothing to repeat: judge steps 1..end
accuracy = tf.reduce_mean(tf.cast(tf.equal(prediction[:, 1:], y[:, 1:]), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(201):
        xs = rng.randint(0, num_classes, (batch_size, seq_len))
        ys = np.concatenate([np.zeros((batch_size, 1), np.int64), xs[:, :-1]], axis=1)
        l, _ = sess.run([loss, train], feed_dict={x: xs, y: ys, keep_prob: 0.9})
        if i % 50 == 0:
            print(i, "loss:", l)
    xs = rng.randint(0, num_classes, (batch_size, seq_len))
    ys = np.concatenate([np.zeros((batch_size, 1), np.int64), xs[:, :-1]], axis=1)
    print("accuracy after step 1", sess.run(accuracy, feed_dict={x: xs, y: ys}))
