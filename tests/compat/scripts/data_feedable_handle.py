"""tf.data feedable iterator: one get_next node switched between datasets by feeding a string handle.

The training iterator repeats forever; the validation iterator is re-initialized
before each evaluation. Prints the batches each handle gave.
"""
import tensorflow as tf

train = tf.data.Dataset.range(100).map(lambda v: v * 2).batch(4).repeat()
val = tf.data.Dataset.range(10).map(lambda v: -v).batch(5)

handle = tf.placeholder(tf.string, shape=[])
iterator = tf.data.Iterator.from_string_handle(handle, train.output_types, train.output_shapes)
next_batch = iterator.get_next()

train_it = train.make_one_shot_iterator()
val_it = val.make_initializable_iterator()

with tf.Session() as sess:
    train_handle, val_handle = sess.run([train_it.string_handle(), val_it.string_handle()])
    print("train:", sess.run(next_batch, {handle: train_handle}).tolist())
    print("train:", sess.run(next_batch, {handle: train_handle}).tolist())
    for _ in range(2):
        sess.run(val_it.initializer)
        got = []
        while True:
            try:
                got.append(sess.run(next_batch, {handle: val_handle}).tolist())
            except tf.errors.OutOfRangeError:
                break
        print("val:", got)
    print("train:", sess.run(next_batch, {handle: train_handle}).tolist())
